"""The label texts as (da, sv, en) tuples, read from the gettext catalogues: a read-only view.

The labels themselves live in `ips_nb/pages/locale/<lang>/LC_MESSAGES/ips_nb.po` (see
`ips_nb.pages.labels`, which pages use). This view is for tests and tools that want every text
side by side:

* LABELS: key -> (da, sv, en) for every label; a counted label gives its plural form here.
* COUNTED: key -> ((da singular, da plural), (sv …), (en …)) for the counted labels.
* FIDELITY_ITEMS: item 1..25 -> (da, sv, en), the IPS-25 items (`fidelity_item_<n>` in the .po).
"""
from __future__ import annotations

from ips_nb.pages.labels import LANGS, catalogue

_ITEM = "fidelity_item_"


def _read() -> tuple[dict, dict, dict]:
    cats = [catalogue(lang) for lang in LANGS]
    keys = sorted(cats[0].plain | cats[0].counted)
    labels, counted, items = {}, {}, {}
    for key in keys:
        if key in cats[0].counted:
            forms = tuple((c.ntext(key, 1), c.ntext(key, 2)) if key in c.counted else ("", "") for c in cats)
            counted[key] = forms
            labels[key] = tuple(other for _, other in forms)
        elif key.startswith(_ITEM) and key[len(_ITEM):].isdigit():
            items[int(key[len(_ITEM):])] = tuple(c.text(key) if key in c.plain else "" for c in cats)
        else:
            labels[key] = tuple(c.text(key) if key in c.plain else "" for c in cats)
    return labels, counted, dict(sorted(items.items()))


LABELS, COUNTED, FIDELITY_ITEMS = _read()
