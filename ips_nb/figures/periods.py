"""Reporting periods: months, ISO weeks, conference dates and `as_of` (docs/figures.md, docs/agenda.md)."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Month:
    """A calendar month; `as_of` is its last day."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        m = re.fullmatch(r"(\d{4})-(\d{2})", str(text).strip())
        if not m:
            raise ValueError(f"month must look like YYYY-MM, got {text!r}")
        if not 1 <= int(m.group(2)) <= 12:
            raise ValueError(f"month {text!r} is out of range: the month is 01 to 12")
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def as_of(self) -> date:
        return self.last

    @property
    def days(self) -> int:
        return self.last.day

    def shift(self, months: int) -> Month:
        n = self.year * 12 + self.month - 1 + months
        return Month(n // 12, n % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @classmethod
    def latest_complete(cls, today: date) -> Month:
        return cls(today.year, today.month).shift(-1)


@dataclass(frozen=True)
class Week:
    """An ISO week, Monday to Sunday."""

    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> Week:
        m = re.fullmatch(r"(\d{4})-W(\d{2})", str(text).strip())
        if not m:
            raise ValueError(f"week must look like YYYY-Www, got {text!r}")
        year, week = int(m.group(1)), int(m.group(2))
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ValueError(f"{text!r} is not an ISO week") from None
        return cls(year, week)

    @classmethod
    def containing(cls, day: date) -> Week:
        y, w, _ = day.isocalendar()
        return cls(y, w)

    def day(self, iso_weekday: int) -> date:
        return date.fromisocalendar(self.year, self.week, iso_weekday)

    @property
    def monday(self) -> date:
        return self.day(1)

    @property
    def sunday(self) -> date:
        return self.day(7)

    def shift(self, weeks: int) -> Week:
        return Week.containing(self.monday + timedelta(weeks=weeks))

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"


def conference_date(week: Week, conference_weekday: int) -> date:
    """The site's conference day in that ISO week."""
    return week.day(conference_weekday)


def next_conference_week(today: date, conference_weekday: int) -> Week:
    """The week of the site's next conference on or after `today`: this week's, unless its day
    is past (then next week's). An agenda prepared for a conference already held helps no one."""
    week = Week.containing(today)
    return week if conference_date(week, conference_weekday) >= today else week.shift(1)


def agenda_as_of(week: Week, conference_weekday: int) -> date:
    """The day before the conference: what the agenda knows."""
    return conference_date(week, conference_weekday) - timedelta(days=1)
