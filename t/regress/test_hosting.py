"""Hosting: SNI and name-based virtual hosts, keyrings and passphrases,
SecureMasqueradeAddress, OCSP for client certificates."""

import os
import signal
import socket
import ssl
import time

import harness
from harness import (Raw, Server, USERS, cert, check, check_eq, client_context,
                     curl, implicit_vhost, lftp, run, test)
from ocsppki import Responder, ocsp_pki


def name_cert(d, name, org="mod_secftp demo"):
    """An ECDSA key and a CA-signed certificate for the DNS name name, in
    directory d; returns (crt, key)."""
    crt, key = os.path.join(d, name + ".crt"), os.path.join(d, name + ".key")
    ext = os.path.join(d, name + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n" % name)
    run(["openssl", "req", "-new", "-newkey", "ec",
         "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
         "-out", crt + ".csr", "-subj", "/O=%s/CN=%s" % (org, name)],
        timeout=60)
    r = run(["openssl", "x509", "-req", "-in", crt + ".csr",
             "-CA", cert("ca.crt"), "-CAkey", cert("ca.key"),
             "-CAcreateserial", "-CAserial", os.path.join(d, "ca.srl"),
             "-out", crt, "-days", "2", "-extfile", ext], timeout=60)
    check(os.path.exists(crt), "could not issue %s: %s" % (name, r.stderr))
    os.chmod(key, 0o600)
    return crt, key


VHOST = """
<VirtualHost 127.0.0.1>
  Port {port}
  ServerName "{name}"
  ServerAlias {name}
  SecureEngine on
  SecureCertificate {crt} {key}
  SecureFTPLog {dir}/secftp-{name}.log
  AuthOrder mod_auth_file.c
  AuthUserFile {dir}/passwd
  AuthGroupFile {dir}/group
  RequireValidShell off
  DefaultRoot ~
  {extra}
</VirtualHost>
"""


def sni_server(name, names, conf="", extra=None):
    """A server whose default host has the usual localhost certificate and
    one name-based <VirtualHost> per entry of names, on the same port,
    each with its own certificate (and extra directives)."""
    srv = Server(name, conf=conf)
    d = os.path.join(srv.dir, "names")
    os.makedirs(d)
    text = ""
    for n in names:
        crt, key = name_cert(d, n)
        text += VHOST.format(port=srv.port, name=n, crt=crt, key=key,
                             dir=srv.dir, extra=(extra or {}).get(n, ""))
    with open(srv.conf_path, "a") as f:
        f.write(text)
    return srv


def leaf_subject(port, servername=None, host_first=None):
    """Connects with openssl s_client -starttls ftp (optionally after a HOST
    command, sent by hand) and returns (subject line of the leaf, output)."""
    argv = ["openssl", "s_client", "-starttls", "ftp", "-connect",
            "127.0.0.1:%d" % port, "-CAfile", cert("ca.crt")]
    argv += ["-servername", servername] if servername else ["-noservername"]
    r = run(argv, input="QUIT\r\n", timeout=20)
    out = r.stdout + r.stderr
    for line in out.splitlines():
        if line.strip().startswith("0 s:"):
            return line.strip()[4:], out
    return None, out


def tls_connect(port, servername, host=None, ctx=None):
    """AUTH TLS on a raw connection, with SNI servername (None: no SNI),
    after HOST host if given.  Returns the Raw, protected."""
    c = Raw(port)
    check_eq(c.reply()[0], 220, "greeting")
    if host:
        code, text = c.cmd("HOST " + host)
        check_eq(code, 220, "HOST %s (%s)" % (host, text))
    check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS")
    if ctx is None:
        ctx = client_context()
        if servername is None:
            ctx.check_hostname = False
    c.sock = ctx.wrap_socket(c.sock, server_hostname=servername)
    return c


def peer_cn(c):
    cert_der = c.sock.getpeercert()
    for rdn in cert_der["subject"]:
        for k, v in rdn:
            if k == "commonName":
                return v
    return None


@test
def sni_selects_vhost_certificate():
    srv = sni_server("sni_cert", ["a.test", "b.test"])
    with srv:
        for sni, want in (("a.test", "CN = a.test"), ("b.test", "CN = b.test"),
                          ("B.TEST", "CN = b.test"),
                          (None, "CN = localhost"),
                          ("nowhere.test", "CN = localhost"),
                          ("127.0.0.1", "CN = localhost")):
            subject, out = leaf_subject(srv.port, sni)
            check(subject is not None and subject.endswith(want),
                  "SNI %r: expected leaf %r, got %r: %s" % (
                      sni, want, subject, out[-800:]))
        check("SNI 'a.test' selects virtual host 'a.test'" in srv.log(),
              "SecureFTPLog lacks the SNI decision: " + srv.log())


@test
def sni_vhost_policy_governs_session():
    # b.test allows no protected data; a.test is the default policy.
    srv = sni_server("sni_policy", ["a.test", "b.test"],
                     extra={"b.test": "SecureDataConn never\n"
                                      "  SecureProtocol TLSv1.2"})
    bob_only = os.path.join(srv.dir, "passwd-b.test")
    with open(os.path.join(srv.dir, "passwd")) as f:
        lines = [l for l in f if l.startswith("bob:")]
    with open(bob_only, "w") as f:
        f.writelines(lines)
    os.chmod(bob_only, 0o600)
    text = open(srv.conf_path).read()
    head, sep, tail = text.partition('ServerName "b.test"')
    tail = tail.replace("AuthUserFile %s/passwd" % srv.dir,
                        "AuthUserFile " + bob_only, 1)
    with open(srv.conf_path, "w") as f:
        f.write(head + sep + tail)
    with srv:
        # The protocol versions of the chosen host apply to the handshake
        # that named it.
        with tls_connect(srv.port, "a.test") as c:
            check_eq(c.sock.version(), "TLSv1.3", "a.test version")
        with tls_connect(srv.port, "b.test") as c:
            check_eq(c.sock.version(), "TLSv1.2", "b.test version")
        with tls_connect(srv.port, "a.test") as c:
            check_eq(peer_cn(c), "a.test", "certificate for a.test")
            check_eq(c.cmd("PBSZ 0")[0], 200, "PBSZ on a.test")
            check_eq(c.cmd("PROT P")[0], 200, "PROT P on a.test")
        with tls_connect(srv.port, "b.test") as c:
            check_eq(peer_cn(c), "b.test", "certificate for b.test")
            check_eq(c.cmd("PBSZ 0")[0], 200, "PBSZ on b.test")
            code, text = c.cmd("PROT P")
            check_eq(code, 534, "PROT P on b.test (SecureDataConn never): " +
                     text)
        # b.test's own AuthUserFile, which knows bob only, governs logins
        # on b.test: the switch re-initialised the auth modules.
        with tls_connect(srv.port, "b.test") as c:
            check_eq(c.cmd("USER alice")[0], 331, "USER alice on b.test")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 530,
                     "alice on b.test, whose user file lacks her")
        with tls_connect(srv.port, "b.test") as c:
            c.cmd("USER bob")
            check_eq(c.cmd("PASS " + USERS["bob"])[0], 230, "bob on b.test")
        with tls_connect(srv.port, "a.test") as c:
            c.cmd("USER alice")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230,
                     "alice on a.test")
        check("PROT P refused" in srv.log("secftp-b.test.log"),
              "b.test's own SecureFTPLog lacks the refusal: %r" %
              srv.log("secftp-b.test.log"))


@test
def sni_vhost_client_certificates():
    # Only b.test asks for client certificates; the listening server and
    # a.test do not.
    extra = "SecureLogin required\n  SecureCACertificate %s" % cert("ca.crt")
    srv = sni_server("sni_clientcert", ["a.test", "b.test"],
                     extra={"b.test": extra})
    with srv:
        for sni, want_request in (("a.test", False), ("b.test", True),
                                  (None, False)):
            argv = ["openssl", "s_client", "-starttls", "ftp", "-connect",
                    "127.0.0.1:%d" % srv.port, "-CAfile", cert("ca.crt")]
            argv += ["-servername", sni] if sni else ["-noservername"]
            out = run(argv, input="QUIT\r\n", timeout=20)
            text = out.stdout + out.stderr
            asked = "Acceptable client certificate CA names" in text
            check_eq(asked, want_request, "SNI %r: certificate request" % sni)
            if want_request:
                check("CN = mod_secftp demo CA" in text.split(
                    "Acceptable client certificate CA names")[1][:200],
                      "b.test's CA not named: " + text[-1500:])
        with tls_connect(srv.port, "b.test",
                         ctx=client_context(cert_name="client")) as c:
            check_eq(peer_cn(c), "b.test", "b.test with a client cert")
            check_eq(c.cmd("NOOP")[0], 200, "NOOP with a client cert")
        try:
            with tls_connect(srv.port, "b.test") as c:
                c.cmd("NOOP")
            check(False, "b.test accepted a client without a certificate")
        except (ssl.SSLError, EOFError, ConnectionError):
            pass


@test
def sni_vhost_ciphers_and_groups():
    # Cipher suites and key-exchange groups follow the SNI vhost too.
    srv = sni_server("sni_ciphers", ["a.test", "b.test"], extra={
        "b.test": "SecureGroups P-384\n"
                  "  CipherSuite TLS_CHACHA20_POLY1305_SHA256 "
                  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"})
    with srv:
        for sni, suite, group in (
                ("a.test", "TLS_AES_128_GCM_SHA256", "X25519"),
                ("b.test", "TLS_CHACHA20_POLY1305_SHA256", "secp384r1")):
            r = run(["openssl", "s_client", "-starttls", "ftp", "-connect",
                     "127.0.0.1:%d" % srv.port, "-CAfile", cert("ca.crt"),
                     "-servername", sni, "-brief"],
                    input="QUIT\r\n", timeout=20)
            out = r.stdout + r.stderr
            check("Ciphersuite: " + suite in out,
                  "%s: expected %s: %s" % (sni, suite, out[-800:]))
            check("Server Temp Key: " in out and group in out.split(
                "Server Temp Key: ")[1].split("\n")[0],
                  "%s: expected group %s: %s" % (sni, group, out[-800:]))


@test
def sni_curl_several_names():
    srv = sni_server("sni_curl", ["a.test", "b.test"])
    with srv:
        for name in ("a.test", "b.test"):
            r = curl("--ssl-reqd", "--cacert", cert("ca.crt"),
                     "--resolve", "%s:%d:127.0.0.1" % (name, srv.port),
                     "-u", "alice:" + USERS["alice"],
                     "ftp://%s:%d/hello.txt" % (name, srv.port))
            check_eq(r.returncode, 0, "curl %s exit (%s)" % (name, r.stderr))
            check_eq(r.stdout, "hello from alice\n", "curl %s download" % name)
        # The name is verified against the vhost's certificate: the default
        # certificate (localhost) would make curl fail for these names.
        r = curl("--ssl-reqd", "--cacert", cert("ca.crt"),
                 "--resolve", "c.test:%d:127.0.0.1" % srv.port,
                 "-u", "alice:" + USERS["alice"],
                 "ftp://c.test:%d/" % srv.port)
        check(r.returncode != 0, "curl accepted c.test with no vhost for it")


@test
def sni_lftp_named_vhost():
    # The default server gets a certificate for another name; only the
    # vhost named localhost has a certificate lftp accepts for localhost.
    srv = Server("sni_lftp", secure=False, conf="SecureEngine on\n"
                 "SecureFTPLog {dir}/secftp.log\n")
    d = os.path.join(srv.dir, "names")
    os.makedirs(d)
    dcrt, dkey = name_cert(d, "default.test")
    lcrt, lkey = name_cert(d, "localhost", org="localhost vhost")
    with open(srv.conf_path, "a") as f:
        f.write("SecureCertificate %s %s\n" % (dcrt, dkey))
        f.write(VHOST.format(port=srv.port, name="localhost", crt=lcrt,
                             key=lkey, dir=srv.dir, extra=""))
    with srv:
        r = lftp(srv, "ls")
        check_eq(r.returncode, 0, "lftp exit (%s)" % r.stderr)
        check("hello.txt" in r.stdout, "lftp listing: %r" % r.stdout)
        subject, out = leaf_subject(srv.port, None)
        check(subject and subject.endswith("CN = default.test"),
              "no SNI should get the default certificate: %r" % subject)


@test
def sni_strict_refuses_unknown_names():
    srv = sni_server("sni_strict", ["a.test"],
                     conf="SecureOptions StrictSNI\n")
    with srv:
        try:
            tls_connect(srv.port, "nowhere.test")
            check(False, "StrictSNI accepted an unknown SNI")
        except ssl.SSLError as e:
            check("UNRECOGNIZED_NAME" in str(e).upper(),
                  "expected an unrecognized_name alert, got %s" % e)
        check("names no virtual host (SecureOptions StrictSNI)" in srv.log(),
              "refusal not logged: " + srv.log())
        with tls_connect(srv.port, "a.test") as c:
            check_eq(peer_cn(c), "a.test", "known name under StrictSNI")
        # An IP literal is ignored, not refused as an unknown name.
        subject, out = leaf_subject(srv.port, "127.0.0.1")
        check(subject and subject.endswith("CN = localhost"),
              "IP literal SNI under StrictSNI: %r: %s" % (subject, out[-600:]))
        with tls_connect(srv.port, None) as c:
            check_eq(peer_cn(c), "localhost", "no SNI under StrictSNI")
            check_eq(c.cmd("NOOP")[0], 200, "NOOP")


@test
def sni_implicit_port():
    # The implicit FTPS port's own server owns the address; a name-based
    # vhost on that port is chosen by SNI before the protected greeting.
    srv = Server("sni_implicit")
    d = os.path.join(srv.dir, "names")
    os.makedirs(d)
    crt, key = name_cert(d, "a.test")
    text = implicit_vhost().replace("{certs}", os.path.dirname(cert("ca.crt")))
    text += VHOST.format(port=srv.port2, name="a.test", crt=crt, key=key,
                         dir=srv.dir, extra="SecureImplicit on")
    with open(srv.conf_path, "a") as f:
        f.write(text.replace("{port2}", str(srv.port2)).replace(
            "{dir}", srv.dir))
    with srv:
        r = curl("--cacert", cert("ca.crt"), "--resolve",
                 "a.test:%d:127.0.0.1" % srv.port2, "-u",
                 "alice:" + USERS["alice"],
                 "ftps://a.test:%d/hello.txt" % srv.port2)
        check_eq(r.returncode, 0, "curl ftps://a.test exit (%s)" % r.stderr)
        check_eq(r.stdout, "hello from alice\n", "implicit download")
        check("SNI 'a.test' selects virtual host 'a.test'" in
              srv.log("secftp-implicit.log"), "SNI not logged: %r" %
              srv.log("secftp-implicit.log"))


@test
def sni_host_before_auth():
    srv = sni_server("sni_host", ["a.test", "b.test"])
    with srv:
        # HOST selects the vhost; a handshake without SNI gets its cert.
        with tls_connect(srv.port, None, host="a.test") as c:
            check_eq(peer_cn(c), "a.test", "certificate after HOST a.test")
            check_eq(c.cmd("NOOP")[0], 200, "NOOP")
        with tls_connect(srv.port, "a.test", host="a.test") as c:
            check_eq(peer_cn(c), "a.test", "HOST and SNI agree")
        # An SNI that disagrees with HOST is a fatal alert.
        try:
            tls_connect(srv.port, "b.test", host="a.test")
            check(False, "SNI b.test accepted after HOST a.test")
        except (ssl.SSLError, ConnectionError) as e:
            check("ACCESS_DENIED" in str(e).upper() or
                  isinstance(e, ConnectionError),
                  "expected access_denied, got %s" % e)
        check("SNI 'b.test' disagrees with HOST 'a.test'" in
              srv.log("secftp-a.test.log") + srv.log(),
              "mismatch not logged: %r" % (srv.log("secftp-a.test.log") +
                                           srv.log()))


# Keys: PKCS#12 keyrings, encrypted PEM keys, passphrase providers.

PASSPHRASE = "correct horse battery staple"


def keys_dir(srv):
    d = os.path.join(srv.dir, "keys")
    os.makedirs(d, exist_ok=True)
    return d


def keyring(d, name, passphrase):
    """A PKCS#12 file with a key, certificate and the test CA as chain."""
    crt, key = name_cert(d, name, org="keyring")
    p12 = os.path.join(d, name + ".p12")
    run(["openssl", "pkcs12", "-export", "-inkey", key, "-in", crt,
         "-certfile", cert("ca.crt"), "-passout", "pass:" + passphrase,
         "-out", p12], timeout=60)
    check(os.path.exists(p12), "could not make " + p12)
    return p12


def encrypted_key(d, name, passphrase):
    crt, key = name_cert(d, name, org="encrypted")
    enc = os.path.join(d, name + ".enc.key")
    run(["openssl", "pkey", "-in", key, "-aes256", "-passout",
         "pass:" + passphrase, "-out", enc], timeout=60)
    check("ENCRYPTED" in open(enc).read(), "key not encrypted")
    return crt, enc


def trusted_dir(d):
    """Where this server's provider lives (see harness.trusted_dir)."""
    return harness.trusted_dir(os.path.basename(os.path.dirname(d)))


def provider_program(d, passphrase, status=0):
    """A root-only program that prints passphrase and records each call
    (its argument) in calls.log."""
    path = os.path.join(trusted_dir(d), "provider.sh")
    with open(path, "w") as f:
        f.write("#!/bin/sh\necho \"$1\" >> %s/calls.log\nprintf '%%s\\n' "
                "'%s'\nexit %d\n" % (d, passphrase, status))
    os.chmod(path, 0o700)
    return path


def passphrase_file(d, passphrase, mode=0o600):
    path = os.path.join(trusted_dir(d), "passphrase")
    with open(path, "w") as f:
        f.write(passphrase + "\nsecond line is ignored\n")
    os.chmod(path, mode)
    return path


def keys_server(name, conf_fn):
    """A server whose certificate configuration conf_fn(keys dir) writes."""
    srv = Server(name, secure=False)
    d = keys_dir(srv)
    with open(srv.conf_path, "a") as f:
        f.write("SecureEngine on\nSecureFTPLog %s/secftp.log\n" % srv.dir)
        f.write(conf_fn(d))
    return srv, d


def served_cn(srv, servername="localhost"):
    subject, out = leaf_subject(srv.port, servername)
    check(subject is not None, "no certificate served: " + out[-800:])
    check("Verify return code: 0" in out, "not verified: " + out[-800:])
    return subject


@test
def keyring_with_provider_program():
    def conf(d):
        p12 = keyring(d, "localhost", PASSPHRASE)
        return "SecureKeyring %s\nSecurePassPhraseProvider %s\n" % (
            p12, provider_program(d, PASSPHRASE))
    srv, d = keys_server("keyring_program", conf)
    with srv:
        check(served_cn(srv).startswith("O = keyring"),
              "the keyring's certificate is not the one served")
        r = curl("--ssl-reqd", "--cacert", cert("ca.crt"), "-u",
                 "alice:" + USERS["alice"],
                 "ftp://localhost:%d/hello.txt" % srv.port)
        check_eq(r.returncode, 0, "curl exit (%s)" % r.stderr)
        check_eq(r.stdout, "hello from alice\n", "download")
        calls = open(os.path.join(d, "calls.log")).read().split()
        check_eq(calls, [os.path.join(d, "localhost.p12")],
                 "provider calls (once, at startup, with the key file)")
        # A restart (SIGHUP) reads the keys again, asking once more.
        os.kill(srv.proc.pid, signal.SIGHUP)
        deadline = time.time() + 10
        while len(open(os.path.join(d, "calls.log")).read().split()) < 2:
            check(time.time() < deadline, "no provider call at restart")
            time.sleep(0.1)
        time.sleep(0.5)
        check(served_cn(srv).startswith("O = keyring"), "after restart")
        calls = open(os.path.join(d, "calls.log")).read().split()
        check_eq(len(calls), 2, "provider calls after one restart")


@test
def keyring_without_passphrase():
    # A keyring exported with an empty password needs no provider.
    srv, d = keys_server("keyring_nopass", lambda d: "SecureKeyring %s\n" %
                         keyring(d, "localhost", ""))
    with srv:
        check(served_cn(srv).startswith("O = keyring"),
              "the keyring's certificate is not the one served")


@test
def encrypted_pem_with_passphrase_file():
    def conf(d):
        crt, enc = encrypted_key(d, "localhost", PASSPHRASE)
        return "SecurePassPhraseProvider %s\nSecureCertificate %s %s\n" % (
            passphrase_file(d, PASSPHRASE), crt, enc)
    srv, d = keys_server("pem_passfile", conf)
    with srv:
        check(served_cn(srv).startswith("O = encrypted"),
              "the encrypted key's certificate is not the one served")
        r = lftp(srv, "cat hello.txt")
        check_eq(r.returncode, 0, "lftp exit (%s)" % r.stderr)
        check_eq(r.stdout, "hello from alice\n", "lftp download")


@test
def encrypted_pem_provider_after_certificate_line():
    # The provider may come after the SecureCertificate line it serves.
    def conf(d):
        crt, enc = encrypted_key(d, "localhost", PASSPHRASE)
        return "SecureCertificate %s %s\nSecurePassPhraseProvider %s\n" % (
            crt, enc, provider_program(d, PASSPHRASE))
    srv, d = keys_server("pem_program", conf)
    with srv:
        check(served_cn(srv).startswith("O = encrypted"), "wrong cert")


def _keys_refused(name, conf_fn, *needles):
    srv, d = keys_server(name, conf_fn)
    out = srv.start_expecting_failure()
    for needle in needles:
        needle = needle.replace("{keys}", d)
        check(needle in out, "startup message lacks %r: %s" % (needle, out))


@test
def keys_wrong_passphrase_refused():
    _keys_refused(
        "p12_wrong_pass",
        lambda d: "SecureKeyring %s\nSecurePassPhraseProvider %s\n" % (
            keyring(d, "localhost", PASSPHRASE),
            provider_program(d, "not the passphrase")),
        "wrong passphrase", "{keys}/localhost.p12")
    _keys_refused(
        "pem_wrong_pass",
        lambda d: "SecurePassPhraseProvider %s\nSecureCertificate %s %s\n" % (
            (passphrase_file(d, "not the passphrase"),) +
            encrypted_key(d, "localhost", PASSPHRASE)),
        "wrong passphrase", "{keys}/localhost.enc.key")
    _keys_refused(
        "pem_no_provider",
        lambda d: "SecureCertificate %s %s\n" % encrypted_key(
            d, "localhost", PASSPHRASE),
        "{keys}/localhost.enc.key", "is encrypted",
        "SecurePassPhraseProvider")
    _keys_refused(
        "provider_fails",
        lambda d: "SecureKeyring %s\nSecurePassPhraseProvider %s\n" % (
            keyring(d, "localhost", PASSPHRASE),
            provider_program(d, PASSPHRASE, status=3)),
        "gave no passphrase", "{keys}/localhost.p12", "program failed")


@test
def keys_bad_files_refused():
    def corrupt(d):
        p12 = keyring(d, "localhost", PASSPHRASE)
        data = open(p12, "rb").read()
        with open(p12, "wb") as f:
            f.write(data[:len(data) // 2])
        return "SecureKeyring %s\n" % p12
    _keys_refused("p12_corrupt", corrupt, "SecureKeyring",
                  "{keys}/localhost.p12", "not a readable PKCS#12",
                  "on line")

    def pem_as_p12(d):
        return "SecureKeyring %s\n" % cert("server.crt")
    _keys_refused("pem_as_p12", pem_as_p12, "not a readable PKCS#12")

    def open_passfile(d):
        return "SecurePassPhraseProvider %s\n" % passphrase_file(
            d, PASSPHRASE, mode=0o644)
    _keys_refused("passfile_mode", open_passfile, "SecurePassPhraseProvider",
                  "readable by root only", "on line")


# NAT: SecureMasqueradeAddress.

def pasv_address(c):
    code, text = c.cmd("PASV")
    check_eq(code, 227, "PASV (%s)" % text)
    nums = text[text.index("(") + 1:text.index(")")].split(",")
    return ".".join(nums[:4])


@test
def masquerade_address_protected_only():
    conf = "MasqueradeAddress 10.0.0.1\nSecureMasqueradeAddress 192.0.2.10\n"
    with Server("masq", conf=conf) as srv:
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("USER alice")[0], 331, "USER")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS")
            check_eq(pasv_address(c), "10.0.0.1",
                     "plain FTP keeps MasqueradeAddress")
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS")
            c.starttls()
            check_eq(c.cmd("USER alice")[0], 331, "USER")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS")
            check_eq(pasv_address(c), "192.0.2.10",
                     "FTPS gets SecureMasqueradeAddress")
            code, text = c.cmd("EPSV")
            check_eq(code, 229, "EPSV")
            check("(|||" in text, "EPSV carries an address: " + text)
    with Server("masq_plain_only", conf="SecureMasqueradeAddress "
                "192.0.2.10\n") as srv:
        with Raw(srv.port) as c:
            c.reply()
            c.cmd("USER alice")
            c.cmd("PASS " + USERS["alice"])
            check_eq(pasv_address(c), "127.0.0.1",
                     "plain FTP without MasqueradeAddress")


@test
def masquerade_address_bad_values():
    srv = Server("masq_bad", conf="SecureMasqueradeAddress "
                 "no-such-host.invalid\n")
    out = srv.start_expecting_failure()
    check("SecureMasqueradeAddress" in out and "no-such-host.invalid" in out,
          "startup message: " + out)


# OCSP for client certificates, against `openssl ocsp` on loopback.

def ocsp_server(name, extra=""):
    srv = Server(name)
    d = os.path.join(srv.dir, "ocsp")
    os.makedirs(d)
    rport = srv.base + 2
    url = "http://127.0.0.1:%d/" % rport
    ocsp_pki(d, url)
    with open(srv.conf_path, "a") as f:
        f.write("SecureLogin required\nSecureCACertificate %s/ca.crt\n"
                "SecureVerifyOrder ocsp\nSecureOCSPResponder %s\n"
                "SecureOCSPTimeout 2\n%s\n" % (d, url, extra))
    return srv, d, rport


def session_with(srv, d, name):
    """AUTH TLS with client certificate name; True when the session then
    works, False when the server closes it."""
    ctx = client_context()
    ctx.load_cert_chain(os.path.join(d, name + ".crt"),
                        os.path.join(d, name + ".key"))
    try:
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS")
            c.starttls(ctx)
            return c.cmd("NOOP")[0] == 200
    except (EOFError, ssl.SSLError, ConnectionError, socket.timeout):
        return False


@test
def ocsp_good_revoked_unknown_unreachable():
    srv, d, rport = ocsp_server("ocsp_hard")
    responder = None
    try:
        srv.start()
        responder = Responder(d, rport)
        check(session_with(srv, d, "good"), "good certificate refused: " +
              srv.log())
        check(not session_with(srv, d, "revoked"), "revoked certificate "
              "accepted")
        check(srv.wait_log(r"OCSP: certificate revoked"),
              "revocation not logged: " + srv.log())
        check(not session_with(srv, d, "unknown"), "unknown certificate "
              "accepted")
        check(srv.wait_log(r"OCSP: certificate unknown to the responder"),
              "unknown not logged: " + srv.log())
        responder.stop()
        start = time.time()
        check(not session_with(srv, d, "good"),
              "good certificate accepted with the responder down")
        check(time.time() - start < 10, "unreachable responder not bounded")
        check(srv.wait_log(r"OCSP: responder unreachable"),
              "unreachable responder not logged: " + srv.log())
    finally:
        if responder:
            responder.stop()
        srv.stop()


@test
def ocsp_soft_fail_only_for_unreachable():
    srv, d, rport = ocsp_server("ocsp_soft", "SecureOptions OCSPSoftFail")
    responder = None
    try:
        srv.start()
        check(session_with(srv, d, "good"),
              "OCSPSoftFail refused with the responder down: " + srv.log())
        check(srv.wait_log(r"accepted under SecureOptions OCSPSoftFail"),
              "soft failure not logged: " + srv.log())
        responder = Responder(d, rport)
        check(not session_with(srv, d, "revoked"),
              "OCSPSoftFail accepted a revoked certificate")
        check(not session_with(srv, d, "unknown"),
              "OCSPSoftFail accepted an unknown certificate")
    finally:
        if responder:
            responder.stop()
        srv.stop()


@test
def ocsp_directives_bad_values():
    for conf, needle in (("SecureVerifyOrder ocsp crl\n", "'crl'"),
                         ("SecureVerifyOrder ldap\n", "'ldap'"),
                         ("SecureOCSPResponder https://ocsp.test/\n",
                          "https://ocsp.test/"),
                         ("SecureOCSPTimeout 0\n", "'0'")):
        srv = Server("ocsp_bad", conf=conf)
        out = srv.start_expecting_failure()
        check(needle in out and "on line" in out,
              "%r: startup message lacks %r: %s" % (conf, needle, out))


@test
def ocsp_only_order_with_crl_file_refused():
    import pki
    srv = Server("ocsp_only_crl")
    ca = pki.CA(os.path.join(srv.dir, "pki"), "/O=Order test/CN=Order CA")
    with open(srv.conf_path, "a") as f:
        f.write("SecureLogin required\nSecureCACertificate %s\n"
                "SecureCARevocation %s\nSecureVerifyOrder ocsp\n" % (
                    ca.crt, ca.crl()))
    out = srv.start_expecting_failure()
    check("SecureVerifyOrder leaves out crl" in out,
          "startup message lacks the reason: " + out)
