"""SecureSessionReuse on its threat model (doc/session-reuse.md): what real
clients do is accepted (reconnects that resume, single-use TLS 1.3 tickets,
CCC, fleets), what a thief can do is refused with 522, and sessions never
cross virtual hosts."""

import ftplib
import io
import os
import re
import socket
import ssl
import tempfile

from harness import (Server, USERS, cert, check, check_eq, client_context,
                     curl, lftp, put_file, run_dir, test)
from test_data import RecordingFTP, client, retr
from test_fleet import Redis, key_file, node
from test_hosting import VHOST, name_cert, sni_server
from test_reuse import expect_522, second_client_cert
from pki import CA, fingerprint

FULL = "the client offered no ticket/session (full handshake)"
FOREIGN = "the client offered a ticket/session of another control connection"
OTHER_CERT = "the client offered a different client certificate"

CCC_CONF = "SecureCtrlConn clear\n"


def pinned(version):
    ctx = client_context()
    ctx.minimum_version = ctx.maximum_version = version
    return ctx


class ResumingFTP(RecordingFTP):
    """Resumes control_session (a session of an earlier control
    connection) on its own control connection, as clients that keep a
    session cache per server do."""
    control_session = None

    def auth(self):
        resp = self.voidcmd("AUTH TLS")
        self.sock = self.context.wrap_socket(
            self.sock, server_hostname=self.host,
            session=self.control_session)
        self.file = self.sock.makefile(mode="r", encoding=self.encoding)
        return resp


def resuming_login(srv, ctx, session):
    f = ResumingFTP(context=ctx, timeout=20)
    f.control_session = session
    f.connect("127.0.0.1", srv.port)
    f.auth()
    f.login("alice", USERS["alice"])
    f.prot_p()
    return f


class SingleUseFTP(ftplib.FTP_TLS):
    """A strict single-use TLS 1.3 client (RFC 8446 appendix C.4): every
    session it learns (from the control or a data connection) is offered
    at most once, the newest first; with none left it offers nothing."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.wallet = []
        self.seen = set()
        self.offered = []
        self.resumed = []
        self.data_objs = []

    def learn(self, session):
        if session is not None and session.id not in self.seen:
            self.seen.add(session.id)
            self.wallet.append(session)

    def harvest(self):
        if isinstance(self.sock, ssl.SSLSocket):
            self.learn(self.sock.session)
        for obj in self.data_objs:
            self.learn(obj.session)

    def ccc(self):
        self.harvest()
        return super().ccc()

    def ntransfercmd(self, cmd, rest=None):
        self.harvest()
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        session = self.wallet.pop() if self.wallet else None
        conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                        session=session)
        self.offered.append(session is not None)
        self.resumed.append(conn.session_reused)
        self.data_objs.append(conn._sslobj)
        return conn, size


def single_use_transfers(srv, ccc, rounds=3):
    """Downloads and uploads, alternating, with a strict single-use client;
    checks every byte and that every data connection resumed."""
    f = SingleUseFTP(context=pinned(ssl.TLSVersion.TLSv1_3), timeout=20)
    f.connect("127.0.0.1", srv.port)
    f.auth()
    f.login("alice", USERS["alice"])
    f.prot_p()
    if ccc:
        f.ccc()
    for i in range(rounds):
        data = os.urandom(70000 + i)
        f.storbinary("STOR s%d.bin" % i, io.BytesIO(data))
        f.harvest()
        check_eq(retr(f, "s%d.bin" % i), data, "round trip %d" % i)
        f.harvest()
    check("hello.txt" in f.nlst(), "listing")
    f.quit()
    n = 2 * rounds + 1
    check_eq(f.offered, [True] * n, "a fresh ticket before every transfer "
             "(ccc=%s)" % ccc)
    check_eq(f.resumed, [True] * n, "every data connection resumed "
             "(ccc=%s)" % ccc)


@test
def reconnect_resuming_previous_control_session_transfers():
    """A new control connection that resumes the previous one's session
    (TLS 1.2 session id, TLS 1.2 ticket, TLS 1.3 ticket) continues its
    lineage: its data connections resume, including with the session it
    resumed itself."""
    cases = (("TLS 1.2 session id", ssl.TLSVersion.TLSv1_2, True),
             ("TLS 1.2 ticket", ssl.TLSVersion.TLSv1_2, False),
             ("TLS 1.3 ticket", ssl.TLSVersion.TLSv1_3, False))
    with Server("reconnect") as srv:
        for what, version, no_ticket in cases:
            ctx = pinned(version)
            if no_ticket:
                ctx.options |= ssl.OP_NO_TICKET
            a = client(srv, ctx=ctx)
            check("hello.txt" in a.nlst(), "%s: first connection" % what)
            old = a.sock.session
            a.quit()

            b = resuming_login(srv, ctx, old)
            # Under SecureSessionCache internal a TLS 1.2 session id lives
            # in one session process only: a reconnect makes a full
            # handshake, and a new lineage (ids resume across connections
            # with Redis: fleet_resume_on_b_a_session_made_on_a).
            check_eq(b.sock.session_reused, not no_ticket,
                     "%s: control resumed" % what)
            for i in range(3):
                data = os.urandom(5000 + i)
                b.storbinary("STOR r%d.bin" % i, io.BytesIO(data))
                check_eq(retr(b, "r%d.bin" % i), data, "%s: transfer %d" %
                         (what, i))
            check_eq(b.resumed, [True] * 6, "%s: data resumed" % what)

            if not b.sock.session_reused:
                b.quit()
                continue
            # The session this control connection resumed is its own too.
            b._ctrl_session = None
            conn, _ = ftplib.FTP.ntransfercmd(b, "NLST")
            conn = ctx.wrap_socket(conn, server_hostname="localhost",
                                   session=old)
            check(conn.session_reused, "%s: the resumed session itself" %
                  what)
            conn.recv(4096)
            conn.close()
            b.voidresp()
            b.quit()
        check(" refused " not in srv.log(), "refusals: " + srv.log())


@test
def single_use_tls13_client_many_transfers():
    with Server("single_use") as srv:
        single_use_transfers(srv, ccc=False)
    with Server("single_use_ccc", conf=CCC_CONF) as srv:
        single_use_transfers(srv, ccc=True)
        check("CCC" in srv.log(), "CCC not logged: " + srv.log())


def curl_base(srv, *extra):
    return ["--ssl-reqd", "--cacert", cert("ca.crt"), "-u",
            "alice:" + USERS["alice"], "-v"] + list(extra)


def curl_transfers(srv, d, extra, uploads=3, downloads=4):
    """One curl run: uploads, then downloads of what it uploaded (several
    URLs, one control connection).  Returns the CompletedProcess."""
    url = "ftp://localhost:%d/" % srv.port
    argv = curl_base(srv, *extra)
    blobs = []
    for i in range(uploads):
        path = os.path.join(d, "up%d.bin" % i)
        blobs.append(os.urandom(40000 + i))
        with open(path, "wb") as fh:
            fh.write(blobs[-1])
        argv += ["-T", path, url + "c%d.bin" % i, "-o", os.devnull]
    for i in range(downloads):
        argv += [url + "c%d.bin" % (i % uploads), "-o",
                 os.path.join(d, "down%d.bin" % i)]
    r = curl(*argv, timeout=60)
    for i in range(downloads):
        path = os.path.join(d, "down%d.bin" % i)
        check(os.path.exists(path), "download %d missing: %s" % (
            i, r.stderr[-3000:]))
        with open(path, "rb") as fh:
            check_eq(fh.read(), blobs[i % uploads], "download %d" % i)
    return r


@test
def curl_several_urls_one_run():
    for version in ("1.2", "1.3"):
        with Server("curl_many") as srv:
            d = os.path.join(srv.dir, "curl")
            os.makedirs(d)
            r = curl_transfers(srv, d, ["--tls-max", version,
                                        "--tlsv" + version])
            check_eq(r.returncode, 0, "curl TLS %s: %s" % (
                version, r.stderr[-3000:]))
            check_eq(len(re.findall(r"^< 226", r.stderr, re.M)), 7,
                     "226 replies, TLS %s" % version)
            check_eq(len(re.findall(r"^\* Connected to", r.stderr, re.M)),
                     8, "one control connection and 7 data connections")
            check(" refused " not in srv.log(), "refusals: " + srv.log())


@test
def curl_ccc_several_transfers():
    """curl --ftp-ssl-ccc.  In its default (passive) mode curl frees the
    control TLS connection without sending close_notify, and OpenSSL then
    marks that session not resumable: the data connection after CCC offers
    nothing (although curl -v prints "SSL re-using session ID"), and is
    refused as a full handshake.  In active mode curl closes properly and
    resumes; with TLS 1.3 every download brings the next ticket."""
    with Server("curl_ccc", conf=CCC_CONF) as srv:
        d = os.path.join(srv.dir, "curl")
        os.makedirs(d)
        url = "ftp://localhost:%d/" % srv.port
        put_file(srv, "alice", "c.bin", os.urandom(60000))
        # TLS 1.3, active CCC: five downloads, each one resuming.
        argv = curl_base(srv, "--ftp-ssl-ccc", "--ftp-ssl-ccc-mode",
                         "active", "--tlsv1.3")
        for i in range(5):
            argv += [url + "c.bin", "-o", os.path.join(d, "c%d" % i)]
        r = curl(*argv, timeout=60)
        check_eq(r.returncode, 0, "curl CCC TLS 1.3: " + r.stderr[-3000:])
        check_eq(len(re.findall(r"^< 226", r.stderr, re.M)), 5, "226s")
        # TLS 1.2, active CCC: uploads and downloads.
        r = curl_transfers(srv, d, ["--ftp-ssl-ccc", "--ftp-ssl-ccc-mode",
                                    "active", "--tls-max", "1.2"])
        check_eq(r.returncode, 0, "curl CCC TLS 1.2: " + r.stderr[-3000:])
        check(" refused " not in srv.log(), "refusals: " + srv.log())
        # Passive CCC: curl's own session is gone; what it offers is a full
        # handshake, refused as such.
        r = curl(*(curl_base(srv, "--ftp-ssl-ccc") + [url + "c.bin", "-o",
                                                       "/dev/null"]))
        check("< 200 CCC" in r.stderr and r.returncode != 0,
              "passive CCC: " + r.stderr[-2000:])
        check(FULL in srv.log(), "passive CCC refusal: " + srv.log())


@test
def lftp_several_transfers():
    with Server("lftp_many") as srv:
        src = os.path.join(srv.dir, "src.bin")
        data = os.urandom(90000)
        with open(src, "wb") as fh:
            fh.write(data)
        out = os.path.join(srv.dir, "lftp-out")
        os.makedirs(out)
        cmds = "; ".join(["put %s -o l%d.bin" % (src, i) for i in range(3)] +
                         ["get l%d.bin -o %s/g%d.bin" % (i, out, i)
                          for i in range(3)] + ["cls"])
        r = lftp(srv, cmds, timeout=60)
        check_eq(r.returncode, 0, "lftp: " + r.stdout + r.stderr)
        for i in range(3):
            with open(os.path.join(out, "g%d.bin" % i), "rb") as fh:
                check_eq(fh.read(), data, "lftp download %d" % i)
        check("l2.bin" in r.stdout, "lftp listing: " + r.stdout)
        check(" refused " not in srv.log(), "refusals: " + srv.log())


@test
def attack_port_theft_full_handshake():
    """The thief sees the clear TCP, reaches the passive port first and
    completes its own (full) handshake: no data, no ticket, a 522 logged
    as a full handshake; the owner's next transfer works."""
    secret = b"TOP-SECRET-" * 3000
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        with Server("theft2") as srv:
            put_file(srv, "alice", "secret.bin", secret)
            f = client(srv, version=version)
            f.voidcmd("TYPE I")
            host, port = ftplib.parse227(f.sendcmd("PASV"))
            raw = socket.create_connection((host, port), timeout=10)
            f.putcmd("RETR secret.bin")
            thief = pinned(version).wrap_socket(
                raw, server_hostname="localhost",
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
            stolen = thief.session
            thief.close()
            check(b"TOP-SECRET" not in got, "the thief received data")
            check(stolen is None or not stolen.has_ticket,
                  "%s: the thief got a ticket" % version.name)
            resp = f.getmultiline()
            if resp.startswith("150"):
                resp = f.getmultiline()
            check(resp.startswith("522") and "SecureSessionReuse" in resp,
                  "owner's reply: %r" % resp)
            check(FULL in resp, "522 text: %r" % resp)
            check_eq(retr(f, "secret.bin"), secret, "owner's retry")
            f.quit()
            check(FULL in srv.log(), "theft not logged: " + srv.log())


class ForeignFTP(RecordingFTP):
    foreign = None

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                        session=self.foreign)
        self.resumed.append(conn.session_reused)
        return conn, size


@test
def attack_ticket_of_another_control_connection():
    """The thief has its own account and control connection, and a ticket
    (or session) of the victim's, or the other way round: another
    connection's secrets never open this one's data connections."""
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        with Server("foreign2") as srv:
            ctx = pinned(version)
            victim = client(srv, ctx=ctx)
            check("hello.txt" in victim.nlst(), "victim lists")
            thief = ForeignFTP(context=ctx, timeout=20)
            thief.connect("127.0.0.1", srv.port)
            thief.auth()
            thief.login("bob", USERS["bob"])
            thief.prot_p()
            thief.foreign = victim.sock.session
            text = expect_522(thief.nlst, "another connection's session %s" %
                              version.name)
            check(FOREIGN in text, "522 text: " + text)
            check(FOREIGN in srv.log(), "not logged: " + srv.log())
            victim.quit()
            thief.quit()


@test
def attack_full_handshake_and_other_certificate():
    with Server("fullhs") as srv:
        f = ftplib.FTP_TLS(context=client_context(), timeout=20)
        f.connect("127.0.0.1", srv.port)
        f.auth()
        f.login("alice", USERS["alice"])
        f.prot_p()
        text = expect_522(f.nlst, "full handshake")
        check(FULL in text, "522 text: " + text)
        f.quit()
    conf = "SecureLogin optional\nSecureCACertificate {certs}/ca.crt\n"
    with Server("othercert", conf=conf) as srv:
        other_crt, other_key = second_client_cert(srv)
        f = RecordingFTP(context=client_context(cert_name="client"),
                         timeout=20)
        f.connect("127.0.0.1", srv.port)
        f.auth()
        f.login("alice", USERS["alice"])
        f.prot_p()
        f.context = client_context()
        f.context.load_cert_chain(other_crt, other_key)
        f._ctrl_session = None
        # A data connection with another certificate, in a full handshake.
        conn, _ = ftplib.FTP.ntransfercmd(f, "NLST")
        try:
            conn = f.context.wrap_socket(conn, server_hostname="localhost")
            conn.recv(1)
        except (ssl.SSLError, OSError):
            pass
        conn.close()
        try:
            resp = f.voidresp()
        except ftplib.error_perm as e:
            resp = str(e)
        check(resp.startswith("522") and OTHER_CERT in resp,
              "other certificate: %r" % resp)
        check(OTHER_CERT in srv.log(), "not logged: " + srv.log())
        f.quit()


@test
def fleet_resume_on_b_a_session_made_on_a():
    with Redis("reuse_fleet") as redis:
        kf = key_file("reuse_fleet")
        with node("reuse_a", redis, kf) as a, node("reuse_b", redis, kf) as b:
            for what, version, no_ticket in (
                    ("TLS 1.2 session id", ssl.TLSVersion.TLSv1_2, True),
                    ("TLS 1.3 ticket", ssl.TLSVersion.TLSv1_3, False)):
                ctx = pinned(version)
                if no_ticket:
                    ctx.options |= ssl.OP_NO_TICKET
                fa = client(a, ctx=ctx)
                check("hello.txt" in fa.nlst(), "%s: on A" % what)
                sess = fa.sock.session
                fa.quit()
                fb = resuming_login(b, ctx, sess)
                check(fb.sock.session_reused, "%s: B did not resume A's "
                      "session" % what)
                for i in range(3):
                    data = os.urandom(8000 + i)
                    fb.storbinary("STOR f%d.bin" % i, io.BytesIO(data))
                    check_eq(retr(fb, "f%d.bin" % i), data,
                             "%s: transfer %d on B" % (what, i))
                check_eq(fb.resumed, [True] * 6, "%s: data on B" % what)
                fb.quit()
            names = redis.keys("mod_secftp:session:*") + \
                redis.keys("mod_secftp:ticketkey:*")
            check(all(re.match(r"mod_secftp:(session|ticketkey):[0-9a-f]{16}:",
                               n) for n in names),
                  "records not named by virtual host: %r" % names)
            check(" refused " not in b.log(), "refusals on B: " + b.log())


def partner_pki(name):
    """A partner CA (that only one vhost trusts) and its certificate."""
    d = tempfile.mkdtemp(prefix=name + "-pki-", dir=run_dir())
    ca = CA(os.path.join(d, "ca"), "/O=Partner/CN=Partner CA")
    crt, key = ca.issue("partner", "/O=Partner/CN=partner")
    return d, ca, crt, key


def user_code(port, sni, crt, key, user, session=None):
    """AUTH TLS with SNI and a client certificate (resuming session if
    given), then USER.  Returns (reply code or the TLS error, whether the
    handshake resumed)."""
    ctx = client_context()
    ctx.load_cert_chain(crt, key)
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        f = s.makefile("rb")
        check(f.readline().startswith(b"220"), "greeting")
        s.sendall(b"AUTH TLS\r\n")
        check(f.readline().startswith(b"234"), "AUTH TLS")
        try:
            t = ctx.wrap_socket(s, server_hostname=sni, session=session)
            t.sendall(("USER %s\r\n" % user).encode())
            reply = t.makefile("rb").readline().decode()
        except (ssl.SSLError, OSError) as e:
            return str(e), False
        if not reply:
            return "closed", t.session_reused
        t.sendall(b"QUIT\r\n")
        return int(reply[:3]), t.session_reused
    finally:
        s.close()


MAP_LOGIN = ("SecureLogin verify_user\n  SecurePassword optional\n"
             "  SecureCertMap %s\n")


def write_map(d, name, fp, user):
    path = os.path.join(d, name + ".map")
    with open(path, "w") as fh:
        fh.write("cert %s %s\n" % (fp, user))
    return path


@test
def sni_partner_certificate_mapped_by_vhost_map_alone():
    """A partner certificate trusted only by b.test is mapped by b.test's
    SecureCertMap, never by the address owner's (which would give alice a
    232 without a password)."""
    d, ca, crt, key = partner_pki("sni_map")
    fp = fingerprint(crt)
    owner_map = write_map(d, "owner", fp, "alice")
    b_map = write_map(d, "b", fp, "bob")
    srv = sni_server("sni_map", ["b.test"],
                     conf="SecureCACertificate %s\n" % cert("ca.crt") +
                     MAP_LOGIN % owner_map,
                     extra={"b.test": "SecureCACertificate %s\n  " % ca.crt +
                            MAP_LOGIN % b_map})
    with srv:
        check_eq(user_code(srv.port, "b.test", crt, key, "bob")[0], 232,
                 "b.test maps the partner to bob")
        check_eq(user_code(srv.port, "b.test", crt, key, "alice")[0], 530,
                 "the address owner's map applied on b.test")
        with open(os.path.join(srv.dir, "secftp-b.test.log")) as fh:
            blog = fh.read()
        check("maps to user 'bob' (SecureCertMap %s" % b_map in blog,
              "b.test's log: " + blog)
        check("maps to user 'alice'" not in srv.log() + blog,
              "the owner's map was consulted: " + srv.log())


def cross_vhost_case(srv, crt, key, version, no_ticket, redis=False):
    """A session made on a.test (which trusts the partner CA) offered to
    b.test (which does not): never resumed, the certificate refused."""
    ctx_version = {"1.2": ssl.TLSVersion.TLSv1_2,
                   "1.3": ssl.TLSVersion.TLSv1_3}[version]
    what = "TLS %s %s" % (version, "session id" if no_ticket else "ticket")

    ctx = pinned(ctx_version)
    if no_ticket:
        ctx.options |= ssl.OP_NO_TICKET
    ctx.load_cert_chain(crt, key)

    def connect(sni, session=None, host=False):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        f = s.makefile("rb")
        f.readline()
        if host:
            # RFC 7151 HOST before AUTH chooses the vhost.
            s.sendall(("HOST %s\r\n" % sni).encode())
            check(f.readline().startswith(b"220"), "HOST " + sni)
        s.sendall(b"AUTH TLS\r\n")
        f.readline()
        return ctx.wrap_socket(s, server_hostname=sni, session=session)

    t = connect("a.test")
    t.sendall(b"USER bob\r\n")
    reply = t.makefile("rb").readline().decode()
    check(reply.startswith("232"), "%s: a.test maps the partner: %r" %
          (what, reply))
    sess = t.session
    t.sendall(b"QUIT\r\n")
    t.close()
    # The same session again on a.test resumes (the control is sound),
    # except a TLS 1.2 session id without Redis (one process's cache).
    t = connect("a.test", sess)
    check(t.session_reused or (no_ticket and not redis),
          "%s: not resumed on a.test itself" % what)
    t.close()
    # On b.test, chosen by SNI or by HOST: a full handshake against
    # b.test's CA, which does not know the partner's: unknown_ca, no login.
    seen = 0
    if os.path.exists(os.path.join(srv.dir, "secftp-b.test.log")):
        with open(os.path.join(srv.dir, "secftp-b.test.log")) as fh:
            seen = fh.read().count("unable to get local issuer")
    for host in (False, True):
        how = "%s, %s" % (what, "HOST" if host else "SNI")
        try:
            t = connect("b.test", sess, host=host)
            reused = t.session_reused
            t.sendall(b"USER bob\r\n")
            reply = t.makefile("rb").readline().decode()
            t.close()
        except (ssl.SSLError, OSError) as e:
            reused, reply = False, str(e)
        check(not reused, "%s: a.test's session resumed on b.test" % how)
        check(not reply.startswith("232") and not reply.startswith("331"),
              "%s: b.test accepted the partner certificate: %r" % (how,
                                                                   reply))
        # The alert (unknown_ca) may race the close with TLS 1.3.
        check(re.search(r"UNKNOWN_CA|EOF|^$", reply.upper()),
              "%s: expected unknown_ca, got %r" % (how, reply))
        with open(os.path.join(srv.dir, "secftp-b.test.log")) as fh:
            refusals = fh.read().count("unable to get local issuer")
        check(refusals > seen, "%s: b.test's refusal not logged" % how)
        seen = refusals


CROSS_VHOST_A = "SecureCACertificate %s\n  " + MAP_LOGIN
CROSS_VHOST_B = "SecureCACertificate {certs}/ca.crt\n  " + MAP_LOGIN


def vhosts_server(name, conf, vhosts, modules=()):
    """Like test_hosting.sni_server, with each vhost's own directives and
    extra modules."""
    srv = Server(name, conf=conf, modules=modules)
    d = os.path.join(srv.dir, "names")
    os.makedirs(d)
    text = ""
    for n, extra in vhosts:
        crt, key = name_cert(d, n)
        text += VHOST.format(port=srv.port, name=n, crt=crt, key=key,
                             dir=srv.dir, extra=extra)
    with open(srv.conf_path, "a") as f:
        f.write(text.replace("{certs}", os.path.dirname(cert("ca.crt"))))
    return srv


def cross_vhost_server(name, d, ca, fp, conf="", vhost_conf="",
                       modules=()):
    a_map = write_map(d, "a", fp, "bob")
    b_map = write_map(d, "b", fp, "bob")
    return vhosts_server(name, conf, [
        ("a.test", CROSS_VHOST_A % (ca.crt, a_map) + vhost_conf),
        ("b.test", CROSS_VHOST_B % b_map + vhost_conf)], modules=modules)


@test
def cross_vhost_session_never_logs_in_local_cache():
    d, ca, crt, key = partner_pki("cross_local")
    with cross_vhost_server("cross_local", d, ca, fingerprint(crt)) as srv:
        for version, no_ticket in (("1.2", True), ("1.2", False),
                                   ("1.3", False)):
            cross_vhost_case(srv, crt, key, version, no_ticket)


@test
def cross_vhost_session_never_logs_in_redis():
    d, ca, crt, key = partner_pki("cross_redis")
    with Redis("cross_redis") as redis:
        kf = key_file("cross_redis")
        cache = ("SecureSessionCache redis\n  SecureTicketKeyFile %s\n" %
                 kf)
        conf = "RedisEngine on\nRedisServer 127.0.0.1:%d\n%s" % (
            redis.port, cache)
        with cross_vhost_server("cross_redis", d, ca, fingerprint(crt),
                                conf=conf, vhost_conf=cache,
                                modules=["mod_redis.c"]) as srv:
            for version, no_ticket in (("1.2", True), ("1.2", False),
                                       ("1.3", False)):
                cross_vhost_case(srv, crt, key, version, no_ticket,
                                 redis=True)
            names = redis.keys("mod_secftp:*")
            check(any(n.startswith("mod_secftp:session:") for n in names),
                  "no session records in Redis: %r" % names)
            check(all(re.match(r"mod_secftp:(session|ticketkey):"
                               r"[0-9a-f]{16}:", n) for n in names),
                  "records not named by virtual host: %r" % names)
