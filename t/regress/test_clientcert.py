"""Client certificates bound to user IDs: SecureLogin levels, SecurePassword,
SecureCertMap rule kinds, SecurePortAccess, revocation, and what the
session publishes about the certificate (SPEC 2, 3.1, 3.2, 4, 5, 6)."""

import os
import re
import signal
import ssl
import tempfile
import time

import harness
import pki
from harness import (Raw, Server, USERS, cert, check, check_eq, client_context,
                     curl, implicit_vhost, lftp, run, test)


class Pki:
    """The test PKI: the Example CA (trusted), a Partner CA (trusted) and a
    Rogue CA (not trusted), each in its own directory."""

    def __init__(self, name):
        self.dir = tempfile.mkdtemp(prefix="pki-%s-" % name,
                                    dir=harness.run_dir())
        os.chmod(self.dir, 0o755)
        self.example = pki.CA(os.path.join(self.dir, "example"),
                              "/O=Example Corp/CN=Example CA")
        self.partner = pki.CA(os.path.join(self.dir, "partner"),
                              "/O=Partner Ltd/CN=Partner CA")
        self.rogue = pki.CA(os.path.join(self.dir, "rogue"),
                            "/O=Example Corp/CN=Example CA")
        self.trusted = os.path.join(self.dir, "trusted.pem")
        with open(self.trusted, "w") as out:
            for ca in (self.example, self.partner):
                with open(ca.crt) as f:
                    out.write(f.read())

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        path = self.path(name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def crl(self):
        """One PEM file with the current CRL of both trusted CAs (with
        CRL_CHECK_ALL every CA of a chain needs one)."""
        path = self.path("crls.pem")
        with open(path, "w") as out:
            for ca in (self.example, self.partner):
                with open(ca.crl()) as f:
                    out.write(f.read())
        return path


def add_users(srv, *names):
    """Adds accounts (alice's uid, home and password) to AuthUserFile."""
    passwd = os.path.join(srv.dir, "passwd")
    with open(passwd) as f:
        alice = [l for l in f.read().splitlines() if l.startswith("alice:")][0]
    with open(passwd, "a") as f:
        for name in names:
            f.write(name + alice[len("alice"):] + "\n")


def cert_ctx(crt_key):
    ctx = client_context()
    ctx.load_cert_chain(*crt_key)
    return ctx


def protected(srv, ctx=None):
    """A Raw control connection after AUTH TLS with ctx."""
    c = Raw(srv.port)
    check_eq(c.reply()[0], 220, "greeting")
    check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS")
    c.starttls(ctx)
    return c


def refused_handshake(srv, ctx):
    """True when the server refuses the client certificate of ctx: the
    handshake fails, or (TLS 1.3, where the client finishes first) the
    first command gets no reply."""
    c = Raw(srv.port)
    try:
        c.reply()
        c.cmd("AUTH TLS")
        try:
            c.starttls(ctx)
        except (ssl.SSLError, OSError):
            return True
        try:
            c.cmd("NOOP")
        except (ssl.SSLError, OSError, EOFError):
            return True
        return False
    finally:
        c.close()


def secure_conf(p, login, extra=""):
    return ("SecureLogin %s\nSecureCACertificate %s\n" % (login, p.trusted)
            + extra)


# Levels and verification ---------------------------------------------------

@test
def no_client_auth_sends_no_certificate_request():
    p = Pki("nca")
    with Server("nca") as srv:
        r = run(["openssl", "s_client", "-starttls", "ftp", "-connect",
                 "127.0.0.1:%d" % srv.port, "-CAfile", cert("ca.crt"),
                 "-msg", "-tls1_2"], input="QUIT\r\n", timeout=20)
        check("CertificateRequest" not in r.stdout,
              "CertificateRequest sent under no_client_auth")
    with Server("opt_req", conf=secure_conf(p, "optional")) as srv:
        r = run(["openssl", "s_client", "-starttls", "ftp", "-connect",
                 "127.0.0.1:%d" % srv.port, "-CAfile", cert("ca.crt"),
                 "-msg", "-tls1_2"], input="QUIT\r\n", timeout=20)
        check("CertificateRequest" in r.stdout,
              "no CertificateRequest under optional: " + r.stdout[-2000:])
        check("Partner CA" in r.stdout and "Example CA" in r.stdout,
              "CertificateRequest does not name the trusted CAs")


@test
def optional_level():
    p = Pki("optional")
    good = p.example.issue("good", "/O=Example Corp/CN=good")
    untrusted = p.rogue.issue("untrusted", "/O=Example Corp/CN=good")
    with Server("optional", conf=secure_conf(p, "optional")) as srv:
        # No certificate: requested, not required.
        f = harness.ftps(srv, "alice")
        check("hello.txt" in f.nlst(), "listing without certificate")
        f.quit()
        # A good one is verified and published.
        f = harness.ftps(srv, "bob", context=cert_ctx(good))
        f.quit()
        check(srv.wait_log(r"client certificate sha256:\S+ verified, "
                           r"subject 'CN=good,O=Example Corp'"),
              "verified certificate not logged: " + srv.log())
        # Sent, but not from a trusted CA: refused.
        check(refused_handshake(srv, cert_ctx(untrusted)),
              "untrusted certificate accepted under optional")
        check(srv.wait_log(r"client certificate refused \(SecureLogin\).*"
                           r"local issuer"), "refusal not logged: "
              + srv.log())


@test
def required_level_refusals():
    p = Pki("required")
    good = p.example.issue("good", "/O=Example Corp/CN=good")
    expired = p.example.issue("expired", "/O=Example Corp/CN=old",
                              start="20200101000000Z", end="20200201000000Z")
    untrusted = p.rogue.issue("untrusted", "/O=Example Corp/CN=good")
    revoked = p.partner.issue("revoked", "/O=Partner Ltd/CN=gone")
    p.partner.revoke(revoked[0])
    conf = secure_conf(p, "required", "SecureCARevocation %s\n" % p.crl())
    with Server("required", conf=conf) as srv:
        check(refused_handshake(srv, client_context()),
              "no certificate accepted under required")
        check(srv.wait_log(r"peer did not return a certificate|"
                           r"certificate required"),
              "missing certificate not logged: " + srv.log())
        for what, pair, reason in (
                ("expired", expired, "certificate has expired"),
                ("untrusted", untrusted, "unable to get local issuer"),
                ("revoked", revoked, "certificate revoked")):
            check(refused_handshake(srv, cert_ctx(pair)),
                  "%s certificate accepted under required" % what)
            check(srv.wait_log(r"client certificate refused \(SecureLogin\)"
                               r".*" + reason),
                  "%s: no '%s' in the log: %s" % (what, reason, srv.log()))
        f = harness.ftps(srv, "alice", context=cert_ctx(good))
        check("hello.txt" in f.nlst(), "listing with a good certificate")
        f.quit()


@test
def required_level_curl():
    p = Pki("req_curl")
    good = p.example.issue("good", "/O=Example Corp/CN=good")
    expired = p.example.issue("expired", "/O=Example Corp/CN=old",
                              start="20200101000000Z", end="20200201000000Z")
    with Server("req_curl", conf=secure_conf(p, "required")) as srv:
        url = "ftp://localhost:%d/" % srv.port
        base = ["--ssl-reqd", "--cacert", cert("ca.crt"), "-u",
                "alice:" + USERS["alice"]]
        r = curl(*(base + ["--cert", good[0], "--key", good[1], url]))
        check_eq(r.returncode, 0, "curl with a good certificate (%s)"
                 % r.stderr)
        check("hello.txt" in r.stdout, "curl listing: %r" % r.stdout)
        r = curl(*(base + [url]))
        check(r.returncode != 0, "curl without a certificate succeeded")
        r = curl(*(base + ["--cert", expired[0], "--key", expired[1], url]))
        check(r.returncode != 0, "curl with an expired certificate succeeded")


@test
def required_level_refuses_plain_user():
    p = Pki("req_plain")
    with Server("req_plain", conf=secure_conf(p, "required")) as srv:
        with Raw(srv.port) as c:
            c.reply()
            code, text = c.cmd("USER alice")
            check_eq(code, 530, "USER without TLS under SecureLogin required")
            check("SecureLogin" in text, "530 does not name the policy: "
                  + text)
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 503,
                     "PASS after a refused USER")


@test
def verify_depth_limits_chain():
    p = Pki("depth")
    inter = pki.CA(p.path("inter"), "/O=Example Corp/CN=Issuing CA",
                   parent=p.example, name="inter")
    leaf = inter.issue("leaf", "/O=Example Corp/CN=deep")
    chain = p.write("leaf-chain.pem", open(leaf[0]).read()
                    + open(inter.crt).read())
    for depth, ok in (("0", False), ("1", True)):
        conf = secure_conf(p, "required", "SecureVerifyDepth %s\n" % depth)
        with Server("depth" + depth, conf=conf) as srv:
            refused = refused_handshake(srv, cert_ctx((chain, leaf[1])))
            check_eq(refused, not ok, "refused at SecureVerifyDepth %s"
                     % depth)


# SecureCertMap rule kinds, verify_user, SecurePassword ---------------------

MAP = """\
# one exact certificate
cert {fp_exact}  alice
filter subject="OU=Payments,O=Example Corp" user=bob
filter subject="OU=Payments,O=Partner Ltd" issuer="CN=Partner CA,O=Partner Ltd" user=alice
filter issuer="CN=Partner CA,O=Partner Ltd" user=@CN
filter subject="OU=Uid,O=Example Corp" user=@UID
filter subject="OU=Mail,O=Example Corp" user=@email
filter subject="OU=Upn,O=Example Corp" user=@upn
cert {fp_nul}  bob
"""


def rule_kinds_setup(name, extra=""):
    p = Pki(name)
    ex, pa = p.example, p.partner
    certs = {
        # cert sha256: rule; the subject alone would map nothing.
        "exact": (ex.issue("exact", "/O=Example Corp/CN=someone"), "alice"),
        # subject filter (suffix, RDN by RDN).
        "subject": (ex.issue("subject",
                             "/O=Example Corp/OU=Payments/CN=Bob B"), "bob"),
        # subject+issuer beats issuer alone.
        "both": (pa.issue("both", "/O=Partner Ltd/OU=Payments/CN=carol"),
                 "alice"),
        # issuer filter, user from the CN.
        "issuer_cn": (pa.issue("issuer_cn", "/O=Partner Ltd/CN=carol"),
                      "carol"),
        "uid": (ex.issue("uid", "/O=Example Corp/OU=Uid/UID=bob/CN=B"),
                "bob"),
        "email": (ex.issue("email", "/O=Example Corp/OU=Mail/CN=M", ext=[
            "subjectAltName=email:mail.user@example.com"]),
                  "mail.user@example.com"),
        "upn": (ex.issue("upn", "/O=Example Corp/OU=Upn/CN=U", ext=[
            "subjectAltName=otherName:1.3.6.1.4.1.311.20.2.3;"
            "UTF8:dave@corp.example"]), "dave@corp.example"),
        # NUL in the CN: the issuer filter's @CN must not give "alice".
        "nul": (pa.issue_with_nul("nul", "/O=Partner Ltd/CN=alice~x",
                                  "alice"), None),
        # NUL, but registered by fingerprint: maps.
        "nul_exact": (pa.issue_with_nul("nul_exact",
                                        "/O=Partner Ltd/CN=bob~y", "bob"),
                      "bob"),
        "unmapped": (ex.issue("unmapped", "/O=Example Corp/CN=nobody"),
                     None),
    }
    certmap = p.write("certmap", MAP.format(
        fp_exact=pki.fingerprint(certs["exact"][0][0]),
        fp_nul=pki.fingerprint(certs["nul_exact"][0][0])))
    conf = secure_conf(p, "verify_user", "SecureCertMap %s\n" % certmap
                       + extra)
    srv = Server(name, conf=conf)
    add_users(srv, "carol", "mail.user@example.com", "dave@corp.example")
    return p, certs, srv


@test
def rule_kinds_map_users():
    p, certs, srv = rule_kinds_setup("kinds", "SecurePassword optional\n")
    with srv:
        for kind, (pair, user) in sorted(certs.items()):
            with protected(srv, cert_ctx(pair)) as c:
                if user is None:
                    code, text = c.cmd("USER alice")
                    check_eq(code, 530, "%s: USER alice" % kind)
                    continue
                code, text = c.cmd("USER " + user)
                check_eq(code, 232, "%s: USER %s (%s)" % (kind, user, text))
                code, text = c.cmd("PWD")
                check_eq(code, 257, "%s: PWD after 232" % kind)
        log = srv.log()
        check(re.search(r"maps to user 'alice' \(SecureCertMap \S+, line 2\)",
                        log), "exact rule line not logged: " + log)
        check(re.search(r"maps to user 'alice' \(SecureCertMap \S+, line 4\)",
                        log), "subject+issuer rule did not win: " + log)
        check(re.search(r"maps to no user: .*(NUL|control)", log),
              "NUL certificate decision not logged: " + log)
        check(re.search(r"maps to no user: .*no rule", log, re.I),
              "unmapped certificate decision not logged: " + log)


@test
def verify_user_530_at_user():
    p, certs, srv = rule_kinds_setup("verify_user")
    with srv:
        with protected(srv, cert_ctx(certs["subject"][0])) as c:
            # The certificate maps to bob: alice is refused at USER.
            code, text = c.cmd("USER alice")
            check_eq(code, 530, "USER alice with bob's certificate")
            check("SecureLogin" in text, "530 text: " + text)
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 503,
                     "PASS after the refused USER")
            check_eq(c.cmd("USER bob")[0], 331, "USER bob (password "
                     "still required)")
            check_eq(c.cmd("PASS wrong")[0], 530, "bob with a wrong password")
            check_eq(c.cmd("USER bob")[0], 331, "USER bob again")
            check_eq(c.cmd("PASS " + USERS["bob"])[0], 230, "bob logs in")
        check(srv.wait_log(r"USER alice refused \(SecureLogin verify_user\): "
                           r"the client certificate maps to another user"),
              "refusal reason not logged: " + srv.log())
        check(srv.wait_log(r"user bob logged in \(certificate\+password\)"),
              "auth method not logged: " + srv.log())
        with protected(srv, cert_ctx(certs["nul"][0])) as c:
            check_eq(c.cmd("USER alice")[0], 530,
                     "USER alice with the NUL-CN certificate")
        # curl: bob's certificate logs in bob, not alice.
        crt, key = certs["subject"][0]
        url = "ftp://localhost:%d/" % srv.port
        for user, ok in (("bob", True), ("alice", False)):
            r = curl("--ssl-reqd", "--cacert", cert("ca.crt"), "--cert", crt,
                     "--key", key, "-u", "%s:%s" % (user, USERS[user]), url)
            check_eq(r.returncode == 0, ok, "curl as %s with bob's "
                     "certificate (%s)" % (user, r.stderr.strip()))
            if ok:
                check("hello.txt" in r.stdout, "curl listing: %r" % r.stdout)


@test
def password_optional_binding_sequence():
    """USER bob -> USER alice -> USER bob: the waiver belongs to alice's USER
    only, and is gone with the next USER."""
    p = Pki("binding")
    alice = p.example.issue("alice", "/O=Example Corp/OU=People/CN=alice")
    certmap = p.write("certmap", 'filter issuer="CN=Example CA,O=Example '
                      'Corp" user=@CN\n')
    conf = secure_conf(p, "required", "SecureCertMap %s\n"
                       "SecurePassword optional\n" % certmap)
    with Server("binding", conf=conf) as srv:
        with protected(srv, cert_ctx(alice)) as c:
            check_eq(c.cmd("USER bob")[0], 331, "USER bob needs a password")
            check_eq(c.cmd("PASS alice-secret")[0], 530,
                     "bob with alice's password")
            check_eq(c.cmd("USER bob")[0], 331, "USER bob again")
            code, text = c.cmd("USER alice")
            check_eq(code, 232, "USER alice with alice's certificate")
            code, text = c.cmd("USER bob")
            check(code in (501, 530), "USER bob after alice's login: %d %s"
                  % (code, text))
            code, text = c.cmd("PWD")
            check_eq(code, 257, "still alice after USER bob")
        with protected(srv, cert_ctx(alice)) as c:
            # A password given anyway is not needed and not checked.
            check_eq(c.cmd("USER alice")[0], 232, "USER alice")
            check_eq(c.cmd("PASS anything")[0], 503, "PASS after 232")
            check_eq(c.cmd("NOOP")[0], 200, "session alive after PASS")
        with Raw(srv.port) as c:
            # Without TLS there is no certificate (and required refuses).
            c.reply()
            check_eq(c.cmd("USER alice")[0], 530, "plain USER alice")


@test
def failed_certificate_login_leaves_no_waiver():
    """A USER whose password was waived but whose login then fails must not
    leave mod_auth's 'authenticated without password' state to the next
    USER: the connection is closed."""
    p = Pki("stale")
    alice = p.example.issue("alice", "/O=Example Corp/CN=alice")
    certmap = p.write("certmap", 'filter issuer="CN=Example CA,O=Example '
                      'Corp" user=@CN\n')
    conf = secure_conf(p, "optional", "SecureCertMap %s\n"
                       "SecurePassword optional\n"
                       "<Limit LOGIN>\n  DenyUser alice\n</Limit>\n"
                       % certmap)
    with Server("stale", conf=conf) as srv:
        c = protected(srv, cert_ctx(alice))
        try:
            code, text = c.cmd("USER alice")
            check_eq(code, 530, "USER alice denied by <Limit LOGIN>")
            try:
                code, text = c.cmd("USER bob")
                code, text = c.cmd("PASS not-bobs-password")
                check(code != 230 and code != 232,
                      "bob logged in without his password: %d %s"
                      % (code, text))
            except (EOFError, OSError, ssl.SSLError):
                pass
            check(c.closed(), "connection left open after the failed "
                  "certificate login")
        finally:
            c.close()
        check(srv.wait_log(r"certificate login failed after the password "
                           r"was waived"), "not logged: " + srv.log())


@test
def password_optional_curl_and_lftp():
    p = Pki("nopass")
    alice = p.example.issue("alice", "/O=Example Corp/CN=alice")
    certmap = p.write("certmap", "cert %s alice\n" % pki.fingerprint(alice[0]))
    conf = secure_conf(p, "optional", "SecureCertMap %s\n"
                       "SecurePassword optional\n" % certmap)
    with Server("nopass", conf=conf) as srv:
        url = "ftp://localhost:%d/hello.txt" % srv.port
        for userpass in ("alice:", "alice:wrong-password"):
            r = curl("--ssl-reqd", "--cacert", cert("ca.crt"), "--cert",
                     alice[0], "--key", alice[1], "-u", userpass, url)
            check_eq(r.returncode, 0, "curl -u %s (%s)" % (userpass, r.stderr))
            check_eq(r.stdout, "hello from alice\n", "curl download")
        # bob still needs his password, certificate or not.
        r = curl("--ssl-reqd", "--cacert", cert("ca.crt"), "--cert",
                 alice[0], "--key", alice[1], "-u", "bob:", url)
        check(r.returncode != 0, "bob logged in without a password")
        r = lftp(srv, "cat hello.txt", extra_settings=(
            "set ssl:cert-file %s; set ssl:key-file %s;" % alice),
            user="alice")
        check_eq(r.returncode, 0, "lftp with alice's certificate (%s)"
                 % r.stderr)
        check("hello from alice" in r.stdout, "lftp cat: %r" % r.stdout)
        # lftp's stored password is ignored: prove it with a wrong one.
        saved = USERS["alice"]
        USERS["alice"] = "wrong-password"
        try:
            r = lftp(srv, "cat hello.txt", extra_settings=(
                "set ssl:cert-file %s; set ssl:key-file %s;" % alice))
        finally:
            USERS["alice"] = saved
        check_eq(r.returncode, 0, "lftp with a wrong password (%s)"
                 % r.stderr)
        check(srv.wait_log(r"user alice logged in \(certificate\)"),
              "auth method not logged: " + srv.log())


@test
def account_comes_from_auth_user_file():
    p = Pki("account")
    alice = p.example.issue("alice", "/O=Example Corp/CN=alice")
    certmap = p.write("certmap", 'filter subject="O=Example Corp" user=@CN\n')
    conf = secure_conf(p, "verify_user", "SecureCertMap %s\n"
                       "SecurePassword optional\n" % certmap)
    srv = Server("account", conf=conf)
    # A mapped name without an account cannot log in.
    ghost = p.example.issue("ghost", "/O=Example Corp/CN=ghost")
    with srv:
        f = harness.ftps(srv, context=cert_ctx(alice))
        check(f.sendcmd("USER alice").startswith("232"), "USER alice")
        check_eq(f.pwd(), "/", "chrooted to alice's home (DefaultRoot ~)")
        data = []
        f.prot_p()
        f.retrlines("RETR hello.txt", data.append)
        check_eq(data, ["hello from alice"], "alice's file")
        f.quit()
        with protected(srv, cert_ctx(ghost)) as c:
            try:
                code, text = c.cmd("USER ghost")
                check(code == 530, "USER ghost without an account: %d %s"
                      % (code, text))
            except (EOFError, OSError, ssl.SSLError):
                pass


@test
def port_access_users_and_groups():
    p = Pki("portaccess")
    ex = p.example
    certs = {n: ex.issue(n, "/O=Example Corp/CN=" + n)
             for n in ("alice", "bob", "carol")}
    certmap = p.write("certmap", 'filter subject="O=Example Corp" '
                      'user=@CN\n')
    conf = secure_conf(p, "verify_user", "SecureCertMap %s\n"
                       "SecurePortAccess bob @payments\n" % certmap)
    srv = Server("portaccess", conf=conf)
    add_users(srv, "carol")
    with open(os.path.join(srv.dir, "group"), "a") as f:
        f.write("payments:x:4242:carol\n")
    with srv:
        for user, allowed in (("alice", False), ("bob", True),
                              ("carol", True)):
            with protected(srv, cert_ctx(certs[user])) as c:
                code, text = c.cmd("USER " + user)
                if allowed:
                    check_eq(code, 331, "USER %s (listed)" % user)
                    check_eq(c.cmd("PASS " + USERS.get(user, "alice-secret")
                                   )[0], 230, "%s logs in" % user)
                else:
                    check_eq(code, 530, "USER %s (not listed)" % user)
                    check("SecurePortAccess" in text, "530 text: " + text)
        check(srv.wait_log(r"USER alice refused \(SecurePortAccess\)"),
              "refusal not logged: " + srv.log())


# Observability -------------------------------------------------------------

@test
def notes_in_extended_log_and_env():
    p = Pki("notes")
    alice = p.example.issue("alice", "/O=Example Corp/OU=People/CN=alice")
    nul = p.example.issue_with_nul("nul", "/O=Example Corp/CN=ev~l", "ev")
    certmap = p.write("certmap", "cert %s alice\n" % pki.fingerprint(alice[0]))
    conf = secure_conf(p, "optional", "SecureCertMap %s\n"
                       "SecurePassword optional\n"
                       "SecureOptions StdEnvVars ExportCertData\n"
                       'LogFormat certs "%%u|%%{note:SECFTP_CLIENT_S_DN}|'
                       '%%{note:SECFTP_CLIENT_I_DN}|'
                       '%%{note:SECFTP_CLIENT_SERIAL}|'
                       '%%{note:SECFTP_CLIENT_FINGERPRINT}|'
                       '%%{note:SECFTP_CERT_USER}|'
                       '%%{note:SECFTP_AUTH_METHOD}|'
                       '%%{note:SECFTP_CLIENT_CERT}|'
                       # %%{X}e is read at run time; %%{env:X} is expanded
                       # by ProFTPD's parser when it reads the file.
                       '%%{SECFTP_CLIENT_S_DN}e|%%{SECFTP_AUTH_METHOD}e"\n'
                       "ExtendedLog {dir}/certs.log ALL certs\n" % certmap)
    with Server("notes", conf=conf) as srv:
        f = harness.ftps(srv, context=cert_ctx(alice))
        f.sendcmd("USER alice")
        f.sendcmd("NOOP")
        f.quit()
        f = harness.ftps(srv, context=cert_ctx(nul))
        f.login("bob", USERS["bob"])
        f.sendcmd("NOOP")
        f.quit()
        srv.wait_log(r"(?m)^bob\|.*\|password\|", name="certs.log")
        log = srv.log("certs.log")
        line = [l for l in log.splitlines() if l.startswith("alice|")
                and "|certificate|" in l]
        check(line, "no certificate line in certs.log: " + log)
        fields = line[-1].split("|")
        check_eq(fields[1], "CN=alice,OU=People,O=Example Corp",
                 "SECFTP_CLIENT_S_DN")
        check_eq(fields[2], "CN=Example CA,O=Example Corp",
                 "SECFTP_CLIENT_I_DN")
        check_eq(fields[3], pki.serial(alice[0]), "SECFTP_CLIENT_SERIAL")
        check_eq(fields[4], pki.fingerprint(alice[0]),
                 "SECFTP_CLIENT_FINGERPRINT")
        check("BEGIN CERTIFICATE" in log, "no PEM (ExportCertData): " + log)
        # The PEM ends with a newline: the environment fields follow it.
        env = [l for l in log.splitlines()
               if l == "|CN=alice,OU=People,O=Example Corp|certificate"]
        check(env, "SECFTP_CLIENT_S_DN / SECFTP_AUTH_METHOD not in the "
              "environment (StdEnvVars): " + log)
        bob = [l for l in log.splitlines() if l.startswith("bob|")
               and "|password|" in l]
        check(bob, "no password line for bob: " + log)
        check(bob[-1].split("|")[1] == "CN=ev\\00l,O=Example Corp",
              "NUL not escaped in SECFTP_CLIENT_S_DN: %r" % bob[-1])


# Startup and reload ---------------------------------------------------------

@test
def startup_refusals():
    p = Pki("startup")
    certmap = p.write("certmap", "filter subject=\"O=Example Corp\" "
                      "user=@CN\n")
    bad_map = p.write("bad_map", "# comment\n\nfilter subject= user=x\n")
    tie_map = p.write("tie_map", 'filter subject="O=A" user=a\n'
                      'filter subject="o=A" user=b\n')
    cases = [
        ("SecureLogin verify_user\nSecureCACertificate %s\n" % p.trusted,
         "SecureCertMap"),
        ("SecureLogin required\n", "SecureCACertificate"),
        ("SecurePassword optional\nSecureCertMap %s\n" % certmap,
         "no_client_auth"),
        ("SecureLogin required\nSecureCACertificate %s\n"
         "SecurePortAccess bob\n" % p.trusted, "SecurePortAccess"),
        ("SecureLogin required\nSecureCACertificate %s\n"
         "SecureCertMap %s\n" % (p.trusted, bad_map), bad_map + ":3"),
        ("SecureLogin required\nSecureCACertificate %s\n"
         "SecureCertMap %s\n" % (p.trusted, tie_map), tie_map + ":2"),
        ("SecureCACertificate %s/missing.pem\n" % p.dir, "missing.pem"),
        ("SecureLogin required\nSecureCACertificate %s\n"
         "SecureCARevocation %s\n" % (p.trusted, certmap), "no PEM CRL"),
    ]
    for i, (conf, want) in enumerate(cases):
        srv = Server("startup%d" % i, conf=conf)
        out = srv.start_expecting_failure()
        check(want in out, "case %d: expected %r in: %s" % (i, want, out))


@test
def certmap_reloaded_on_sighup():
    p = Pki("reload")
    alice = p.example.issue("alice", "/O=Example Corp/CN=alice")
    certmap = p.write("certmap", "cert %s bob\n" % pki.fingerprint(alice[0]))
    conf = secure_conf(p, "verify_user", "SecureCertMap %s\n" % certmap)
    with Server("reload", conf=conf) as srv:
        with protected(srv, cert_ctx(alice)) as c:
            check_eq(c.cmd("USER alice")[0], 530, "USER alice before reload")
        p.write("certmap", "cert %s alice\n" % pki.fingerprint(alice[0]))
        os.kill(srv.proc.pid, signal.SIGHUP)
        deadline = time.time() + 10
        code = None
        while time.time() < deadline:
            time.sleep(0.3)
            try:
                with protected(srv, cert_ctx(alice)) as c:
                    code = c.cmd("USER alice")[0]
                if code == 331:
                    break
            except (OSError, EOFError, ssl.SSLError):
                pass
        check_eq(code, 331, "USER alice after the map changed and SIGHUP")


@test
def implicit_port_certificate_login():
    """The certificate of an implicit-FTPS handshake (before the 220) maps
    like one after AUTH TLS."""
    p = Pki("implicit")
    alice = p.example.issue("alice", "/O=Example Corp/CN=alice")
    certmap = p.write("certmap", 'filter subject="O=Example Corp" '
                      'user=@CN\n')
    vhost = implicit_vhost("  SecureLogin verify_user\n"
                           "  SecureCACertificate %s\n"
                           "  SecureCertMap %s\n"
                           "  SecurePassword optional" % (p.trusted, certmap),
                           log="secftp.log")
    with Server("implicit", vhosts=vhost) as srv:
        with Raw(srv.port2, implicit_ctx=cert_ctx(alice)) as c:
            check_eq(c.reply()[0], 220, "implicit greeting")
            check_eq(c.cmd("USER bob")[0], 530, "USER bob on the implicit "
                     "port")
            check_eq(c.cmd("USER alice")[0], 232, "USER alice on the "
                     "implicit port")
        with Raw(srv.port) as c:
            # The default server has no certificate policy.
            c.reply()
            check_eq(c.cmd("USER alice")[0], 331, "USER alice on the "
                     "explicit port")


@test
def refusal_names_secure_ftp_first():
    p = Pki("order")
    conf = secure_conf(p, "required", "SecureFTP required\n")
    with Server("order", conf=conf) as srv:
        with Raw(srv.port) as c:
            c.reply()
            code, text = c.cmd("USER alice")
            check_eq(code, 530, "plain USER")
            check("SecureFTP" in text, "reply does not name SecureFTP: "
                  + text)


@test
def runtime_tie_maps_nothing():
    """Two different filters of equal rank for one certificate: no user,
    and the log names both lines (fail closed)."""
    p = Pki("tie")
    crt = p.example.issue("tied", "/O=Example Corp/OU=X/CN=alice")
    certmap = p.write("certmap",
                      'filter subject="O=Example Corp" '
                      'issuer="O=Example Corp" user=alice\n'
                      'filter subject="OU=X,O=Example Corp" user=alice\n')
    conf = secure_conf(p, "verify_user", "SecureCertMap %s\n" % certmap)
    with Server("tie", conf=conf) as srv:
        with protected(srv, cert_ctx(crt)) as c:
            check_eq(c.cmd("USER alice")[0], 530, "USER alice on a tie")
        check(srv.wait_log(r"maps to no user: two filters match equally "
                           r"well \(SecureCertMap \S+, lines 1 and 2\)|"
                           r"lines 2 and 1\)"),
              "tie not logged: " + srv.log())


@test
def ca_and_crl_directories():
    """SecureCACertificate and SecureCARevocation as hashed directories
    (openssl rehash), as an admin with many CAs would set them up."""
    p = Pki("dirs")
    good = p.partner.issue("good", "/O=Partner Ltd/CN=good")
    revoked = p.partner.issue("revoked", "/O=Partner Ltd/CN=gone")
    p.partner.revoke(revoked[0])
    cadir, crldir = p.path("cadir"), p.path("crldir")
    os.makedirs(cadir)
    os.makedirs(crldir)
    for ca in (p.example, p.partner):
        name = os.path.basename(ca.dir)
        with open(ca.crt) as f:
            p.write("cadir/%s.pem" % name, f.read())
        with open(ca.crl()) as f:
            p.write("crldir/%s.crl.pem" % name, f.read())
    for d in (cadir, crldir):
        r = run(["openssl", "rehash", d])
        check_eq(r.returncode, 0, "openssl rehash %s (%s)" % (d, r.stderr))
    conf = ("SecureLogin required\nSecureCACertificate %s\n"
            "SecureCARevocation %s\n" % (cadir, crldir))
    with Server("dirs", conf=conf) as srv:
        check(refused_handshake(srv, cert_ctx(revoked)),
              "revoked certificate accepted (CRL directory)")
        check(srv.wait_log(r"certificate revoked"), "revocation not logged: "
              + srv.log())
        check(not refused_handshake(srv, cert_ctx(good)),
              "good certificate refused (CA directory)")


@test
def binding_reset_by_user_rein_auth_ccc():
    """Under verify_user, PASS completes a login only for the USER the
    certificate vouched for; REIN, AUTH and CCC in between end that."""
    p = Pki("reset")
    alice = p.example.issue("alice", "/O=Example Corp/CN=alice")
    certmap = p.write("certmap", 'filter subject="O=Example Corp" '
                      'user=@CN\n')
    conf = secure_conf(p, "verify_user", "SecureCertMap %s\n" % certmap)
    with Server("reset", conf=conf) as srv:
        for between in ("REIN", "AUTH TLS", "CCC"):
            with protected(srv, cert_ctx(alice)) as c:
                check_eq(c.cmd("USER alice")[0], 331, "USER alice")
                code, _ = c.cmd(between)
                if code == 220:
                    c.sock = c.sock.unwrap()    # REIN: TLS ends
                code, text = c.cmd("PASS " + USERS["alice"])
                check(code in (503, 530), "PASS after USER alice, %s: %d %s"
                      % (between, code, text))
        with protected(srv, cert_ctx(alice)) as c:
            check_eq(c.cmd("USER alice")[0], 331, "USER alice")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230,
                     "PASS right after USER alice")


@test
def rein_login_again_needs_the_certificate():
    """After REIN the session is logged out; logging in again under
    verify_user needs a protected connection with a certificate that maps
    to the account, like the first login."""
    p = Pki("rein")
    alice = p.example.issue("alice", "/O=Example Corp/CN=alice")
    bob = p.example.issue("bob", "/O=Example Corp/CN=bob")
    certmap = p.write("certmap", 'filter subject="O=Example Corp" '
                      'user=@CN\n')
    conf = secure_conf(p, "verify_user", "SecureCertMap %s\n" % certmap)
    with Server("rein", conf=conf) as srv:
        with protected(srv, cert_ctx(alice)) as c:
            check_eq(c.cmd("USER alice")[0], 331, "USER alice")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS")
            check_eq(c.cmd("REIN")[0], 220, "REIN")
            c.sock = c.sock.unwrap()
            code, text = c.cmd("USER alice")
            check_eq(code, 530, "USER alice again without TLS")
            check("SecureLogin" in text, "530 text: " + text)
            check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS again")
            c.starttls(cert_ctx(bob))
            check_eq(c.cmd("USER alice")[0], 530,
                     "USER alice again with bob's certificate")
        with protected(srv, cert_ctx(alice)) as c:
            check_eq(c.cmd("USER alice")[0], 331, "USER alice")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS")
            check_eq(c.cmd("REIN")[0], 220, "REIN")
            c.sock = c.sock.unwrap()
            check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS again")
            c.starttls(cert_ctx(alice))
            check_eq(c.cmd("USER alice")[0], 331, "USER alice again")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230,
                     "logged in again")


@test
def certificate_for_a_missing_account_gets_530_and_stays():
    """SPEC 6.1: a certificate that maps to a name no account has is
    answered like a wrong password: 530, and the connection stays."""
    p = Pki("ghost")
    ghost = p.example.issue("ghost", "/O=Example Corp/CN=ghost")
    certmap = p.write("certmap", 'filter issuer="CN=Example CA,O=Example '
                      'Corp" user=@CN\n')
    conf = secure_conf(p, "optional", "SecureCertMap %s\n"
                       "SecurePassword optional\n" % certmap)
    with Server("ghost", conf=conf) as srv:
        with protected(srv, cert_ctx(ghost)) as c:
            code, text = c.cmd("USER ghost")
            check_eq(code, 530, "USER ghost (no such account): " + text)
            check_eq(c.cmd("NOOP")[0], 200, "connection alive after 530")
            check_eq(c.cmd("PWD")[0], 530, "not logged in")
            # The session is still usable: a real account logs in.
            check_eq(c.cmd("USER alice")[0], 331, "USER alice")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS alice")
            check_eq(c.cmd("PWD")[0], 257, "alice logged in")
        log = srv.log()
        check("no such account" in log, "refusal not logged: " + log)
