"""Certificates in operation (SPEC 6.1, issue 14): a certificate's dates
take only its own vhost's TLS out of service, at startup and across a
reload (SIGHUP) with sessions running; expiry warnings
(SecureCertificateWarning); private key file modes; SecureCertificateChain;
per-vhost SecureFTPLog and the vhost tag of its lines; data handshake lines
(SecureOptions LogDataHandshakes)."""

import datetime
import os
import re
import signal
import ssl
import threading
import time

import harness
from harness import (Raw, Server, TestFailure, cert, certs, check, check_eq,
                     client_context, ftps, protected_client, put_file, run,
                     run_dir, test)
from pki import CA, _newkey

SERVER_EXT = ["subjectAltName=DNS:localhost,IP:127.0.0.1",
              "extendedKeyUsage=serverAuth"]

_pki = {}
_pki_lock = threading.Lock()


def _stamp(delta):
    """An `openssl ca` date, delta from now."""
    t = datetime.datetime.now(datetime.timezone.utc) + delta
    return t.strftime("%Y%m%d%H%M%SZ")


def pki():
    """A root CA, an intermediate CA under it, and server certificates:
    expired, not yet valid, expiring in 10 days, and a leaf of the
    intermediate."""
    with _pki_lock:
        if _pki:
            return _pki
        # Each test runs in its own process: one PKI per process.
        d = os.path.join(run_dir(), "cert-validity-%d" % os.getpid())
        root = CA(os.path.join(d, "root"), "/O=Validity/CN=Validity Root")
        inter = CA(os.path.join(d, "inter"), "/O=Validity/CN=Validity "
                   "Intermediate", parent=root, name="inter")
        day = datetime.timedelta(days=1)

        def server(ca, name, start=None, end=None):
            crt = os.path.join(ca.dir, name + ".crt")
            key = os.path.join(ca.dir, name + ".key")
            _newkey(key)
            ca._sign(key, crt, "/O=Validity/CN=%s" % name, SERVER_EXT, name,
                     start=start, end=end)
            return crt, key

        _pki.update(
            root=root.crt, inter=inter.crt,
            expired=server(root, "expired", "20200101000000Z",
                           "20200201000000Z"),
            future=server(root, "future", _stamp(3650 * day),
                          _stamp(3700 * day)),
            soon=server(root, "soon", _stamp(-day), _stamp(10 * day)),
            chained=server(inter, "chained"))
        return _pki


def vhost(crt, key, extra="", log="vhost.log", port="{port2}"):
    return """
<VirtualHost 127.0.0.1>
  Port %s
  ServerName "second vhost"
  SecureEngine on
  SecureCertificate %s %s
  SecureFTPLog {dir}/%s
  AuthOrder mod_auth_file.c
  AuthUserFile {dir}/passwd
  AuthGroupFile {dir}/group
  RequireValidShell off
  DefaultRoot ~
%s
</VirtualHost>
""" % (port, crt, key, log, extra)


def auth_reply(port):
    with Raw(port) as c:
        c.reply()
        return c.cmd("AUTH TLS")


def system_log(srv):
    return srv.log("proftpd.log")


def wait_system_log(srv, pattern, timeout=10):
    return srv.wait_log(pattern, name="proftpd.log", timeout=timeout)


def expect_431(port, state):
    code, text = auth_reply(port)
    check_eq(code, 431, "AUTH on the vhost whose certificate %s" % state)
    check(state in text and "valid from" in text and
          "SecureCertificate" in text,
          "431 does not name the certificate, its dates and the "
          "directive: " + text)
    return text


def login_works(srv, port=None):
    f = ftps(srv, "alice", port=port)
    f.prot_p()
    data = []
    f.retrbinary("RETR hello.txt", data.append)
    f.quit()
    check_eq(b"".join(data), b"hello from alice\n", "download after reload")


@test
def reload_with_one_vhost_expired_keeps_the_daemon():
    """The Done-means test of issue 14: SIGHUP with one vhost's
    certificate expired.  The daemon, the other vhost and a transfer in
    progress live on; that vhost answers 431 and SystemLog says why."""
    p = pki()
    good = (os.path.join(certs(), "server.crt"),
            os.path.join(certs(), "server.key"))
    srv = Server("reload_expired", vhosts=vhost(*good))
    big = os.urandom(8 * 1024 * 1024)
    with srv:
        put_file(srv, "alice", "big.bin", big)
        login_works(srv, port=srv.port2)
        f = protected_client(srv)
        f.voidcmd("TYPE I")
        conn = f.transfercmd("RETR big.bin")
        got = [conn.recv(65536)]

        with open(srv.conf_path) as fh:
            text = fh.read()
        old = "  SecureCertificate %s %s\n" % good
        check(text.count(old) == 1, "no vhost certificate line to replace")
        with open(srv.conf_path, "w") as fh:
            fh.write(text.replace(old, "  SecureCertificate %s %s\n" %
                                  p["expired"]))
        os.kill(srv.proc.pid, signal.SIGHUP)
        line = wait_system_log(srv, r".*expired\.crt.*has expired.*OUT OF "
                               r"SERVICE.*")
        check(line is not None, "SystemLog does not say why the vhost is "
              "out of service: " + system_log(srv))
        check("[second vhost 127.0.0.1:%d]" % srv.port2 in line.group(0),
              "the SystemLog line names no vhost: " + line.group(0))
        check("2020-02-01 00:00:00 UTC" in line.group(0),
              "the SystemLog line gives no dates: " + line.group(0))

        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            got.append(chunk)
        conn.close()
        f.voidresp()
        check(b"".join(got) == big, "the transfer running across the "
              "reload lost data")
        f.quit()

        check(srv.proc.poll() is None, "the daemon stopped at the reload: "
              + srv.startup_output())
        login_works(srv)
        expect_431(srv.port2, "has expired")
        check(wait_system_log(srv, r"refusing TLS: .*expired\.crt") is not
              None, "the refused AUTH is not in SystemLog")
        check(srv.wait_log(r"\[second vhost [^]]*\] .*AUTH refused .*431",
                           name="vhost.log") is not None,
              "the refused AUTH is not in the vhost's SecureFTPLog: " +
              srv.log("vhost.log"))


@test
def not_yet_valid_vhost_at_startup():
    """A certificate not valid before 10 years from now: the daemon starts,
    the default server serves, the vhost answers 431, and an implicit
    FTPS vhost with such a certificate closes connections."""
    p = pki()
    implicit = vhost(*p["future"], extra="  SecureImplicit on",
                     log="implicit.log", port="{port3}")
    srv = Server("future_cert", vhosts=vhost(
        *p["future"], extra="  SecureFTP required") + implicit)
    port3 = srv.base + 2
    with open(srv.conf_path) as fh:
        text = fh.read().replace("{port3}", str(port3))
    with open(srv.conf_path, "w") as fh:
        fh.write(text)
    with srv:
        check(wait_system_log(srv, r"future\.crt.*is not yet valid.*OUT OF "
                              r"SERVICE") is not None,
              "no startup line: " + system_log(srv))
        check(srv.wait_log(r"future\.crt.*is not yet valid",
                           name="vhost.log") is not None,
              "the vhost's SecureFTPLog says nothing at startup")
        expect_431(srv.port2, "is not yet valid")
        with Raw(srv.port2) as c:
            c.reply()
            code, text = c.cmd("USER alice")
            check_eq(code, 530, "USER under SecureFTP required, TLS out of "
                     "service")
        login_works(srv)
        ctx = client_context(ca=False)
        try:
            with Raw(port3, implicit_ctx=ctx) as c:
                c.reply()
            raise TestFailure("the implicit handshake with a not yet valid "
                              "certificate succeeded")
        except (ssl.SSLError, OSError, EOFError, ConnectionError):
            pass
        check(wait_system_log(srv, r"refusing TLS: .*future\.crt") is not
              None, "the refused implicit connection is not in SystemLog")


@test
def expired_at_startup_is_not_fatal():
    """An expired certificate of the only server: proftpd starts (it used
    to refuse), AUTH answers 431 with the dates, plain FTP serves on."""
    p = pki()
    srv = Server("expired_start", secure=False, conf="SecureEngine on\n"
                 "SecureCertificate %s %s\nSecureFTPLog {dir}/secftp.log\n"
                 % p["expired"])
    r = run(["/usr/sbin/proftpd", "-t", "-c", srv.conf_path], timeout=60)
    check(r.returncode == 0 and "has expired" in r.stdout + r.stderr,
          "proftpd -t does not pass, or does not show the expired "
          "certificate: %s %s" % (r.stdout, r.stderr))
    with srv:
        text = expect_431(srv.port, "has expired")
        check("2020-01-01 00:00:00 UTC" in text, "no notBefore: " + text)

    # The same with an expired SecureKeyring: the log names the keyring.
    d = os.path.dirname(p["expired"][0])
    p12 = os.path.join(d, "expired-%d.p12" % os.getpid())
    r = run(["openssl", "pkcs12", "-export", "-inkey", p["expired"][1],
             "-in", p["expired"][0], "-passout", "pass:secret", "-out", p12],
            timeout=60)
    check(os.path.exists(p12), "could not make a keyring: " + r.stderr)
    passfile = os.path.join(harness.trusted_dir("cert-validity"),
                            "pass-%d" % os.getpid())
    with open(passfile, "w") as fh:
        fh.write("secret\n")
    os.chmod(passfile, 0o600)
    srv = Server("expired_p12", secure=False, conf="SecureEngine on\n"
                 "SecureKeyring %s\nSecurePassPhraseProvider %s\n" %
                 (p12, passfile))
    with srv:
        expect_431(srv.port, "has expired")
        check(wait_system_log(srv, r"'%s' \(/O=Validity/CN=expired\) has "
                              r"expired.*OUT OF SERVICE" % re.escape(p12))
              is not None, "SystemLog does not name the keyring: " +
              system_log(srv))


@test
def expiry_warning_at_start_and_restart():
    """A certificate expiring in 10 days: a warning at startup and at
    every restart, in SystemLog and SecureFTPLog; none with
    SecureCertificateWarning 5d or off."""
    p = pki()
    srv = Server("soon", secure=False, conf="SecureEngine on\n"
                 "SecureCertificate %s %s\nSecureFTPLog {dir}/secftp.log\n"
                 % p["soon"])
    pattern = r"warning: certificate '[^']*soon\.crt' .* expires in (9|10) " \
        r"days?, on .* UTC \(SecureCertificateWarning\)"
    with srv:
        check(wait_system_log(srv, pattern) is not None,
              "no warning in SystemLog: " + system_log(srv))
        check(srv.wait_log(pattern) is not None,
              "no warning in SecureFTPLog: " + srv.log())
        before = len(system_log(srv).splitlines())
        os.kill(srv.proc.pid, signal.SIGHUP)
        deadline = time.time() + 10
        while time.time() < deadline:
            lines = system_log(srv).splitlines()[before:]
            if any(re.search(pattern, ln) for ln in lines):
                break
            time.sleep(0.1)
        else:
            raise TestFailure("no warning after SIGHUP: " + system_log(srv))
        check(srv.proc.poll() is None, "the daemon stopped at the restart")

    for value in ("5d", "off"):
        quiet = Server("soon_" + value, secure=False, conf="SecureEngine on\n"
                       "SecureCertificate %s %s\nSecureCertificateWarning %s\n"
                       "SecureFTPLog {dir}/secftp.log\n" % (p["soon"] +
                                                            (value,)))
        with quiet:
            check_eq(auth_reply(quiet.port)[0], 234, "AUTH TLS")
            check("SecureCertificateWarning" not in system_log(quiet),
                  "a warning under SecureCertificateWarning %s: %s" %
                  (value, system_log(quiet)))


def _key_copy(mode, name):
    src = os.path.join(certs(), "server.key")
    d = os.path.join(run_dir(), "key-modes")
    os.makedirs(d, exist_ok=True)
    dst = os.path.join(d, name)
    with open(src, "rb") as a, open(dst, "wb") as b:
        b.write(a.read())
    os.chmod(dst, mode)
    return dst


@test
def world_readable_key_is_a_startup_error():
    crt = os.path.join(certs(), "server.crt")
    for mode, what in ((0o644, "readable"), (0o602, "writable")):
        key = _key_copy(mode, "key-%o.key" % mode)
        srv = Server("key_%o" % mode, secure=False, conf="SecureEngine on\n"
                     "SecureCertificate %s %s\n" % (crt, key))
        out = srv.start_expecting_failure()
        check(key in out and ("%s by others" % what) in out,
              "mode %o: the error does not name the file: %s" % (mode, out))
    p12 = os.path.join(run_dir(), "key-modes", "open.p12")
    r = run(["openssl", "pkcs12", "-export", "-inkey", cert("server.key"),
             "-in", cert("server.crt"), "-passout", "pass:secret", "-out",
             p12], timeout=60)
    check(os.path.exists(p12), "could not make a keyring: " + r.stderr)
    os.chmod(p12, 0o604)
    srv = Server("p12_604", secure=False, conf="SecureEngine on\n"
                 "SecureKeyring %s\n" % p12)
    out = srv.start_expecting_failure()
    check(p12 in out and "readable by others" in out and "SecureKeyring" in
          out, "a world-readable keyring: the error does not name the "
          "file: " + out)
    key = _key_copy(0o640, "group.key")
    ok = Server("key_640", secure=False, conf="SecureEngine on\n"
                "SecureCertificate %s %s\n" % (crt, key))
    with ok:
        login_works(ok)


@test
def certificate_chain_is_served():
    """SecureCertificateChain: a client that trusts only the root verifies
    a leaf of the intermediate; without the directive it cannot."""
    p = pki()
    crt, key = p["chained"]
    for chain, verifies in ((True, True), (False, False)):
        conf = "SecureEngine on\nSecureCertificate %s %s\n" % (crt, key)
        if chain:
            conf += "SecureCertificateChain %s\n" % p["inter"]
        srv = Server("chain_%s" % chain, secure=False, conf=conf)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(p["root"])
        with srv:
            try:
                f = ftps(srv, "alice", context=ctx)
                f.quit()
                ok = True
            except ssl.SSLCertVerificationError:
                ok = False
            check_eq(ok, verifies, "verification against the root only, "
                     "chain %s" % ("served" if chain else "not configured"))


@test
def per_vhost_log_and_data_handshake_lines():
    """Each vhost writes its own SecureFTPLog, every line tagged with the
    vhost; SecureOptions LogDataHandshakes adds a line per protected data
    connection; without it there is none."""
    good = (os.path.join(certs(), "server.crt"),
            os.path.join(certs(), "server.key"))
    srv = Server("vhost_logs", conf="SecureOptions LogDataHandshakes\n",
                 vhosts=vhost(*good))
    with srv:
        login_works(srv)
        login_works(srv, port=srv.port2)
        main_line = srv.wait_log(r"\[mod_secftp test 127\.0\.0\.1:%d\] "
                                 r"data connection from 127\.0\.0\.1 "
                                 r"protected: TLSv1\.[23], \S+, "
                                 r"(resumed|full handshake)" % srv.port)
        check(main_line is not None, "no data handshake line: " + srv.log())
        check(srv.wait_log(r"\[second vhost 127\.0\.0\.1:%d\] AUTH TLS: "
                           r"control connection" % srv.port2,
                           name="vhost.log") is not None,
              "the vhost's own log lacks its handshake: " +
              srv.log("vhost.log"))
        check("second vhost" not in srv.log(), "the default server's log "
              "has the vhost's lines")
        check("data connection from" not in srv.log("vhost.log"),
              "data handshake lines without LogDataHandshakes")


NAMED_VHOST = """
<VirtualHost 127.0.0.1>
  Port {port}
  ServerName "old.test"
  ServerAlias old.test
  SecureEngine on
  SecureCertificate %s %s
  SecureFTPLog {dir}/old.log
</VirtualHost>
"""


@test
def name_based_vhost_out_of_service_by_sni_and_host():
    """A name-based vhost (same port) whose certificate has expired: SNI
    naming it ends the handshake with an alert, HOST naming it makes AUTH
    answer 431; the default server on that port serves on."""
    p = pki()
    srv = Server("sni_expired")
    with open(srv.conf_path, "a") as fh:
        fh.write((NAMED_VHOST % p["expired"]).replace(
            "{port}", str(srv.port)).replace("{dir}", srv.dir))
    with srv:
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS (default server)")
            ctx = client_context(ca=False)
            try:
                c.sock = ctx.wrap_socket(c.sock, server_hostname="old.test")
                raise TestFailure("the handshake with SNI old.test, whose "
                                  "certificate expired, succeeded")
            except (ssl.SSLError, OSError):
                pass
        check(srv.wait_log(r"SNI 'old\.test' names virtual host 'old\.test',"
                           r" whose TLS is out of service") is not None,
              "the SNI refusal is not logged: " + srv.log())
        check(wait_system_log(srv, r"server 'old\.test': refusing TLS: .*"
                              r"expired\.crt") is not None,
              "the SNI refusal is not in SystemLog: " + system_log(srv))
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("HOST old.test")[0], 220, "HOST old.test")
            code, text = c.cmd("AUTH TLS")
            check_eq(code, 431, "AUTH TLS after HOST old.test")
            check("has expired" in text, "431 gives no reason: " + text)
        login_works(srv)


def _with_include(name, text):
    srv = Server(name, conf="Include {dir}/inc.conf\n")
    path = os.path.join(srv.dir, "inc.conf")
    with open(path, "w") as fh:
        fh.write(text.replace("{port2}", str(srv.port2)))
    return srv, path


@test
def post_parse_errors_name_file_and_line():
    """Checks made once the configuration is read name the file and line
    of the directive concerned, inside an Include'd file too."""
    cases = [
        ("<VirtualHost 127.0.0.1>\n  Port {port2}\n  SecureFTP required\n"
         "</VirtualHost>\n", "SecureFTP on line 3 of '%s'"),
        ("# a comment\n<VirtualHost 127.0.0.1>\n  Port {port2}\n"
         "  SecureEngine on\n</VirtualHost>\n",
         "SecureEngine on line 4 of '%s'"),
        ("\nSecureProtocol TLSv1.3\nCipherSuite "
         "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n",
         "CipherSuite on line 3 of '%s'"),
        ("\nSecureLogin required\n", "SecureLogin on line 2 of '%s'"),
        ("SecureSessionCache redis\n",
         "SecureSessionCache on line 1 of '%s'"),
    ]
    for i, (text, want) in enumerate(cases):
        srv, path = _with_include("postparse_%d" % i, text)
        out = srv.start_expecting_failure()
        check(want % path in out, "the error does not name %r: %s" %
              (want % path, out))


@test
def error_in_included_file_stands_alone():
    """ProFTPD only warns about an Include'd file with an error and starts
    without the rest of it; the module refuses to start, with one message
    after ProFTPD's, and no follow-on errors of its own."""
    srv, path = _with_include(
        "include_error", "<VirtualHost 127.0.0.1>\n  Port {port2}\n"
        "  SecureFTP bogus\n  SecureEngine on\n</VirtualHost>\n")
    out = srv.start_expecting_failure()
    check("bad value 'bogus'" in out and "line 3 of '%s'" % path in out,
          "the error itself is not reported with its line: " + out)
    check("refusing to start: '%s' was not included" % path in out,
          "no single closing message: " + out)
    mine = [ln for ln in out.splitlines() if "mod_secftp/" in ln]
    check(len(mine) == 1, "follow-on mod_secftp errors: %s" % mine)


def _module_with_short_check_interval(seconds):
    """mod_secftp built with a daily check every few seconds, in a
    ModulePath of its own (next to Debian's modules)."""
    from harness import ROOT, SYSTEM_MODULES
    d = os.path.join(run_dir(), "short-interval-%d" % os.getpid())
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(SYSTEM_MODULES):
        if name.endswith(".so") and name != "mod_secftp.so":
            os.symlink(os.path.join(SYSTEM_MODULES, name),
                       os.path.join(d, name))
    srcs = ["mod_secftp.c"] + sorted(
        os.path.join("lib", "secftp", n) for n in
        os.listdir(os.path.join(ROOT, "lib", "secftp")) if n.endswith(".c"))
    r = run(["gcc", "-DLINUX", "-DPR_SHARED_MODULE", "-DHAVE_CONFIG_H",
             "-I.", "-Ilib", "-isystem", "/usr/include/proftpd",
             "-std=gnu99", "-O1", "-fPIC", "-shared",
             "-DSECFTP_CERT_CHECK_INTERVAL=%d" % seconds,
             "-o", os.path.join(d, "mod_secftp.so")] + srcs +
            ["-lssl", "-lcrypto"], timeout=300, cwd=ROOT)
    check(r.returncode == 0, "could not build the module: " + r.stderr)
    return d


@test
def expiry_warning_repeats_in_the_running_daemon():
    """The daily check is a timer in the daemon: with the interval cut to
    2 seconds, the warning comes again while the daemon runs, from the
    daemon's pid, after a restart too; sessions do not run it."""
    p = pki()
    modules = _module_with_short_check_interval(2)
    srv = Server("daily", secure=False, conf="SecureEngine on\n"
                 "SecureCertificate %s %s\nSecureFTPLog {dir}/secftp.log\n"
                 % p["soon"])
    text = re.sub(r"(?m)^ModulePath .*$", "ModulePath " + modules,
                  srv.conf_text)
    with open(srv.conf_path, "w") as fh:
        fh.write(text)
    pattern = r"proftpd\[(\d+)\].*soon\.crt.*expires in"

    def warnings():
        return re.findall(pattern, system_log(srv))

    with srv:
        with Raw(srv.port) as c:
            c.reply()
            deadline = time.time() + 15
            while len(warnings()) < 3 and time.time() < deadline:
                time.sleep(0.2)
            check(c.cmd("NOOP")[0] == 200, "the session died")
        pids = set(warnings())
        check(len(warnings()) >= 3, "the check did not repeat: " +
              system_log(srv))
        check_eq(pids, {str(srv.proc.pid)}, "processes that warned")
        os.kill(srv.proc.pid, signal.SIGHUP)
        check(wait_system_log(srv, r"received SIGHUP") is not None,
              "no restart")
        before = len(warnings())
        deadline = time.time() + 15
        while len(warnings()) < before + 2 and time.time() < deadline:
            time.sleep(0.2)
        check(len(warnings()) >= before + 2, "no repeated check after the "
              "restart: " + system_log(srv))


@test
def failed_restart_is_in_system_log():
    """A reload whose configuration the module cannot use (here a vhost
    with SecureEngine on and no certificate) still stops the daemon, but
    SystemLog now says why, with the file and line."""
    good = (os.path.join(certs(), "server.crt"),
            os.path.join(certs(), "server.key"))
    srv = Server("restart_fails", vhosts=vhost(*good))
    with srv:
        with open(srv.conf_path) as fh:
            text = fh.read()
        old = "  SecureCertificate %s %s\n" % good
        check(text.count(old) == 1, "no vhost certificate line to remove")
        with open(srv.conf_path, "w") as fh:
            fh.write(text.replace(old, ""))
        os.kill(srv.proc.pid, signal.SIGHUP)
        try:
            srv.proc.wait(timeout=15)
        except Exception:
            raise TestFailure("the daemon went on without a certificate")
        line = wait_system_log(srv, r".*SecureEngine on for server 'second "
                               r"vhost' needs a SecureCertificate.*")
        check(line is not None and "line " in line.group(0) and
              srv.conf_path in line.group(0),
              "SystemLog does not say why the reload failed: " +
              system_log(srv))
        check(wait_system_log(srv, r"unusable TLS configuration, refusing "
                              r"to start") is not None,
              "no fatal line in SystemLog: " + system_log(srv))
