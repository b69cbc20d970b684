"""The live layer's own labels (da/sv/en), laid over the catalogue of `ips_nb.pages.catalogue`.

They sit here, not in the catalogue, while the catalogue is being moved to gettext: one small dict
with the same shape (key → (da, sv, en)), handed to `Labels` as overrides, so a page reads them
exactly like catalogue labels. Move them into the catalogue once it has settled.
"""
from __future__ import annotations

from ips_nb.figures.periods import Month, Week
from ips_nb.pages.labels import LANGS, Labels

# The two dashboards and the catalogue label of each one's title.
KIND_LABELS = {"supervision": "supervision_pack", "agenda": "agenda_title"}

LIVE_LABELS: dict[str, tuple[str, str, str]] = {
    "signed_in_as": ("Logget ind som {user}", "Inloggad som {user}", "Signed in as {user}"),
    "no_dashboards": ("Du har endnu ikke adgang til noget steds dashboards. Spørg koordinatoren.",
                      "Du har ännu inte tillgång till någon enhets instrumentpaneler. Fråga samordnaren.",
                      "You do not have access to any site's dashboards yet. Ask the coordinator."),
    "refused": ("Du har ikke adgang til denne side.", "Du har inte tillgång till den här sidan.",
                "You do not have access to this page."),
    "not_found": ("Siden findes ikke.", "Sidan finns inte.", "There is no such page."),
    "token_needed": ("Åbn adressen, som »ips-nb serve« skrev ud (den indeholder en nøgle).",
                     "Öppna adressen som ”ips-nb serve” skrev ut (den innehåller en nyckel).",
                     "Open the address that “ips-nb serve” printed (it carries a key)."),
    "log_out": ("Log ud", "Logga ut", "Log out"),
    "your_dashboards": ("Dine dashboards", "Dina instrumentpaneler", "Your dashboards"),
    "all_reports": ("Alle rapporter og kørsler", "Alla rapporter och körningar", "Every report and run"),
    "back_to_dashboards": ("Tilbage til dine dashboards", "Tillbaka till dina instrumentpaneler",
                           "Back to your dashboards"),
}


def live_labels(lang: str = "en", overrides: dict[str, dict[str, str]] | None = None) -> Labels:
    """`Labels` for `lang` that also know the live layer's keys; a site's own overrides still win."""
    own = {key: dict(zip(LANGS, texts)) for key, texts in LIVE_LABELS.items()}
    return Labels(lang, {**own, **(overrides or {})})


def page_info(lang: str, site_name: str, month: Month, week: Week,
              overrides: dict[str, dict[str, str]] | None = None) -> dict:
    """What a dashboard page's head shows (templates/voila/ips/index.html.j2): its title per kind,
    the site's name, the default periods in words, the language."""
    L = live_labels(lang, overrides)
    suffix = f" · {site_name}" if site_name else ""
    return {"site_name": site_name, "lang": lang,
            "titles": {kind: L(label) + suffix for kind, label in KIND_LABELS.items()},
            "month": L.month_name(month.year, month.month), "week": f"{L.week(week.week)} · {week.year}"}
