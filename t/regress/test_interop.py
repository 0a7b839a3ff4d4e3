"""Real FTPS clients against mod_secftp and against Debian's mod_tls.

One test per client: the client runs every scenario it supports
(t/regress/interop.py: explicit, implicit, TLS 1.2 only, TLS 1.3 only,
several transfers, a reconnect that resumes, CCC) on both modules under
their default configurations.  A test fails where mod_tls transfers and
mod_secftp does not, and when the client is not installed (t/run-tests
installs every one of them).  doc/interop.md is the same matrix, written
by contrib/interop.py.
"""

import interop
from harness import check, test


def output_tail(cell, size=1500):
    try:
        with open(cell.log, errors="replace") as f:
            return f.read()[-size:]
    except (AttributeError, OSError):
        return ""


def check_client(name):
    client = interop.client_named(name)
    check(client.present(), "%s is not installed (t/run-tests installs it)"
          % name)
    results = {}
    for module in interop.MODULES:
        with interop.Site(module) as site:
            results.update(interop.run_client(client, [site]))
    passed = [s for (s, m), cell in results.items()
              if m == "mod_tls" and cell.status == "pass"]
    check(passed, "%s transfers nothing even with mod_tls: %r" % (
        name, results))
    if client.never_resumes:
        # Full handshakes on data connections: mod_secftp must refuse the
        # first transfer of every scenario (SPEC 6.1).
        for (s, m), cell in results.items():
            if m == "mod_secftp" and cell.status != "n/a":
                check(cell.status == "fail" and cell.reason.startswith(
                    "522 on transfer 1 "), "%s, %s: expected 522 on the "
                    "first transfer, got %r" % (name, s, cell))
    worse = interop.regressions(results)
    check(not worse, "%s: mod_tls transfers where mod_secftp does not: %s"
          "\n--- output of %s with mod_secftp:\n%s" % (
              name, "; ".join("%s: %r" % (s, cell) for s, cell in worse),
              worse[0][0] if worse else "", output_tail(worse[0][1])
              if worse else ""))


@test
def interop_curl():
    check_client("curl")


@test
def interop_curl_ccc_active():
    check_client("curl-ccc-active")


@test
def interop_lftp():
    check_client("lftp")


@test
def interop_python_ftplib():
    check_client("python-ftplib")


@test
def interop_python_ftplib_stock():
    check_client("python-ftplib-stock")


@test
def interop_php_ftp():
    check_client("php-ftp")


@test
def interop_ruby_net_ftp():
    check_client("ruby-net-ftp")


@test
def interop_perl_net_ftp():
    check_client("perl-net-ftp")


@test
def interop_perl_net_ftp_key():
    check_client("perl-net-ftp-key")


@test
def interop_rclone():
    check_client("rclone")


@test
def interop_node_basic_ftp():
    check_client("node-basic-ftp")


@test
def interop_wget():
    check_client("wget")


@test
def interop_covers_every_client_and_scenario():
    """Every client of the matrix has a test above, and every client
    runs at least the explicit, several-transfer and TLS-version
    scenarios (a client that supports nothing proves nothing)."""
    names = {fn.__name__ for fn in (
        interop_curl, interop_curl_ccc_active, interop_lftp, interop_python_ftplib,
        interop_python_ftplib_stock, interop_php_ftp, interop_ruby_net_ftp,
        interop_perl_net_ftp, interop_perl_net_ftp_key, interop_rclone,
        interop_node_basic_ftp, interop_wget)}
    for client in interop.CLIENTS:
        check("interop_" + client.name.replace("-", "_") in names,
              "no test for client %s" % client.name)
        if client.variant_of:
            check(client.variant_of in [c.name for c in interop.CLIENTS],
                  "%s: a variant of an unknown client" % client.name)
            continue
        for scenario in ("explicit", "tls12", "tls13", "multi"):
            check(scenario not in client.na, "%s skips %s" % (
                client.name, scenario))
