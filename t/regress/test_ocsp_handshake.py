"""OCSP for client certificates runs inside certificate verification: a
refusal fails the TLS handshake itself, with the fitting alert, instead of
a finished handshake followed by a close.  A responder on a closed port
fails at once; SecureOCSPTimeout bounds only one that does not answer."""

import os
import socket
import ssl
import time

from harness import Raw, Server, check, check_eq, client_context, test
from ocsppki import Responder, ocsp_pki


def ocsp_server(name, timeout=2, extra=""):
    srv = Server(name)
    d = os.path.join(srv.dir, "ocsp")
    os.makedirs(d)
    rport = srv.base + 2
    url = "http://127.0.0.1:%d/" % rport
    ocsp_pki(d, url)
    with open(srv.conf_path, "a") as f:
        f.write("SecureLogin required\nSecureCACertificate %s/ca.crt\n"
                "SecureVerifyOrder ocsp\nSecureOCSPResponder %s\n"
                "SecureOCSPTimeout %d\n%s\n" % (d, url, timeout, extra))
    return srv, d, rport


def handshake(srv, d, name, version):
    """AUTH TLS with client certificate name at TLS version; returns
    ("handshake", error) when the handshake itself failed, ("first read",
    error) when it finished but the first reply failed, or ("ok", reply
    code of NOOP)."""
    ctx = client_context()
    ctx.minimum_version = ctx.maximum_version = version
    ctx.load_cert_chain(os.path.join(d, name + ".crt"),
                        os.path.join(d, name + ".key"))
    with Raw(srv.port, timeout=60) as c:
        c.reply()
        check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS")
        try:
            c.starttls(ctx)
        except (ssl.SSLError, ConnectionError) as e:
            return "handshake", str(e)
        try:
            return "ok", c.cmd("NOOP")[0]
        except (ssl.SSLError, ConnectionError, EOFError) as e:
            return "first read", str(e)


@test
def ocsp_revoked_fails_the_handshake_with_certificate_revoked():
    srv, d, rport = ocsp_server("ocsp_alert")
    responder = None
    try:
        srv.start()
        responder = Responder(d, rport)
        check_eq(handshake(srv, d, "good", ssl.TLSVersion.TLSv1_2),
                 ("ok", 200), "good certificate, TLS 1.2")
        # TLS 1.2: the server's alert comes before its Finished, so the
        # client's handshake itself fails.
        where, err = handshake(srv, d, "revoked", ssl.TLSVersion.TLSv1_2)
        check_eq(where, "handshake", "revoked certificate, TLS 1.2: " + err)
        check("CERTIFICATE_REVOKED" in err,
              "no certificate_revoked alert: " + err)
        # TLS 1.3: the client has sent its Finished; the alert is the
        # first thing it reads, never a reply.
        where, err = handshake(srv, d, "revoked", ssl.TLSVersion.TLSv1_3)
        check(where in ("handshake", "first read") and
              "CERTIFICATE_REVOKED" in err,
              "revoked certificate, TLS 1.3: %s %s" % (where, err))
        check(srv.wait_log(r"client certificate refused: subject "
                           r"'[^']*CN=revoked[^']*': OCSP: certificate "
                           r"revoked"), "refusal not logged: " + srv.log())
        check("control connection from 127.0.0.1 protected" not in
              srv.log().split("CN=revoked")[-1],
              "the refused handshake was logged as protected: " + srv.log())
        where, err = handshake(srv, d, "unknown", ssl.TLSVersion.TLSv1_2)
        check(where == "handshake" and "CERTIFICATE_UNKNOWN" in err,
              "unknown certificate: %s %s" % (where, err))
    finally:
        if responder:
            responder.stop()
        srv.stop()


@test
def ocsp_closed_port_fails_at_once():
    # A 30 s timeout that a refused connection must not wait for.
    srv, d, rport = ocsp_server("ocsp_closed", timeout=30)
    try:
        srv.start()
        start = time.time()
        where, err = handshake(srv, d, "good", ssl.TLSVersion.TLSv1_2)
        elapsed = time.time() - start
        check(where == "handshake" and "CERTIFICATE_UNKNOWN" in err,
              "good certificate with no responder: %s %s" % (where, err))
        check(elapsed < 10, "a refused responder connection took %.1fs "
              "(SecureOCSPTimeout 30)" % elapsed)
        check(srv.wait_log(r"OCSP: responder unreachable"),
              "unreachable responder not logged: " + srv.log())
    finally:
        srv.stop()


@test
def ocsp_silent_responder_bounded_by_timeout():
    srv, d, rport = ocsp_server("ocsp_silent", timeout=2)
    silent = socket.socket()
    silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    silent.bind(("127.0.0.1", rport))
    silent.listen(8)            # accepts (backlog), never answers
    try:
        srv.start()
        start = time.time()
        where, err = handshake(srv, d, "good", ssl.TLSVersion.TLSv1_2)
        elapsed = time.time() - start
        check(where == "handshake", "silent responder: %s %s" % (where, err))
        check(elapsed < 15, "a silent responder took %.1fs "
              "(SecureOCSPTimeout 2)" % elapsed)
        check(srv.wait_log(r"OCSP: responder unreachable"),
              "silent responder not logged: " + srv.log())
    finally:
        silent.close()
        srv.stop()


@test
def ocsp_soft_fail_accepts_in_the_handshake_only_when_unreachable():
    srv, d, rport = ocsp_server("ocsp_soft_hs", timeout=30,
                                extra="SecureOptions OCSPSoftFail")
    responder = None
    try:
        srv.start()
        check_eq(handshake(srv, d, "good", ssl.TLSVersion.TLSv1_2),
                 ("ok", 200), "OCSPSoftFail, responder down")
        responder = Responder(d, rport)
        where, err = handshake(srv, d, "revoked", ssl.TLSVersion.TLSv1_2)
        check(where == "handshake" and "CERTIFICATE_REVOKED" in err,
              "OCSPSoftFail, revoked: %s %s" % (where, err))
    finally:
        if responder:
            responder.stop()
        srv.stop()
