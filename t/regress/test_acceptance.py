"""Acceptance checks against SPEC.md, written the way the owners test:
exact reply codes, every directive's startup error, hostile input on the
control channel.
"""

import os
import re
import socket
import ssl
import time

import harness
import pki
from harness import (Raw, Server, USERS, check, check_eq, test)

CONFTAB = os.path.join(harness.ROOT, "mod_secftp.c")

# One bad value for every directive of the module (SPEC section 2: "A bad
# value stops startup with a message naming the directive, the bad token,
# file and line").
BAD_VALUES = {
    "CipherSuite": "BOGUS_CIPHER",
    "SecureALPN": "maybe",
    "SecureCACertificate": "/nonexistent/ca.pem",
    "SecureCARevocation": "/nonexistent/crl.pem",
    "SecureCertMap": "/nonexistent/certmap",
    "SecureCertificate": "/nonexistent/cert.pem",
    "SecureCipherSuite": "RC4-SHA",
    # A directive of several values: (the values, the bad one).
    "SecureControlsACLs": ("status,reboot allow user root", "reboot"),
    "SecureCtrlConn": "sometimes",
    "SecureDataConn": "secret",
    "SecureEngine": "maybe",
    "SecureFTP": "mandatory",
    "SecureFTPLog": "relative/secftp.log",
    "SecureGroups": "P-999",
    "SecureHandshakeTimeout": "soon",
    "SecureImplicit": "yes-please",
    "SecureKeyring": "/nonexistent/keyring.p12",
    "SecureLogin": "sometimes",
    "SecureOCSPResponder": "gopher://ocsp.invalid/",
    "SecureOCSPTimeout": "fast",
    "SecureMasqueradeAddress": "not..an..address",
    "SecureOptions": "NoSuchOption",
    "SecurePassPhraseProvider": "relative/program",
    "SecurePassword": "never",
    "SecurePortAccess": "@",
    "SecureProtocol": "SSLv3",
    "SecureRFCLevel": "rfc959",
    "SecureSessionCache": "memcache",
    "SecureSessionReuse": "sometimes",
    "SecureStapling": "sometimes",
    "SecureStaplingResponder": "ldap://ocsp.example/",
    "SecureTicketKeyFile": "relative/ticket.key",
    "SecureTicketKeyLifetime": "12d",
    "SecureVerifyDepth": "deep",
    "SecureVerifyOrder": "ldap",
    "SecureCertificateChain": "relative/chain.pem",
    "SecureCertificateWarning": "soon",
    "SecureVerifyServer": "maybe",
    "SecureRedisServer": "127.0.0.1:99999",
    "SecureRedisTimeouts": "fast 300",
}

# Directives that take exactly one value, with a good one: a second value
# is a bad token too ("SecureDataConn private clear" must not start).
ONE_VALUE = {
    "SecureALPN": "strict",
    "SecureCtrlConn": "clear",
    "SecureDataConn": "private",
    "SecureEngine": "on",
    "SecureFTP": "required",
    "SecureFTPLog": "none",
    "SecureHandshakeTimeout": "30",
    "SecureImplicit": "off",
    "SecureLogin": "no_client_auth",
    "SecureOCSPResponder": "http://127.0.0.1:9/",
    "SecureOCSPTimeout": "5",
    "SecureMasqueradeAddress": "127.0.0.1",
    "SecurePassword": "required",
    "SecureRFCLevel": "rfc4217",
    "SecureSessionCache": "internal",
    "SecureSessionReuse": "required",
    "SecureStapling": "off",
    "SecureStaplingResponder": "http://127.0.0.1:9/",
    "SecureTicketKeyLifetime": "12h",
    "SecureVerifyDepth": "9",
    "SecureCertificateChain": "{certs}/ca.crt",
    "SecureCertificateWarning": "30d",
    "SecureVerifyServer": "on",
}


def conftab_directives():
    with open(CONFTAB) as f:
        text = f.read()
    table = text[text.index("secftp_conftab[]"):]
    table = table[:table.index("{ NULL }")]
    return re.findall(r'\{ "(\w+)",', table)


def _refused_at_line(name, directive, value):
    """Starts a server whose config has 'directive value' and expects a
    refusal naming directive, the bad token, the file and the line."""
    line_text = "%s %s" % (directive, value)
    srv = Server(name, conf=line_text + "\n")
    lineno = srv.conf_text.splitlines().index(
        line_text.replace("{certs}", harness.certs())) + 1
    out = srv.start_expecting_failure()
    fatal = [l for l in out.splitlines() if directive + ":" in l]
    check(fatal, "%s: no message naming the directive: %s" % (
        line_text, out[-1500:]))
    return fatal[-1], lineno, srv.conf_path


@test
def every_directive_bad_value_names_token_file_line():
    names = conftab_directives()
    check(len(names) >= 29, "conftab not found: %r" % names)
    missing = sorted(set(names) - set(BAD_VALUES))
    check(not missing, "no bad-value case for %s" % missing)
    for directive in names:
        value = BAD_VALUES[directive]
        value, token = value if isinstance(value, tuple) else (value, value)
        msg, lineno, path = _refused_at_line("bad_" + directive, directive,
                                             value)
        for want in ("'%s'" % token, "line %d " % lineno, path):
            check(want in msg, "%s %s: message lacks %r: %s" % (
                directive, token, want, msg))


@test
def one_value_directives_refuse_a_second_value():
    surplus = dict(ONE_VALUE)
    # Two-value directives refuse a third value the same way.
    surplus["SecureVerifyOrder"] = "crl ocsp"
    surplus["SecureCertificate"] = "{certs}/server.crt {certs}/server.key"
    for directive, good in sorted(surplus.items()):
        msg, lineno, path = _refused_at_line(
            "extra_" + directive, directive, good + " surplus")
        for want in ("'surplus'", "line %d " % lineno, path):
            check(want in msg, "%s %s surplus: message lacks %r: %s" % (
                directive, good, want, msg))


@test
def draft_auth_only_before_user():
    """SPEC 3.3: at draft level AUTH only before USER (534 after)."""
    with Server("draft_user", conf="SecureRFCLevel draft\n") as srv:
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("USER alice")[0], 331, "USER in the clear")
            code, text = c.cmd("AUTH TLS")
            check_eq(code, 534, "AUTH after USER at draft")
            check("SecureRFCLevel" in text, "reply names no directive: "
                  + text)
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230,
                     "PASS still in the clear")
        check(srv.wait_log(r"AUTH refused .* by policy SecureRFCLevel: 534"),
              "refusal not logged: " + srv.log())
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH before USER at draft")


@test
def pbsz_numeric_range_with_leading_zeros():
    """SPEC 3.1: PBSZ n answers 200 PBSZ=0 unless non-numeric or above
    2^32-1."""
    with Server("pbsz_range") as srv:
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH")
            c.starttls()
            for arg, want in (("00000000001", 200), ("0004294967295", 200),
                              ("0004294967296", 501), ("4294967296", 501),
                              ("1e3", 501), ("0x10", 501), ("", 501)):
                code, text = c.cmd(("PBSZ " + arg).strip())
                check_eq(code, want, "PBSZ %r" % arg)
                if want == 200:
                    check_eq(text, "200 PBSZ=0", "PBSZ %r text" % arg)


def _tls_raw(srv, ctx=None):
    """A Raw control connection after AUTH TLS whose TLS layer reports a
    missing close_notify (suppress_ragged_eofs off)."""
    c = Raw(srv.port)
    c.reply()
    check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS")
    c.sock = (ctx or harness.client_context()).wrap_socket(
        c.sock, server_hostname="localhost", suppress_ragged_eofs=False)
    return c


@test
def quit_ends_tls_with_close_notify():
    """The end of a protected session is a TLS close, not a truncation:
    openssl s_client exits 0, a strict client reads close_notify."""
    with Server("quit_notify") as srv:
        with _tls_raw(srv) as c:
            check_eq(c.cmd("USER alice")[0], 331, "USER")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS")
            check_eq(c.cmd("QUIT")[0], 221, "QUIT")
            c.sock.settimeout(10)
            try:
                data = c.sock.recv(100)
            except ssl.SSLEOFError as e:
                raise harness.TestFailure("no close_notify after 221: %s" % e)
            check_eq(data, b"", "bytes after 221")
        r = harness.run(["openssl", "s_client", "-starttls", "ftp",
                         "-connect", "127.0.0.1:%d" % srv.port, "-CAfile",
                         harness.cert("ca.crt"), "-verify_return_error",
                         "-quiet"],
                        input="USER alice\r\nPASS %s\r\nQUIT\r\n" %
                        USERS["alice"], timeout=30)
        check("221 " in r.stdout, "no 221 from s_client: " + r.stdout)
        check_eq(r.returncode, 0, "s_client exit status (%s)" %
                 r.stderr[-400:])


def _still_serving(srv, what):
    f = harness.ftps(srv, "alice")
    try:
        f.prot_p()
        check("hello.txt" in f.nlst(), "no listing after %s" % what)
    finally:
        f.quit()


def _raw_below_tls(c, data):
    """Writes bytes on the socket under the client's TLS layer."""
    os.write(c.sock.fileno(), data)


@test
def hostile_control_input_never_stops_the_daemon():
    """NUL, Telnet IAC, overlong lines, TLS garbage and half-open
    connections: each session ends or goes on, the daemon keeps serving."""
    conf = "SecureHandshakeTimeout 3\n"
    with Server("hostile", conf=conf) as srv:
        def nul_and_iac_plain():
            with Raw(srv.port) as c:
                c.reply()
                c.send(b"NO\x00OP\r\n")
                check_eq(c.reply()[0], 500, "NUL inside a verb")
                c.send(b"\xff\xf4\xff\xf2NOOP\r\n")
                check_eq(c.reply()[0], 200, "IAC IP, IAC DM, NOOP")
                check_eq(c.cmd("NOOP")[0], 200, "NOOP after NUL/IAC")

        def overlong_plain():
            with Raw(srv.port) as c:
                c.reply()
                try:
                    c.send(b"A" * 200000 + b"\r\n")
                    c.reply()
                except (OSError, EOFError):
                    pass

        def random_bytes_instead_of_hello():
            with Raw(srv.port) as c:
                c.reply()
                c.cmd("AUTH TLS")
                c.send(bytes(range(256)) * 20)
                check(c.closed(10), "session kept after a garbage hello")

        def huge_record_header():
            with Raw(srv.port) as c:
                c.reply()
                c.cmd("AUTH TLS")
                c.send(b"\x16\x03\x01\xff\xff" + b"\x00" * 70000)
                check(c.closed(10), "session kept after an oversized record")

        def sslv2_hello():
            with Raw(srv.port) as c:
                c.reply()
                c.cmd("AUTH TLS")
                c.send(bytes.fromhex("802e0103010015000000100100800300800700"
                                     "c0060040020080040080000039000038000035"))
                check(c.closed(10), "SSLv2 hello accepted")

        def forged_record_in_session():
            c = _tls_raw(srv)
            with c:
                check_eq(c.cmd("USER alice")[0], 331, "USER")
                _raw_below_tls(c, b"\x17\x03\x03\x00\x20" + b"A" * 32)
                check(c.closed(10), "session kept after a forged record")

        def half_open_after_auth():
            with Raw(srv.port) as c:
                c.reply()
                c.send("AUTH TLS\r\n")
                c.sock.shutdown(socket.SHUT_WR)
                check_eq(c.reply()[0], 234, "AUTH before the FIN")
                check(c.closed(10), "half-open handshake not closed")

        def half_open_in_session():
            c = _tls_raw(srv)
            with c:
                check_eq(c.cmd("USER alice")[0], 331, "USER")
                s = socket.socket(fileno=os.dup(c.sock.fileno()))
                s.shutdown(socket.SHUT_WR)
                s.close()
                check(c.closed(10), "half-open session not closed")

        def connect_and_vanish():
            for _ in range(20):
                socket.create_connection(("127.0.0.1", srv.port),
                                         timeout=5).close()

        for step in (nul_and_iac_plain, overlong_plain,
                     random_bytes_instead_of_hello, huge_record_header,
                     sslv2_hello, forged_record_in_session,
                     half_open_after_auth, half_open_in_session,
                     connect_and_vanish):
            step()
            _still_serving(srv, step.__name__)
        check(srv.proc.poll() is None, "the daemon exited")
        log = srv.log("proftpd.log")
        for bad in ("signal 11", "SIGSEGV", "signal 6", "SIGABRT",
                    "STACK TRACE"):
            check(bad not in log, "%s in the SystemLog: %s" % (bad, log))
        check(srv.wait_log(r"handshake .* failed"),
              "failed handshakes not in SecureFTPLog: " + srv.log())


def _client_certmap(name):
    """A SecureCertMap file mapping the harness's client.crt to alice."""
    path = os.path.join(harness.run_dir(), name + "-certmap")
    with open(path, "w") as f:
        f.write("cert %s alice\n" % pki.fingerprint(
            harness.cert("client.crt")))
    return path


@test
def every_trace_channel_speaks():
    """SPEC 6: trace channels secftp, secftp.tls, secftp.policy,
    secftp.certmap, secftp.data."""
    certmap = _client_certmap("trace")
    conf = ("SecureFTP required\nSecureLogin optional\n"
            "SecureCACertificate {certs}/ca.crt\nSecureCertMap %s\n" % certmap)
    channels = ("secftp", "secftp.tls", "secftp.policy", "secftp.certmap",
                "secftp.data")
    trace = " ".join("%s:20" % ch for ch in channels[1:])
    with Server("trace", conf=conf, trace=trace) as srv:
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("USER alice")[0], 530, "USER before AUTH")
        f = harness.ftps(srv, "alice", context=harness.client_context(
            cert_name="client"))
        f.prot_p()
        f.nlst()
        f.quit()
        for ch in channels:
            check(srv.wait_log(r"<%s:\d+>" % re.escape(ch), name="trace.log"),
                  "nothing on trace channel %s: %s" % (
                      ch, srv.log("trace.log")[-2000:]))
        # The decisions themselves, not only setup chatter.
        for pattern in (r"<secftp\.policy:\d+>: USER refused by SecureFTP",
                        r"<secftp\.certmap:\d+>: sha256:[0-9A-F:]+: "
                        r"user 'alice'"):
            check(srv.wait_log(pattern, name="trace.log"),
                  "no %r in the trace: %s" % (
                      pattern, srv.log("trace.log")[-2000:]))


def _short_lived_cert(seconds):
    """A CA-signed localhost certificate valid from an hour ago until
    `seconds` from now; returns (crt, key, end time)."""
    d = os.path.join(harness.run_dir(), "shortlived")
    os.makedirs(d, exist_ok=True)
    crt, key = os.path.join(d, "short.crt"), os.path.join(d, "short.key")
    with open(os.path.join(d, "index.txt"), "w"):
        pass
    with open(os.path.join(d, "ca.cnf"), "w") as f:
        f.write("[ca]\ndefault_ca=x\n[x]\ndatabase=%s/index.txt\n"
                "new_certs_dir=%s\nserial=%s/serial\ndefault_md=sha256\n"
                "unique_subject=no\npolicy=p\n[p]\ncommonName=supplied\n"
                % (d, d, d))
    with open(os.path.join(d, "serial"), "w") as f:
        f.write("2000\n")
    harness.run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes",
                 "-keyout", key, "-out", crt + ".csr", "-subj",
                 "/CN=localhost"], timeout=60)
    end = time.time() + seconds
    fmt = "%Y%m%d%H%M%SZ"
    r = harness.run(["openssl", "ca", "-batch", "-config",
                     os.path.join(d, "ca.cnf"),
                     "-cert", harness.cert("ca.crt"),
                     "-keyfile", harness.cert("ca.key"), "-in", crt + ".csr",
                     "-out", crt,
                     "-startdate", time.strftime(fmt, time.gmtime(end - 3600)),
                     "-enddate", time.strftime(fmt, time.gmtime(end))],
                    timeout=60)
    check(os.path.exists(crt), "could not issue the certificate: " + r.stderr)
    return crt, key, end


@test
def auth_431_when_the_certificate_expired_at_run_time():
    """SPEC 3.1 and 6: 431 is for a certificate that became unusable at
    run time (valid at startup, expired since)."""
    crt, key, end = _short_lived_cert(25)
    conf = "SecureCertificate %s %s\n" % (crt, key)
    srv = Server("expires", secure=False, conf="SecureEngine on\n"
                 "SecureFTPLog {dir}/secftp.log\n" + conf)
    with srv:
        check(time.time() < end - 2, "the server took too long to start")
        time.sleep(max(0, end - time.time()) + 1.5)
        with Raw(srv.port) as c:
            c.reply()
            code, text = c.cmd("AUTH TLS")
            check_eq(code, 431, "AUTH with an expired certificate")
            check("SecureCertificate" in text, "reply names no directive: "
                  + text)
            check_eq(c.cmd("NOOP")[0], 200, "the session goes on in the clear")
        check(srv.wait_log(r"AUTH refused from 127\.0\.0\.1: 431"),
              "431 not logged: " + srv.log())


@test
def securedataconn_in_ifuser_governs_prot():
    """SPEC 2: SecureDataConn is also allowed (via mod_ifsession) in
    <IfUser>/<IfGroup>/<IfClass>; PROT then follows the user's value."""
    conf = ("<IfUser alice>\n  SecureDataConn private\n</IfUser>\n"
            "<IfUser bob>\n  SecureDataConn never\n</IfUser>\n")
    with Server("ifuser", conf=conf, modules=["mod_ifsession.c"]) as srv:
        for user, refused, allowed in (("alice", "C", "P"),
                                       ("bob", "P", "C")):
            with Raw(srv.port) as c:
                c.reply()
                check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH")
                c.starttls()
                check_eq(c.cmd("USER " + user)[0], 331, "USER")
                check_eq(c.cmd("PASS " + USERS[user])[0], 230, "PASS")
                check_eq(c.cmd("PBSZ 0")[0], 200, "PBSZ")
                code, text = c.cmd("PROT " + refused)
                check_eq(code, 534, "%s: PROT %s" % (user, refused))
                check("SecureDataConn" in text, "reply names no directive: "
                      + text)
                check_eq(c.cmd("PROT " + allowed)[0], 200,
                         "%s: PROT %s" % (user, allowed))
        check(srv.wait_log(r"PROT refused .* by policy SecureDataConn: 534"),
              "refusal not logged: " + srv.log())


def _help_marks(port):
    with Raw(port) as c:
        c.reply()
        code, text = c.cmd("HELP")
        check_eq(code, 214, "HELP")
    return dict((w.rstrip("*"), not w.endswith("*"))
                for w in text.split() if w.rstrip("*").isupper())


@test
def help_lists_the_security_verbs_as_implemented():
    with Server("help", conf="SecureCtrlConn clear\n") as srv:
        marks = _help_marks(srv.port)
        for verb in ("AUTH", "PBSZ", "PROT", "CCC", "REIN"):
            check(marks.get(verb), "HELP marks %s unimplemented: %r" % (
                verb, marks))
    with Server("help_draft", conf="SecureRFCLevel draft\n") as srv:
        marks = _help_marks(srv.port)
        check(marks.get("AUTH"), "draft: AUTH unimplemented in HELP")
        for verb in ("CCC", "REIN"):
            check(marks.get(verb) is False, "draft answers %s with 50x, but "
                  "HELP marks it implemented: %r" % (verb, marks))


@test
def commands_pipelined_behind_ccc_and_rein_are_dropped():
    """What the client pipelines inside TLS behind CCC or REIN is never
    executed after the connection went clear, however the bytes were cut
    into records."""
    with Server("pipe_ccc", conf="SecureCtrlConn clear\n") as srv:
        for verb, reply in (("CCC", 200), ("REIN", 220)):
            with Raw(srv.port) as c:
                c.reply()
                check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH")
                c.starttls()
                check_eq(c.cmd("USER alice")[0], 331, "USER")
                check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS")
                c.send("%s\r\nMKD after-%s\r\n" % (verb, verb))
                check_eq(c.reply()[0], reply, verb)
                c.sock = c.sock.unwrap()
                check_eq(c.cmd("NOOP")[0], 200, "NOOP in the clear")
            check(not os.path.exists(os.path.join(srv.home("alice"),
                                                  "after-" + verb)),
                  "MKD pipelined behind %s was executed" % verb)


@test
def protection_required_without_engine_refused_at_startup():
    """SPEC 2: a configuration that cannot work is a startup error that
    says why; 'SecureFTP required' on a server without SecureEngine would
    otherwise accept every login in the clear."""
    for policy in ("SecureFTP required", "SecureDataConn private"):
        srv = Server("noengine", secure=False, conf=policy + "\n")
        out = srv.start_expecting_failure()
        check(policy in out and "SecureEngine" in out,
              "%s without SecureEngine: %s" % (policy, out[-1500:]))


@test
def notes_and_environment_names_and_formats():
    """SPEC 5 and 6 (Names and formats), as an admin's ExtendedLog sees
    them: session.notes and, with StdEnvVars, the same names in the
    environment."""
    certmap = _client_certmap("formats")
    names = ("SECFTP", "SECFTP_PROTOCOL", "SECFTP_CIPHER", "SECFTP_DATA_PROT",
             "SECFTP_CLIENT_SERIAL", "SECFTP_CLIENT_FINGERPRINT",
             "SECFTP_CERT_USER", "SECFTP_AUTH_METHOD")
    fmt = "|".join(["%m"] + ["%%{note:%s}" % n for n in names] +
                   ["%%{%s}e" % n for n in names])
    conf = ("SecureLogin verify_user\nSecureCACertificate {certs}/ca.crt\n"
            "SecureCertMap %s\nSecureOptions StdEnvVars\n"
            'LogFormat formats "%s"\n'
            "ExtendedLog {dir}/formats.log ALL formats\n" % (certmap, fmt))
    with Server("formats", conf=conf) as srv:
        f = harness.ftps(srv, "alice", context=harness.client_context(
            cert_name="client"))
        cipher, version = f.sock.cipher()[0], f.sock.version()
        f.prot_p()
        f.voidcmd("NOOP")
        f.quit()
        m = srv.wait_log(r"(?m)^NOOP\|.*$", name="formats.log")
        check(m, "no NOOP line: " + srv.log("formats.log"))
        fields = m.group(0).split("|")[1:]
        notes, env = fields[:len(names)], fields[len(names):]
        check_eq(env, notes, "environment (StdEnvVars) vs notes")
        got = dict(zip(names, notes))
        check_eq(got["SECFTP"], "1", "SECFTP")
        check_eq(got["SECFTP_PROTOCOL"], version, "SECFTP_PROTOCOL")
        check(re.fullmatch(r"TLSv1\.[23]", got["SECFTP_PROTOCOL"]),
              "SECFTP_PROTOCOL is not OpenSSL's name: %r" %
              got["SECFTP_PROTOCOL"])
        check_eq(got["SECFTP_CIPHER"], cipher, "SECFTP_CIPHER")
        check_eq(got["SECFTP_DATA_PROT"], "P", "SECFTP_DATA_PROT")
        check(re.fullmatch(r"[0-9A-F]+", got["SECFTP_CLIENT_SERIAL"]),
              "serial not upper-case hex: %r" % got["SECFTP_CLIENT_SERIAL"])
        check_eq(got["SECFTP_CLIENT_SERIAL"],
                 pki.serial(harness.cert("client.crt")), "serial")
        check(re.fullmatch(r"sha256:([0-9A-F]{2}:){31}[0-9A-F]{2}",
                           got["SECFTP_CLIENT_FINGERPRINT"]),
              "fingerprint format: %r" % got["SECFTP_CLIENT_FINGERPRINT"])
        check_eq(got["SECFTP_CERT_USER"], "alice", "SECFTP_CERT_USER")
        check_eq(got["SECFTP_AUTH_METHOD"], "certificate+password",
                 "SECFTP_AUTH_METHOD (verify_user, password required)")


@test
def rein_flushes_a_pending_user():
    """SPEC 3.1 (REIN: all state reset), RFC 959 4.1.1: REIN ends a login
    that USER began; a PASS after it is not a login."""
    with Server("rein_user") as srv:
        for tls in (False, True):
            with Raw(srv.port) as c:
                c.reply()
                if tls:
                    check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH")
                    c.starttls()
                check_eq(c.cmd("USER alice")[0], 331, "USER")
                check_eq(c.cmd("REIN")[0], 220, "REIN")
                if tls:
                    c.sock = c.sock.unwrap()
                code, text = c.cmd("PASS " + USERS["alice"])
                check(code in (503, 530), "PASS after REIN without USER "
                      "(tls=%s): %d %s" % (tls, code, text))
                check_eq(c.cmd("PWD")[0], 530, "PWD after that PASS")
                check_eq(c.cmd("USER alice")[0], 331, "USER again")
                check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS")


@test
def auth_requires_user_again():
    """RFC 2228 section 3 (and 4217 section 4): an accepted AUTH requires
    the user to reissue USER; a USER sent in the clear before AUTH begins
    no login that a protected PASS could complete."""
    with Server("auth_user") as srv:
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("USER alice")[0], 331, "USER in the clear")
            check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH after USER")
            c.starttls()
            code, text = c.cmd("PASS " + USERS["alice"])
            check(code in (503, 530), "PASS after AUTH without USER: %d %s"
                  % (code, text))
            check_eq(c.cmd("USER alice")[0], 331, "USER again")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS")
