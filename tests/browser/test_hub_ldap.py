"""A region's LDAP login for real: OpenLDAP's slapd on a loopback port (StartTLS with a certificate
made for the test), jupyterhub-ldapauthenticator configured exactly as docs/deployment.md shows,
people logging in through headless Chromium.

The directory (tests/ldap/directory.ldif): sup-aarhus in the group ips-aarhus, beh-odense in
ips-odense, coordinator in ips-coordinators; sup-odense is in the directory but in none of the
hub's groups. access.yaml gives the sites to the directory's groups (`@ips-aarhus`), and names
sup-odense as well: the directory's groups still decide who logs in at all.
"""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from browsing import free_port, stop_process
from conftest import DEMO_TODAY, need_system
from hubbing import dashboards, docs_block, put_in, region_hub
from test_hub import _login, _proxy_installed

pytestmark = pytest.mark.system

HERE = Path(__file__).resolve().parent.parent / "ldap"
SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
PASSWORD = "ldap-user-password-42"
SEARCH_PASSWORD = "ldap-search-password-42"
ACCESS = """\
sites:
  aarhus: ["@ips-aarhus"]
  odense: ["@ips-odense", sup-odense]
coordinators: ["@ips-coordinators"]
"""


def _ssha(password: str) -> str:
    return subprocess.run(["slappasswd", "-s", password], check=True, capture_output=True, text=True).stdout.strip()


def _certificate(folder: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 (the directory's), which the hub is told to trust."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(folder / "server.key"), "-out", str(folder / "server.crt"),
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return folder / "server.crt"


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    """slapd with tests/ldap's configuration and people on a free port: yields (port, CA file)."""
    need_system("OpenLDAP (slapd, ldap-utils, openssl: `make sysdeps`)",
                Path(SLAPD).exists() and bool(shutil.which("slappasswd")) and bool(shutil.which("openssl")))
    tmp = tmp_path_factory.mktemp("ldap")
    (tmp / "db").mkdir()
    ca = _certificate(tmp)
    (tmp / "slapd.conf").write_text((HERE / "slapd.conf").read_text().replace("@DIR@", str(tmp)))
    people = (HERE / "directory.ldif").read_text(encoding="utf-8")
    people = people.replace("@PASSWORD@", _ssha(PASSWORD)).replace("@SEARCH_PASSWORD@", _ssha(SEARCH_PASSWORD))
    (tmp / "directory.ldif").write_text(people, encoding="utf-8")
    subprocess.run(["slapadd", "-f", str(tmp / "slapd.conf"), "-l", str(tmp / "directory.ldif")],
                   check=True, capture_output=True)
    port = free_port()
    log = (tmp / "slapd.log").open("w")
    proc = subprocess.Popen([SLAPD, "-f", str(tmp / "slapd.conf"), "-h", f"ldap://127.0.0.1:{port}/", "-d", "0"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_directory(port, ca, proc)
        yield port, ca
    finally:
        stop_process(proc, 10)


def _wait_for_directory(port: int, ca: Path, proc: subprocess.Popen) -> None:
    """Until the search account can bind over StartTLS, as the authenticator will."""
    end = time.monotonic() + 30
    while True:
        done = subprocess.run(["ldapwhoami", "-ZZ", "-x", "-H", f"ldap://127.0.0.1:{port}",
                               "-D", "CN=svc-jupyterhub,OU=Service,DC=region,DC=example", "-w", SEARCH_PASSWORD],
                              env={"LDAPTLS_CACERT": str(ca)}, capture_output=True, text=True)
        if done.returncode == 0:
            return
        if proc.poll() is not None or time.monotonic() > end:
            raise RuntimeError(f"slapd did not start: {done.stderr}")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def hub(directory, demo_db, params_dir, tmp_path_factory):
    """The hub with docs/deployment.md's LDAP login, the region's address and CA put in for the test's."""
    need_system("configurable-http-proxy (node_modules/, `make setup` runs npm ci)", _proxy_installed())
    port, ca = directory
    login = put_in(docs_block("**Active Directory / LDAP**"), {
        '"ad.region.example"': '"127.0.0.1"',
        "server_port = 389": f"server_port = {port}",
        "/etc/ssl/certs/region-ca.pem": str(ca),
        '"sAMAccountName"': '"uid"',  # OpenLDAP's login name (inetOrgPerson)
    })
    tmp = tmp_path_factory.mktemp("ldap-hub")
    (tmp / "access.yaml").write_text(ACCESS, encoding="utf-8")
    with region_hub(tmp, login, {"LDAP_SEARCH_PASSWORD": SEARCH_PASSWORD}, params_dir=params_dir,
                    access=str(tmp / "access.yaml"), db=demo_db, reports=str(tmp / "reports"),
                    warm_pool=0, today=DEMO_TODAY) as (base, log):
        yield base, log


def test_the_directorys_groups_decide_the_sites(hub, browser, params_dir):
    from ips_nb.data.params import site_ids

    base, _ = hub
    page, left, _ = _login(browser, base, "sup-aarhus", PASSWORD)
    assert page.url == f"{base}services/ips/"
    assert dashboards(page) == ["/services/ips/aarhus/supervision", "/services/ips/aarhus/agenda"]
    assert page.goto(f"{base}services/ips/odense/supervision").status == 403
    assert not left, left
    page.context.close()

    page, _, _ = _login(browser, base, "beh-odense", PASSWORD)
    assert dashboards(page) == ["/services/ips/odense/supervision", "/services/ips/odense/agenda"]
    assert page.goto(f"{base}services/ips/aarhus/agenda").status == 403
    page.context.close()

    page, _, _ = _login(browser, base, "coordinator", PASSWORD)
    links = dashboards(page)
    assert all(f"/services/ips/{site}/supervision" in links for site in site_ids(params_dir))
    page.context.close()


def test_a_wrong_password_or_a_person_outside_the_groups_is_refused(hub, browser):
    base, log = hub
    page, _, _ = _login(browser, base, "sup-aarhus", "not-the-password")
    assert "/hub/login" in page.url
    page.context.close()
    assert "Failed to bind login username 'sup-aarhus'" in log.read_text()  # the directory said no

    # in the directory with the right password, and named in access.yaml: in none of the groups
    page, _, _ = _login(browser, base, "sup-odense", PASSWORD)
    assert "/hub/login" in page.url
    assert page.goto(f"{base}services/ips/odense/supervision").url.startswith(f"{base}hub/login")
    page.context.close()
    assert "User 'sup-odense' not allowed." in log.read_text()

    page, _, _ = _login(browser, base, "mallory", PASSWORD)  # not in the directory
    assert "/hub/login" in page.url
    page.context.close()
