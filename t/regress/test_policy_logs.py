"""SPEC 6.1 (Logs are not a channel for the client), issue 13.

Hostile USER names (ESC, BEL, a bare CR, bidi controls, invalid UTF-8),
SNI names with CR/LF/ESC (StrictSNI and not, and after HOST), and a
UserAlias that SecurePortAccess must see through.  SecureFTPLog and the
TraceLog must never carry a raw control byte, DEL or invalid UTF-8, and
no forged line; an SNI that is not a DNS host name is refused.
"""

import os
import re
import ssl
import tempfile

import harness
import pki
from harness import Server, USERS, check, check_eq, test
import stress

FORGED = "user root logged in (certificate)"

HOSTILE_USERS = (b"root\x1b[2J\x07", b"a\rb" + FORGED.encode(),
                 b"evil\xe2\x80\xaegpj", b"bad\xc3\x28utf8\xe2\x82", b"del\x7fx",
                 b"nel\xc2\x85" + FORGED.encode())


def example_ca(name):
    """A CA, and the configuration of verify_user with a certificate map
    (CN = user) trusting it."""
    d = tempfile.mkdtemp(prefix="pki-%s-" % name, dir=harness.run_dir())
    os.chmod(d, 0o755)
    ca = pki.CA(os.path.join(d, "example"), "/O=Example Corp/CN=Example CA")
    certmap = os.path.join(d, "certmap")
    with open(certmap, "w") as fh:
        fh.write('filter subject="O=Example Corp" user=@CN\n')
    return ca, ("SecureLogin verify_user\nSecureCACertificate %s\n"
                "SecureCertMap %s\n" % (ca.crt, certmap))


def log_bytes(srv):
    out = b""
    for name in ("secftp.log", "trace.log"):
        try:
            with open("%s/%s" % (srv.dir, name), "rb") as fh:
                out += fh.read()
        except OSError:
            pass
    return out


def raw_controls(data):
    """Lines holding a control byte other than the line end, DEL, or
    bytes that are not UTF-8."""
    bad = []
    for line in data.split(b"\n"):
        if re.search(rb"[\x00-\x1f\x7f]", line):
            bad.append(line)
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(line)
            continue
        if re.search("[\u0080-\u009f\u200b-\u200f\u202a-\u202e"
                     "\u2066-\u2069\ufeff]", text):
            bad.append(line)
    return bad


def protected(srv):
    sock = stress.connect(srv.port)
    check(sock.recv(4096).startswith(b"220"), "greeting")
    sock.sendall(b"AUTH TLS\r\n")
    check(sock.recv(4096).startswith(b"234"), "AUTH TLS")
    return stress.TLSConn(sock).handshake()


def hello_with_sni(name):
    """A real ClientHello whose server_name is name (same length as a
    placeholder, so every length field stays right)."""
    placeholder = b"a" * len(name)
    ctx = harness.client_context(ca=False)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing,
                       server_hostname=placeholder.decode())
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    check(hello.count(placeholder) == 1, "placeholder not in the hello")
    return hello.replace(placeholder, name)


def send_hello(srv, hello, host=None):
    sock = stress.connect(srv.port)
    sock.recv(4096)
    if host is not None:
        sock.sendall(b"HOST " + host + b"\r\n")
        sock.recv(4096)
    sock.sendall(b"AUTH TLS\r\n")
    check(sock.recv(4096).startswith(b"234"), "AUTH TLS")
    sock.sendall(hello)
    sock.settimeout(10)
    reply = b""
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    except OSError:
        pass
    sock.close()
    return reply


@test
def hostile_user_names_are_escaped_in_logs():
    ca, conf = example_ca("logsuser")
    crt = ca.issue("bob", "/O=Example Corp/CN=bob")
    with Server("logs_user", conf=conf, trace="secftp.policy:20") as srv:
        for name in HOSTILE_USERS:
            ctx = harness.client_context(ca=False)
            ctx.load_cert_chain(*crt)
            sock = stress.connect(srv.port)
            check(sock.recv(4096).startswith(b"220"), "greeting")
            sock.sendall(b"AUTH TLS\r\n")
            check(sock.recv(4096).startswith(b"234"), "AUTH TLS")
            c = stress.TLSConn(sock, ctx=ctx).handshake()
            c.send(b"USER " + name + b"\r\n")
            code, text = c.reply()
            check_eq(code, 530, "USER %r" % name)
            c.close()
        data = log_bytes(srv)
        check(data.count(b"refused (SecureLogin") >= len(HOSTILE_USERS),
              "refusals not logged: %r" % data[-800:])
        check(not raw_controls(data), "raw controls in logs: %r"
              % raw_controls(data)[:5])
        check(not re.search(rb"(^|\n)[^\n]*\] ?" + FORGED.encode(), data)
              and b"\n" + FORGED.encode() not in data,
              "a forged line: %r" % data[-800:])
        check(b"\\x1B[2J\\x07" in data and b"\\u{202E}" in data,
              "escapes not found: %r" % data[-800:])


@test
def sni_that_is_not_a_host_name_is_refused_and_escaped():
    hostile = (b"x\r\n" + FORGED.encode()).replace(b" ", b"\x1b")
    for strict, host in ((True, None), (False, None), (False, b"localhost")):
        conf = "SecureOptions StrictSNI\n" if strict else ""
        with Server("logs_sni", conf=conf) as srv:
            reply = send_hello(srv, hello_with_sni(hostile), host)
            check(reply[:1] == b"\x15", "no alert for a hostile SNI "
                  "(strict=%s, host=%s): %r" % (strict, host, reply[:20]))
            data = log_bytes(srv)
            check(b"is not a DNS host name" in data,
                  "refusal not logged: %r" % data[-500:])
            check(not raw_controls(data), "raw controls in logs: %r"
                  % raw_controls(data)[:5])
            if not strict:
                # a normal session still works
                c = protected(srv)
                check_eq(c.cmd("USER alice")[0], 331, "USER after")
                check_eq(c.cmd("PASS " + USERS["alice"])[0], 230,
                         "PASS after")
                c.close()


@test
def port_access_decides_on_the_aliased_account():
    """UserAlias payroll -> alice, a certificate mapping to 'payroll',
    'SecurePortAccess payroll bob': alice must not get in under the alias
    (SecurePortAccess decides on the account that logs in)."""
    ca, base = example_ca("portalias")
    crt = ca.issue("payroll", "/O=Example Corp/CN=payroll")
    conf = base + "SecurePortAccess payroll bob\nUserAlias payroll alice\n"
    with Server("logs_alias", conf=conf) as srv:
        ctx = harness.client_context()
        ctx.load_cert_chain(*crt)
        c = harness.Raw(srv.port)
        check_eq(c.reply()[0], 220, "greeting")
        check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS")
        c.starttls(ctx)
        code, text = c.cmd("USER payroll")
        if code == 331:
            code, text = c.cmd("PASS " + USERS["alice"])
        check_eq(code, 530, "USER payroll (alice) under SecurePortAccess: "
                 + text)
        check("SecurePortAccess" in text, "530 text: " + text)
        c.close()
        check("user alice may not log in" in srv.log(),
              "refusal does not name the account: " + srv.log()[-500:])


@test
def password_waiver_decides_on_the_aliased_account():
    """UserAlias payroll -> alice and a certificate mapping to 'payroll'
    under SecurePassword optional: the certificate vouches for 'payroll',
    not for the account alice, so the password is not waived."""
    ca, base = example_ca("passalias")
    crt = ca.issue("payroll", "/O=Example Corp/CN=payroll")
    conf = (base.replace("verify_user", "optional") +
            "SecurePassword optional\nUserAlias payroll alice\n")
    with Server("logs_passalias", conf=conf) as srv:
        ctx = harness.client_context()
        ctx.load_cert_chain(*crt)
        c = harness.Raw(srv.port)
        check_eq(c.reply()[0], 220, "greeting")
        check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS")
        c.starttls(ctx)
        code, text = c.cmd("USER payroll")
        check_eq(code, 331, "USER payroll (alice): a password is needed: "
                 + text)
        code, text = c.cmd("PASS wrong")
        check_eq(code, 530, "wrong password for alice under the alias")
        c.close()
