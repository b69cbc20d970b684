"""What the live pages say: their labels (from the da/sv/en gettext catalogues) and page heads."""
from __future__ import annotations

from ips_nb.figures.periods import Month, Week
from ips_nb.pages.labels import Labels

# The two dashboards and the catalogue label of each one's title.
KIND_LABELS = {"supervision": "supervision_pack", "agenda": "agenda_title"}

def live_labels(lang: str = "en", overrides: dict[str, dict[str, str]] | None = None) -> Labels:
    """`Labels` for `lang`, with a site's own overrides (the live keys are in the catalogue too)."""
    return Labels(lang, dict(overrides or {}))


def page_info(lang: str, site_name: str, month: Month, week: Week,
              overrides: dict[str, dict[str, str]] | None = None) -> dict:
    """What a dashboard page's head shows (templates/voila/ips/index.html.j2): its title per kind,
    the site's name, the default periods in words, the language."""
    L = live_labels(lang, overrides)
    suffix = f" · {site_name}" if site_name else ""
    return {"site_name": site_name, "lang": lang,
            "titles": {kind: L(label) + suffix for kind, label in KIND_LABELS.items()},
            "month": L.month_name(month.year, month.month), "week": f"{L.week(week.week)} · {week.year}"}


def site_options(params_dir: str, sites: list[str]) -> list[tuple[str, str]]:
    """A site chooser's options: (the site's name as its parameters spell it, its id), so people
    pick "IPS Malmö", not `malmo`; a site whose parameters do not read keeps its id as its name."""
    from ips_nb.data.params import ParamsError, load_params

    options = []
    for site in sites:
        try:
            options.append((load_params(params_dir, site).name or site, site))
        except ParamsError:
            options.append((site, site))
    return options
