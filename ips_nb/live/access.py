"""Who may see which site's dashboards behind `ips-nb hub`: one file, `params/access.yaml`.

    sites:
      aarhus: [sup-aarhus, "@team-aarhus"]   # user names, or @hub-group
      odense: [sup-odense]
    coordinators: [coordinator]              # every site, the regional overview, the run pages
    groups:                                  # optional: members of hub groups (the demo's login
      team-aarhus: [beh-aarhus]              # has none of its own; LDAP/OAuth bring theirs)
    lang: da                                 # optional: the hub's language (da, sv or en)

The hub's pages speak the reader's language: a user's sites' language when those sites share
one; else (a coordinator of Danish and Swedish sites, a user with no site, the login page before
anyone is known) the hub's, the region's: `lang` here, or else the language most sites have (ties: da, sv),
as reports/index.html (ips_nb.pages.index.region_lang). Not the browser's Accept-Language:
JupyterHub's templates are given the user, not the request, and a region's staff read the
region's language whatever their browser says.

The hub decides who is who (its login) and which groups they are in (its groups, or the
authenticator's); this file decides what each may see. The service asks `Access` on every page
and every kernel connection, so a URL of another site answers 403 however it was found.
User names are compared as the hub compares them: `hub_name`, JupyterHub's own normalisation
(`Authenticator.normalize_username`: `str.lower()`; LDAP and OAuth authenticators keep it), used
for this file, the hub's allowed users and every comparison. Group names exactly, as the hub keeps them.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ips_nb.data.params import ParamsError, read_yaml, site_ids
from ips_nb.pages.index import region_lang

FILE_NAME = "access.yaml"
# A hub user name: no spaces or slashes (OAuth logins may be e-mail addresses); a leading @ marks a group.
NAME = re.compile(r"^[^\s/@][^\s/]{0,254}$")
GROUP = re.compile(r"^@[^\s/@][^\s/]{0,254}$")
KEYS = ("sites", "coordinators", "groups", "lang")
LANGS = ("da", "sv", "en")


class AccessError(ValueError):
    """access.yaml is missing, unreadable, or names a site, user or group wrongly."""


def hub_name(name: str) -> str:
    """A user name as JupyterHub keeps it: `Authenticator.normalize_username` lowers it with
    `str.lower()` (LDAP and OAuth authenticators inherit that), so compare with exactly that.

    Not `casefold()`: it folds more than the hub does (`ſ` to `s`, `ß` to `ss`), so `ſup-aarhus`,
    a different hub user a directory may admit, would get `sup-aarhus`'s sites. A region that sets
    `Authenticator.username_map` writes the mapped names in access.yaml."""
    return name.lower()


def directory_groups(authenticator: object, handler: object, authentication: dict) -> dict:
    """LDAPAuthenticator's `post_auth_hook`: the user's directory groups as hub groups, so that
    access.yaml's `@ips-aarhus` is the directory's group `cn=ips-aarhus,…` (docs/deployment.md).

    ldapauthenticator checks its `allowed_groups` (DNs) but hands the hub no groups; this names
    each one the user is in by its first value as written there (`cn=ips-aarhus,ou=groups,…` is
    `ips-aarhus`). With `manage_groups` the hub keeps exactly these, so a person taken out of a
    group in the directory loses its sites at their next login."""
    from ldap3.utils.dn import parse_dn  # ldap3 comes with jupyterhub-ldapauthenticator

    dns = (authentication.get("auth_state") or {}).get("ldap_groups") or []
    authentication["groups"] = sorted({parse_dn(dn)[0][1] for dn in dns})
    return authentication


@dataclass(frozen=True)
class Access:
    """The rules of one access.yaml, over the sites that have parameters."""

    sites: dict[str, tuple[str, ...]] = field(default_factory=dict)
    coordinators: tuple[str, ...] = ()
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    every_site: tuple[str, ...] = ()
    lang: str = "en"  # the hub's language (module docstring)
    languages: dict[str, str] = field(default_factory=dict)  # each site's, from its parameters

    @staticmethod
    def _names(entries: tuple[str, ...], user: str, groups: frozenset[str] | set[str]) -> bool:
        me = hub_name(user)
        return any((e[1:] in groups) if e.startswith("@") else (hub_name(e) == me) for e in entries)

    def member_of(self, user: str, groups: set[str] | frozenset[str]) -> set[str]:
        """The user's groups as this file has them now: a group the file lists members for is
        the file's (the hub loaded it at its start, so taking a name out of the file must count
        without a restart); any other group is the hub's."""
        me = hub_name(user)
        mine = {g for g, members in self.groups.items() if me in {hub_name(m) for m in members}}
        return (set(groups) - set(self.groups)) | mine

    def is_coordinator(self, user: str | None, groups: set[str] | frozenset[str] = frozenset()) -> bool:
        return bool(user) and self._names(self.coordinators, user, self.member_of(user, groups))

    def sites_for(self, user: str | None, groups: set[str] | frozenset[str] = frozenset()) -> list[str]:
        """The sites `user` (in `groups`) may see, in the order of params/: all of them for a coordinator."""
        if not user:
            return []
        if self.is_coordinator(user, groups):
            return list(self.every_site)
        groups = self.member_of(user, groups)
        return [s for s in self.every_site if self._names(self.sites.get(s, ()), user, groups)]

    def lang_for(self, user: str | None, groups: set[str] | frozenset[str] = frozenset()) -> str:
        """The language of `user`'s hub pages: their sites' one language, else the hub's."""
        langs = {self.languages[s] for s in self.sites_for(user, groups) if s in self.languages}
        return langs.pop() if len(langs) == 1 else self.lang

    def may_see(self, user: str | None, groups: set[str] | frozenset[str], site: str) -> bool:
        return site in self.sites_for(user, groups)

    def user_names(self) -> list[str]:
        """Every user this file names (sites, coordinators, group members): whom the hub admits."""
        named = {e for entries in self.sites.values() for e in entries if not e.startswith("@")}
        named |= {e for e in self.coordinators if not e.startswith("@")}
        named |= {m for members in self.groups.values() for m in members}
        return sorted({hub_name(n) for n in named})

    def group_names(self) -> list[str]:
        """Every hub group this file refers to (`@name`) or lists members for."""
        used = {e[1:] for entries in [*self.sites.values(), self.coordinators] for e in entries
                if e.startswith("@")}
        return sorted(used | set(self.groups))


def _names_list(value: object, where: str, *, groups_allowed: bool = True) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise AccessError(f"{where}: must be a list of user names{' or @groups' if groups_allowed else ''}")
    out = []
    for item in value:
        text = str(item).strip() if isinstance(item, (str, int)) else None
        ok = text is not None and (NAME.match(text) or (groups_allowed and GROUP.match(text)))
        if not ok:
            raise AccessError(f"{where}: {item!r} is not a user name{' or @group' if groups_allowed else ''}")
        out.append(text)
    return tuple(out)


def parse_access(data: dict, known_sites: list[str], source: str = FILE_NAME) -> Access:
    """The rules of a parsed access.yaml; a typo (unknown key, site or name) is an error naming it."""
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        raise AccessError(f"{source}: unknown key {unknown[0]!r} (allowed: {', '.join(KEYS)})")
    sites_in = data.get("sites") or {}
    if not isinstance(sites_in, dict):
        raise AccessError(f"{source}: sites must map each site id to a list of users and @groups")
    sites = {}
    for site, entries in sites_in.items():
        if str(site) not in known_sites:
            raise AccessError(f"{source}: sites.{site}: no parameters file for this site "
                              f"(sites: {', '.join(known_sites) or 'none'})")
        sites[str(site)] = _names_list(entries, f"{source}: sites.{site}")
    groups_in = data.get("groups") or {}
    if not isinstance(groups_in, dict):
        raise AccessError(f"{source}: groups must map each group name to a list of user names")
    groups = {}
    for name, members in groups_in.items():
        if not GROUP.match(f"@{name}"):
            raise AccessError(f"{source}: groups: {name!r} is not a group name")
        groups[str(name)] = _names_list(members, f"{source}: groups.{name}", groups_allowed=False)
    coordinators = _names_list(data.get("coordinators"), f"{source}: coordinators")
    lang = data.get("lang")
    if lang is not None and lang not in LANGS:
        raise AccessError(f"{source}: lang: {lang!r} is not a language of the pages (allowed: {', '.join(LANGS)})")
    return Access(sites=sites, coordinators=coordinators, groups=groups, every_site=tuple(known_sites),
                  lang=lang or "en")


def site_languages(params_dir: str | Path, sites: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Each site's language from its parameters; a site whose file does not read is left out
    (the service logs it when someone asks for that site)."""
    from ips_nb.data.params import load_params

    out = {}
    for site in sites:
        try:
            out[site] = load_params(params_dir, site).language
        except ParamsError:
            continue
    return out


def load_access(path: str | Path, params_dir: str | Path) -> Access:
    """Read and check access.yaml against the sites that have parameters in `params_dir`."""
    path = Path(path)
    if not path.is_file():
        raise AccessError(f"{path}: no access file (who may see which site); see docs/deployment.md")
    try:
        data = read_yaml(path)  # size-capped, no YAML aliases, as a parameters file
    except ParamsError as exc:
        raise AccessError(str(exc)) from None
    rules = parse_access(data, site_ids(params_dir), str(path))
    languages = site_languages(params_dir, rules.every_site)
    lang = data.get("lang") or region_lang(None, list(languages.values()))  # as reports/index.html's
    return replace(rules, lang=lang, languages=languages)


class AccessWatch:
    """The current rules of an access file: read again when the file changes, so a coordinator's
    edit takes effect without a restart. A file that no longer reads is logged, and then nobody
    sees anything until it is fixed (fail closed)."""

    def __init__(self, path: str | Path, params_dir: str | Path, log: logging.Logger | None = None) -> None:
        self.path, self.params_dir = Path(path), Path(params_dir)
        self.log = log or logging.getLogger("ips_nb.live.access")
        self._stamp: tuple | None = None
        self._rules = Access()

    def _signature(self) -> tuple:
        stamps = []
        for p in [self.path, *sorted(self.params_dir.glob("*.yaml"))]:
            try:
                st = p.stat()
                stamps.append((str(p), st.st_mtime_ns, st.st_size))
            except OSError:
                stamps.append((str(p), None, None))
        return tuple(stamps)

    def current(self) -> Access:
        stamp = self._signature()
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._rules = load_access(self.path, self.params_dir)
            except AccessError as exc:
                self.log.error("ips-nb: %s; nobody sees a dashboard until it is fixed", exc)
                self._rules = Access()
        return self._rules
