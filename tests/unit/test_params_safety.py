"""Parameters files an attacker or a slip of the hand wrote: refused fast, small, in one short line."""
from __future__ import annotations

import time
import tracemalloc

import pytest

from ips_nb.data.params import MAX_BYTES, ParamsError, load_params
from ips_nb.data.problems import excerpt, problem

GOOD = "site: {site}\nname: IPS Test\nlanguage: da\ncountry: DK\nconference_weekday: 2\n"

# Nine levels of nine: 9**9 ≈ 387 million strings once expanded ("billion laughs").
BOMB = "a: &a [" + ",".join(['"lol"'] * 9) + "]\n" + "".join(
    f"{n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, n in zip("abcdefgh", "bcdefghi")) + \
    "site: [" + ",".join(["*i"] * 9) + "]\n"


def test_a_yaml_bomb_is_refused_at_once_and_in_one_short_line(tmp_path):
    (tmp_path / "evil.yaml").write_text(BOMB, encoding="utf-8")
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ParamsError) as err:
        load_params(tmp_path, "evil")
    took = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    message = str(err.value)
    assert "aliases" in message and "evil.yaml" in message
    assert len(message) < 300 and "\n" not in message
    # Generous bounds: the expansion alone would take minutes and gigabytes.
    assert took < 1.0 and peak < 10 * 2**20, (took, peak)


def test_aliases_are_refused_even_when_small(tmp_path):
    (tmp_path / "s.yaml").write_text(GOOD.format(site="s") + "teams: &t [Nord]\nx: *t\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="line 7: aliases"):
        load_params(tmp_path, "s")


def test_a_huge_file_is_not_read_beyond_the_cap(tmp_path):
    (tmp_path / "big.yaml").write_text(GOOD.format(site="big") + "# " + "x" * (MAX_BYTES + 10) + "\n",
                                       encoding="utf-8")
    with pytest.raises(ParamsError, match="larger than 64 KB"):
        load_params(tmp_path, "big")


def test_a_long_bad_value_is_echoed_only_as_an_excerpt(tmp_path):
    (tmp_path / "long.yaml").write_text(GOOD.format(site="long").replace("language: da", "language: " + "x" * 5000),
                                        encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        load_params(tmp_path, "long")
    assert "language" in str(err.value) and "5,002 characters" in str(err.value) and len(str(err.value)) < 400


def test_a_good_file_still_loads(tmp_path):
    (tmp_path / "ok.yaml").write_text(GOOD.format(site="ok") + "teams: [Team Nord]\n", encoding="utf-8")
    assert load_params(tmp_path, "ok").teams == ["Team Nord"]


def test_problems_carry_an_excerpt_of_the_value_with_identity_masked_first():
    p = problem("goals.csv", 3, "description", "010190-1234 " + "y" * 10_000, "too long")
    assert p.value.startswith("010190-****") and len(p.value) < 120 and "10,012 characters" in p.value
    assert excerpt("short") == "short"
