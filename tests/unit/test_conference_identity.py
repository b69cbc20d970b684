"""Conference writes refuse a text holding an identity number in every corpus form (decision,
action, team), before anything is written, and say so without the number. Before the detector,
20 of the 32 forms were stored ("010190.1234 drøftet" answered "Gemt.")."""
from __future__ import annotations

from datetime import date

import importdata as d
import pytest
import sqlalchemy as sa
from idcorpus import DANGEROUS, HARMLESS

from ips_nb.data import conference as conf
from ips_nb.data import connection, store

KEY = "conference test key " * 2
DAY = date(2024, 3, 13)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("conf-id")
    engine = connection.connect(f"sqlite:///{tmp / 'ips.db'}")
    store.write_sites(engine, d.frames(tmp / "first", d.VALID), KEY.encode())
    yield engine
    engine.dispose()


def everything(engine) -> str:
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        return repr({n: conn.execute(sa.text(f'SELECT * FROM "{n}"')).all() for n in sorted(names)})


WRITES = {
    "decision": lambda e, t: conf.record_decision(e, "north", "c1", DAY, None, f"{t} drøftet", "anna", 0),
    "team": lambda e, t: conf.record_decision(e, "north", "c1", DAY, f"Team {t}", "Fortsæt", "anna", 0),
    "description": lambda e, t: conf.add_action(e, "north", "c1", f"Ring {t}", "consultant",
                                                "2024-03-20", "anna", 0),
}


@pytest.mark.parametrize("name, text", DANGEROUS, ids=[n for n, _ in DANGEROUS])
def test_every_form_is_refused_in_every_field_and_nothing_is_written(engine, name, text):
    before = everything(engine)
    for field, write in WRITES.items():
        with pytest.raises(conf.WriteRefused) as exc:
            write(engine, text)
        assert exc.value.field == field and exc.value.code == "identity"
        assert "1234" not in str(exc.value)
    assert conf.field_refusal("decision", text).code == "identity"
    assert conf.field_refusal("description", text).code == "identity"
    assert everything(engine) == before


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_notes_are_not_refused(text):
    assert conf.field_refusal("decision", text) is None
    assert conf.field_refusal("description", text[:300]) is None
