"""SecureStapling: the server's own certificate comes with its OCSP
response (RFC 6066 status_request), fetched by the daemon from a real
`openssl ocsp` responder (the certificate's AIA, or
SecureStaplingResponder), kept in the daemon until its nextUpdate, and
stapled for every client that asks.  A responder that is down means no
staple, a log line, and a server that works."""

import os
import re
import signal
import time

from harness import (Raw, Server, TestFailure, USERS, check, check_eq,
                     client_context, run, test)
from ocsppki import Responder, ocsp_pki


def stapling_server(name, aia_port_offset=2, responder_port_offset=2,
                    extra=""):
    """A server whose certificate comes from the OCSP test PKI (AIA on
    base + aia_port_offset); returns (srv, pki dir, responder port)."""
    srv = Server(name, secure=False)
    d = os.path.join(srv.dir, "ocsp")
    os.makedirs(d)
    ocsp_pki(d, "http://127.0.0.1:%d/" % (srv.base + aia_port_offset))
    with open(srv.conf_path, "a") as f:
        f.write("SecureEngine on\nSecureCertificate %s/server-chain.crt "
                "%s/server.key\nSecureFTPLog %s/secftp.log\n"
                "SecureStapling on\nSecureOCSPTimeout 3\n%s\n" % (
                    d, d, srv.dir, extra))
    return srv, d, srv.base + responder_port_offset


def s_client(srv, d, status=True, version="-tls1_3"):
    """openssl s_client -starttls ftp (with -status); returns its output."""
    argv = ["openssl", "s_client", "-starttls", "ftp", "-connect",
            "127.0.0.1:%d" % srv.port, "-CAfile", os.path.join(d, "ca.crt"),
            "-servername", "localhost", version]
    if status:
        argv.append("-status")
    r = run(argv, input="QUIT\r\n", timeout=30)
    out = r.stdout + r.stderr
    check("Verify return code: 0 (ok)" in out, "handshake: " + out)
    return out


def wait_daemon_log(srv, pattern, timeout=5):
    """Waits for a daemon message (stderr before SystemLog opens, then
    SystemLog) matching pattern."""
    deadline = time.time() + timeout
    while True:
        m = re.search(pattern, srv.startup_output())
        if m or time.time() > deadline:
            return m
        time.sleep(0.05)


def stapled_status(out):
    """The stapled certificate status s_client printed, or None."""
    if "OCSP response: no response sent" in out:
        return None
    check("OCSP Response Status: successful" in out, "s_client: " + out)
    for line in out.splitlines():
        if line.strip().startswith("Cert Status:"):
            return line.split(":", 1)[1].strip()
    return "(none)"


@test
def stapling_staples_a_cached_good_response():
    srv, d, rport = stapling_server("staple_good")
    responder = Responder(d, rport, next_update_minutes=60)
    try:
        srv.start()
        check(wait_daemon_log(srv, r"SecureStapling: server '[^']*', "
                           r"certificate '[^']*CN=server[^']*': OCSP response fetched, "
                           r"status good", ),
              "fetch not logged: " + srv.startup_output())
        for version in ("-tls1_3", "-tls1_2"):
            check_eq(stapled_status(s_client(srv, d, version=version)),
                     "good", "stapled status, " + version)
        out = s_client(srv, d, status=False)
        check("OCSP response" not in out,
              "a staple for a client that did not ask: " + out)
        # The answer lives in the daemon: sessions never ask the responder
        # themselves, so it is still stapled with the responder gone.
        responder.stop()
        for _ in range(3):
            check_eq(stapled_status(s_client(srv, d)), "good",
                     "stapled status with the responder down (cached)")
    finally:
        responder.stop()
        srv.stop()


@test
def stapling_responder_down_means_no_staple_and_a_log_line():
    srv, d, rport = stapling_server("staple_down")
    responder = None
    try:
        srv.start()
        check(wait_daemon_log(srv, r"SecureStapling: server '[^']*', "
                           r"certificate '[^']*CN=server[^']*': no OCSP response to "
                           r"staple: responder unreachable",
                           ),
              "soft failure not logged: " + srv.startup_output())
        out = s_client(srv, d)
        check_eq(stapled_status(out), None, "staple with the responder down")
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS")
            c.starttls(client_context(ca=False))
            check_eq(c.cmd("USER alice")[0], 331, "USER without a staple")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230,
                     "PASS without a staple")
        # A restart fetches again.
        responder = Responder(d, rport)
        os.kill(srv.proc.pid, signal.SIGHUP)
        # (The daemon's messages during a restart go to syslog: the
        # staple itself is the proof.)
        status = None
        deadline = time.time() + 10
        while status is None and time.time() < deadline:
            time.sleep(0.3)
            try:
                status = stapled_status(s_client(srv, d))
            except TestFailure:
                pass            # the daemon is still restarting
        check_eq(status, "good", "stapled status after the restart")
    finally:
        if responder:
            responder.stop()
        srv.stop()


@test
def stapling_responder_directive_wins_over_aia():
    # The certificate's AIA names a closed port; the directive names the
    # responder.
    srv, d, rport = stapling_server(
        "staple_url", aia_port_offset=3, responder_port_offset=2,
        extra="SecureStaplingResponder http://127.0.0.1:{rport}/")
    with open(srv.conf_path) as f:
        text = f.read().replace("{rport}", str(rport))
    with open(srv.conf_path, "w") as f:
        f.write(text)
    responder = Responder(d, rport)
    try:
        srv.start()
        check_eq(stapled_status(s_client(srv, d)), "good",
                 "stapled status via SecureStaplingResponder")
    finally:
        responder.stop()
        srv.stop()


@test
def stapling_directives_bad_values():
    for conf, needle in (("SecureStapling maybe\n", "'maybe'"),
                         ("SecureStaplingResponder https://ocsp.test/\n",
                          "https://ocsp.test/")):
        srv = Server("staple_bad", conf=conf)
        out = srv.start_expecting_failure()
        check(needle in out and "on line" in out,
              "%r: startup message lacks %r: %s" % (conf, needle, out))


@test
def stapling_daemon_retries_a_failed_fetch_within_a_minute():
    """No restart: the daemon's own timer (every 60 s) fetches again once
    the responder is back, and new sessions get the staple."""
    srv, d, rport = stapling_server("staple_retry")
    responder = None
    try:
        srv.start()
        check_eq(stapled_status(s_client(srv, d)), None,
                 "staple with the responder down")
        responder = Responder(d, rport)
        status = None
        deadline = time.time() + 90
        while status is None and time.time() < deadline:
            time.sleep(2)
            status = stapled_status(s_client(srv, d))
        check(status == "good", "stapled status once the responder is back: "
              "%r; daemon log: %s" % (status, srv.startup_output()))
    finally:
        if responder:
            responder.stop()
        srv.stop()
