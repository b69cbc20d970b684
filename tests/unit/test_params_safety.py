"""Parameters files an attacker or a slip of the hand wrote: refused fast, small, in one short line."""
from __future__ import annotations

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
    with pytest.raises(ParamsError) as err:
        load_params(tmp_path, "evil")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    message = str(err.value)
    assert "aliases" in message and "evil.yaml" in message
    assert len(message) < 300 and "\n" not in message
    # Refused before expanding: the expansion alone would take gigabytes (and minutes). Memory,
    # not wall-clock time, is the measure: it does not depend on how busy the machine is.
    assert peak < 10 * 2**20, peak


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


@pytest.mark.parametrize("text, says", [
    ("Dagsorden {", "Single '{'"),
    ("Dagsorden }", "Single '}'"),
    ("{n.__class__.__init__.__globals__}", "not a placeholder"),
    ("{n[0]}", "not a placeholder"),
])
def test_a_label_override_that_would_break_its_page_or_leak_is_refused(tmp_path, text, says):
    (tmp_path / "s.yaml").write_text(GOOD.format(site="s") + f"labels:\n  agenda_title: {{da: '{text}'}}\n",
                                     encoding="utf-8")
    with pytest.raises(ParamsError, match="labels.agenda_title.da") as err:
        load_params(tmp_path, "s")
    assert says in str(err.value)


def test_plain_placeholders_and_doubled_braces_are_kept(tmp_path):
    (tmp_path / "s.yaml").write_text(
        GOOD.format(site="s") + "labels:\n  week_n: {da: 'uge {n} {{fast}}'}\n", encoding="utf-8")
    assert load_params(tmp_path, "s").labels == {"week_n": {"da": "uge {n} {{fast}}"}}
