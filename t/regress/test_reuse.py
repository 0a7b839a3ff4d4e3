"""SecureSessionReuse: a protected data connection must resume the TLS
session of its own control connection."""

import ftplib
import io
import os
import socket
import ssl
import time

from harness import (Server, cert, check, check_eq, client_context, ftps,
                     run, test, USERS)
from test_data import RecordingFTP, client, put_file, retr


def stock_client(srv, version=None):
    """Python's own FTP_TLS: its data connections never resume."""
    ctx = client_context()
    if version is not None:
        ctx.minimum_version = ctx.maximum_version = version
    f = ftplib.FTP_TLS(context=ctx, timeout=20)
    f.connect("127.0.0.1", srv.port)
    f.auth()
    f.login("alice", USERS["alice"])
    f.prot_p()
    return f


def expect_522(fn, what, ftp=None):
    """Runs fn, a transfer, and checks that it was refused with 522.  An
    upload may first hit the closed data connection (ftp: where the reply
    is then read)."""
    try:
        fn()
    except ftplib.error_perm as e:
        text = str(e)
    except (ssl.SSLError, OSError) as e:
        check(ftp is not None, "%s: TLS error instead of a 522 reply: %r" %
              (what, e))
        text = ftp.getline()
    else:
        text = ""
        check(False, "%s: transfer succeeded" % what)
    check(text.startswith("522"), "%s: expected 522, got %s" % (what, text))
    check("SecureSessionReuse" in text, "%s: 522 text: %s" % (what, text))
    return text


@test
def not_resumed_is_522_then_allowed_works():
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        with Server("noreuse") as srv:
            f = stock_client(srv, version)
            expect_522(f.nlst, "stock FTP_TLS %s" % version.name)
            if version == ssl.TLSVersion.TLSv1_3:
                for cmd, fn in (
                        ("LIST", lambda: f.retrlines("LIST", print)),
                        ("MLSD", lambda: list(f.mlsd())),
                        ("RETR", lambda: f.retrbinary("RETR hello.txt",
                                                      print)),
                        ("STOR", lambda: f.storbinary("STOR x.bin",
                                                      io.BytesIO(b"x")))):
                    expect_522(fn, "stock FTP_TLS " + cmd, ftp=f)
            # The session survives the refusal: a resuming client works.
            f.quit()
            g = client(srv, version=version)
            check("hello.txt" in g.nlst(), "resuming client after 522")
            g.quit()
            check("the client offered no ticket/session (full handshake)"
                  in srv.log(), "refusal not logged: " + srv.log())
    with Server("allowed", conf="SecureSessionReuse allowed\n") as srv:
        f = stock_client(srv)
        check("hello.txt" in f.nlst(), "not resumed under 'allowed'")
        f.quit()


@test
def tls12_session_id_and_ticket_resume():
    for no_ticket in (False, True):
        with Server("tls12") as srv:
            ctx = client_context()
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            if no_ticket:
                ctx.options |= ssl.OP_NO_TICKET
            f = client(srv, ctx=ctx)
            for _ in range(3):
                check("hello.txt" in f.nlst(), "listing")
            check(f.resumed == [True] * 3, "TLS 1.2 %s: %r" % (
                "session id" if no_ticket else "ticket", f.resumed))
            f.quit()


class ForeignSessionFTP(RecordingFTP):
    """Resumes another control connection's session on its data
    connections."""
    foreign = None

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                        session=self.foreign)
        self.resumed.append(conn.session_reused)
        return conn, size


@test
def foreign_session_same_user_is_522():
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        with Server("foreign") as srv:
            ctx = client_context()
            ctx.minimum_version = ctx.maximum_version = version
            a = client(srv, ctx=ctx)
            check("hello.txt" in a.nlst(), "first session lists")
            b = ForeignSessionFTP(context=ctx, timeout=20)
            b.connect("127.0.0.1", srv.port)
            b.auth()
            b.login("alice", USERS["alice"])
            b.prot_p()
            b.foreign = a.sock.session
            expect_522(b.nlst, "foreign session %s" % version.name)
            check(b.resumed == [False], "foreign session resumed: %r" %
                  b.resumed)
            a.quit()
            b.quit()


@test
def port_theft_gets_nothing_and_owner_retries():
    secret = b"TOP-SECRET-" * 1000
    with Server("theft") as srv:
        put_file(srv, "alice", "secret.bin", secret)
        f = client(srv)
        f.voidcmd("TYPE I")
        host, port = ftplib.parse227(f.sendcmd("PASV"))
        # The thief wins the race to the passive port, with its own TLS.
        thief_raw = socket.create_connection((host, port), timeout=10)
        f.putcmd("RETR secret.bin")
        thief = client_context().wrap_socket(thief_raw,
                                             server_hostname="localhost",
                                             do_handshake_on_connect=False)
        got = b""
        try:
            thief.do_handshake()
            while True:
                chunk = thief.recv(65536)
                if not chunk:
                    break
                got += chunk
        except (ssl.SSLError, OSError):
            pass
        thief.close()
        check(b"TOP-SECRET" not in got, "the thief received the file")
        resp = f.getmultiline()
        if resp.startswith("150"):
            resp = f.getmultiline()
        check(resp.startswith("522") and "SecureSessionReuse" in resp,
              "owner's reply: %r" % resp)
        # The owner tries again and gets the file.
        check_eq(retr(f, "secret.bin"), secret, "retry after the theft")
        f.quit()
        check("the client offered no ticket/session (full handshake)" in
              srv.log(), "theft not logged")


@test
def ticket_from_previous_control_connection_same_process_refused():
    """A new control connection that does not resume the old one cannot
    use the old session's ticket for data: each full control handshake
    starts a new lineage (doc/session-reuse.md)."""
    with Server("newctrl") as srv:
        ctx = client_context()
        a = client(srv, ctx=ctx)
        a.nlst()
        old = a.sock.session
        a.quit()
        b = ForeignSessionFTP(context=ctx, timeout=20)
        b.connect("127.0.0.1", srv.port)
        b.auth()
        b.login("alice", USERS["alice"])
        b.prot_p()
        b.foreign = old
        expect_522(b.nlst, "ticket of a closed control connection")
        b.quit()


@test
def reuse_with_ftps_helper_and_stor():
    with Server("helper") as srv:
        f = ftps(srv, "alice")
        f.prot_p()
        f.storbinary("STOR h.bin", io.BytesIO(b"abc" * 10000))
        check_eq(retr(f, "h.bin"), b"abc" * 10000, "round trip")
        f.quit()


def second_client_cert(srv):
    """Another client certificate from the test CA: (crt, key)."""
    crt, key = os.path.join(srv.dir, "other.crt"), os.path.join(srv.dir,
                                                                 "other.key")
    run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes",
         "-keyout", key, "-out", crt + ".csr", "-subj",
         "/O=mod_secftp demo/CN=other"], timeout=60)
    run(["openssl", "x509", "-req", "-in", crt + ".csr", "-CA",
         cert("ca.crt"), "-CAkey", cert("ca.key"), "-CAcreateserial",
         "-out", crt, "-days", "2"], timeout=60)
    return crt, key


@test
def data_client_cert_must_equal_control_cert():
    """SPEC 6: a data connection that presents a client certificate must
    present the control connection's."""
    conf = ("SecureSessionReuse allowed\nSecureLogin optional\n"
            "SecureCACertificate {certs}/ca.crt\n")
    srv = Server("datacert", conf=conf).start()
    try:
        other_crt, other_key = second_client_cert(srv)
        ctx = client_context(cert_name="client")
        f = ftplib.FTP_TLS(context=ctx, timeout=20)
        f.connect("127.0.0.1", srv.port)
        f.auth()
        f.login("alice", USERS["alice"])
        f.prot_p()
        # A full handshake on the data connection with another certificate.
        f.context = client_context()
        f.context.load_cert_chain(other_crt, other_key)
        expect_522(f.nlst, "data connection with another certificate")
        check("the client offered a different client certificate" in
              srv.log(), "not logged")
        # The same certificate on a full handshake is fine under 'allowed'.
        f.context = client_context(cert_name="client")
        check("hello.txt" in f.nlst(), "same certificate")
        f.quit()
    finally:
        srv.stop()


FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


@test
def eight_hour_session_keeps_resuming_tls13():
    """SPEC 3.4: the control connection issues fresh tickets, so that data
    connections still resume hours into a session.  The server's clock runs
    2000 times fast (libfaketime): 30 transfers over 15 s span 8 hours,
    four times the ticket lifetime."""
    check(os.path.exists(FAKETIME_LIB),
          "libfaketime missing: install Debian's faketime package")
    preload = os.environ.get("SECFTP_PRELOAD", "")
    if "libasan" in preload:
        # libfaketime's constructor and the ASan runtime deadlock at
        # startup (t/sanitize.sh): this clock test runs in the plain suite.
        print("SKIPPED: libfaketime does not start under ASan")
        return
    os.environ["SECFTP_PRELOAD"] = (preload + " " + FAKETIME_LIB).strip()
    os.environ["FAKETIME"] = "+0 x2000"
    os.environ["DONT_FAKE_MONOTONIC"] = "1"
    conf = ("TimeoutIdle 0\nTimeoutNoTransfer 0\nTimeoutStalled 0\n"
            "TimeoutLogin 0\nTimeoutSession 0\nSecureHandshakeTimeout 3600\n")
    srv = Server("eight_hours", conf=conf, trace="secftp.data:9")
    try:
        srv.start()
    finally:
        os.environ["SECFTP_PRELOAD"] = preload
        del os.environ["FAKETIME"]
    try:
        f = client(srv, version=ssl.TLSVersion.TLSv1_3)
        for i in range(30):
            check("hello.txt" in f.nlst(), "transfer %d" % i)
            time.sleep(0.5)
        check(f.resumed == [True] * 30, "not all resumed: %r" % f.resumed)
        check("fresh session ticket" in srv.log("trace.log"),
              "no fresh ticket issued on the control connection")
        f.quit()
    finally:
        srv.stop()
