"""Attacks on the control channel (SPEC 3.2): pipelined plaintext after
AUTH, plaintext after 234, failed and stalled handshakes, ALPACA (ALPN and
foreign verbs), renegotiation, over-long and malformed lines in TLS."""

import os
import socket
import ssl
import time

from harness import (Raw, Server, cert, check, check_eq, client_context,
                     ftps, run, test, USERS)


@test
def pipelined_after_auth_is_discarded():
    with Server("pipelined") as srv:
        with Raw(srv.port) as c:
            c.reply()
            c.send("AUTH TLS\r\nUSER alice\r\n")    # one packet
            check_eq(c.reply()[0], 234, "AUTH")
            c.starttls()
            # Had USER run, PASS would log in; it must say USER first.
            code, text = c.cmd("PASS " + USERS["alice"])
            check_eq(code, 503, "PASS after the pipelined USER: " + text)
            check_eq(c.cmd("PWD")[0], 530, "not logged in")


@test
def plaintext_after_234_is_never_executed():
    with Server("plain_after_234") as srv:
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH")
            c.send("USER alice\r\nPASS %s\r\n" % USERS["alice"])
            data = b""
            c.sock.settimeout(10)
            try:
                while True:
                    chunk = c.sock.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except (ConnectionError, socket.timeout):
                pass
            check(b"331" not in data and b"230" not in data,
                  "plaintext command answered: %r" % data)
        check(srv.wait_log("handshake with 127.0.0.1 failed"), srv.log())
        check("logged in" not in srv.log("proftpd.log").lower() or
              "alice" not in srv.log("xfer.log"), "alice logged in")


@test
def failed_handshake_closes_the_connection():
    with Server("bad_handshake") as srv:
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH")
            bad = client_context()
            bad.minimum_version = ssl.TLSVersion.TLSv1_2
            bad.maximum_version = ssl.TLSVersion.TLSv1_2
            bad.set_ciphers("AES128-SHA")          # no suite in common
            raw = socket.socket(fileno=os.dup(c.sock.fileno()))
            try:
                c.starttls(bad)
                ok = True
            except (ssl.SSLError, ConnectionError):
                ok = False
            check(not ok, "handshake without a common suite succeeded")
            c.sock = raw
            check(c.closed(), "connection left open after a failed handshake")
        check(srv.wait_log("control TLS handshake with 127.0.0.1 failed: "
                           "handshake failed; closing"), srv.log())


@test
def stalled_handshake_times_out():
    with Server("stalled", conf="SecureHandshakeTimeout 2\n") as srv:
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH")
            start = time.time()
            check(c.closed(timeout=8), "stalled handshake not closed")
            took = time.time() - start
            check(1.5 <= took <= 6, "closed after %.1fs, expected ~2s" % took)
        check(srv.wait_log(r"handshake timed out \(SecureHandshakeTimeout\)"),
              srv.log())


def _alpn_handshake(srv, protocols):
    """AUTH TLS with an ALPN list; returns (selected, error)."""
    with Raw(srv.port) as c:
        c.reply()
        c.cmd("AUTH TLS")
        ctx = client_context()
        if protocols is not None:
            ctx.set_alpn_protocols(protocols)
        try:
            c.starttls(ctx)
            sel = c.sock.selected_alpn_protocol()
            check_eq(c.cmd("NOOP")[0], 200, "NOOP")
            return sel, None
        except (ssl.SSLError, ConnectionError) as e:
            return None, str(e)


@test
def alpn_strict():
    with Server("alpn") as srv:
        sel, err = _alpn_handshake(srv, ["http/1.1"])
        check(err is not None and "NO APPLICATION PROTOCOL" in err.upper().replace("_", " "),
              "http/1.1 only: expected no_application_protocol, got %r %r"
              % (sel, err))
        # "ftp" hidden inside another entry ("\x05x\x03ftp") is no "ftp".
        sel, err = _alpn_handshake(srv, ["x\x03ftp"])
        check(err is not None and "NO APPLICATION PROTOCOL" in err.upper().replace("_", " "),
              "embedded ftp matched: %r %r" % (sel, err))
        sel, err = _alpn_handshake(srv, ["http/1.1", "ftp"])
        check_eq((sel, err), ("ftp", None), "ftp offered")
        sel, err = _alpn_handshake(srv, None)
        check_eq((sel, err), (None, None), "no ALPN")
        r = run(["openssl", "s_client", "-starttls", "ftp", "-connect",
                 "127.0.0.1:%d" % srv.port, "-alpn", "h2,http/1.1",
                 "-CAfile", cert("ca.crt")], input="", timeout=20)
        out = r.stdout + r.stderr
        check("no application protocol" in out or "alert number 120" in out,
              "s_client saw no alert 120: " + out[-800:])


@test
def alpn_off_accepts_other_protocols():
    with Server("alpn_off", conf="SecureALPN off\n") as srv:
        sel, err = _alpn_handshake(srv, ["http/1.1"])
        check_eq(err, None, "ALPN off: handshake")


@test
def client_renegotiation_refused():
    with Server("reneg") as srv:
        r = run(["openssl", "s_client", "-starttls", "ftp", "-tls1_2",
                 "-connect", "127.0.0.1:%d" % srv.port, "-CAfile",
                 cert("ca.crt")], input="R\nNOOP\n", timeout=20)
        out = r.stdout + r.stderr
        check("RENEGOTIATING" in out, "s_client did not try: " + out[-500:])
        check("200 " not in out.split("RENEGOTIATING", 1)[1],
              "session went on after a renegotiation: " + out[-800:])
        check("no renegotiation" in out.lower() or
              "alert" in out.lower(), "no refusal seen: " + out[-800:])


def _foreign(srv, line, tls):
    with Raw(srv.port) as c:
        c.reply()
        if tls:
            c.cmd("AUTH TLS")
            c.starttls()
        c.send(line + "\r\n")
        data = b""
        c.sock.settimeout(5)
        try:
            while True:
                chunk = c.sock.recv(4096)
                if not chunk:
                    return True
                data += chunk
        except (ConnectionError, ssl.SSLError):
            return True
        except socket.timeout:
            return False


@test
def foreign_protocol_verbs_close():
    lines = ("GET / HTTP/1.1", "POST /x HTTP/1.1", "HEAD / HTTP/1.0",
             "CONNECT example.com:443 HTTP/1.1", "HELO example.com",
             "EHLO example.com", "SSH-2.0-OpenSSH_9.2p1",
             "STARTTLS", "TRACE / HTTP/1.1")
    with Server("foreign") as srv:
        for tls in (False, True):
            for line in lines:
                check(_foreign(srv, line, tls), "%r (%s) did not close" % (
                    line, "TLS" if tls else "clear"))
        f = ftps(srv, "alice")
        check_eq(f.pwd(), "/", "daemon still serving")
        f.quit()
        log = srv.log()
        for verb in ("GET", "EHLO", "SSH-2.0-OpenSSH_9.2p1", "STARTTLS"):
            check("'%s'" % verb in log, "no log line for %s: %s" % (verb,
                                                                      log))


@test
def long_and_malformed_lines_in_tls():
    with Server("malformed") as srv:
        with Raw(srv.port) as c:
            c.reply()
            c.cmd("AUTH TLS")
            c.starttls()
            # ProFTPD ignores an over-long line (and logs it); the session
            # goes on, as in the clear.
            c.send("NOOP " + "A" * 1500 + "\r\n")
            check_eq(c.cmd("NOOP")[0], 200, "NOOP after an over-long line")
            # (0xff is telnet IAC, which ProFTPD answers itself.)
            for junk in (b"\x00\x01\x02\x80\r\n", b"\xc3\x28\xfe\r\n",
                         b"   \r\n", b"USER\x00alice\r\n", b"\r\n\r\n"):
                c.send(junk)
            # Every junk line gets a 5xx; the session then answers SYST.
            c.send("SYST\r\n")
            seen = []
            while True:
                code, text = c.reply()
                seen.append(code)
                if code == 215:
                    break
                check(code == 200 or 500 <= code < 600,
                      "junk answered %d %s" % (code, text))
            check(len(seen) >= 5, "junk lines went unanswered: %r" % seen)
            check_eq(c.cmd("USER alice")[0], 331, "session still works")
        # A client that keeps sending over-long lines is disconnected.
        with Raw(srv.port) as c:
            c.reply()
            c.cmd("AUTH TLS")
            c.starttls()
            try:
                c.send("X" * 20000 + "\r\n")
            except (ConnectionError, ssl.SSLError):
                pass
            check(c.closed(timeout=10), "flooding client not disconnected")
        f = ftps(srv, "alice")
        check_eq(f.pwd(), "/", "daemon still serving")
        f.quit()
