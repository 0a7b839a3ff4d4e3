"""Foundation: startup checks, AUTH TLS on the control connection, FEAT,
login and listing over a protected control channel, real clients."""

import os
import ssl

from harness import (Raw, Server, USERS, cert, check, check_eq, client_context,
                     curl, ftps, implicit_vhost, lftp, run, test)


@test
def auth_tls_login_list_ftplib():
    with Server("auth_tls_ftplib") as srv:
        f = ftps(srv, "alice")
        check(isinstance(f.sock, ssl.SSLSocket), "control not TLS")
        check(f.sock.version() in ("TLSv1.2", "TLSv1.3"),
              "unexpected version %s" % f.sock.version())
        names = f.nlst()
        check("hello.txt" in names, "listing lacks hello.txt: %r" % names)
        f.quit()
        log = srv.log()
        check("control connection from 127.0.0.1 protected" in log,
              "SecureFTPLog lacks the handshake line: %r" % log)


@test
def auth_replies():
    with Server("auth_replies") as srv:
        with Raw(srv.port) as c:
            check_eq(c.reply()[0], 220, "greeting")
            check_eq(c.cmd("AUTH")[0], 501, "AUTH without argument")
            check_eq(c.cmd("AUTH GSSAPI")[0], 504, "AUTH GSSAPI")
            check_eq(c.cmd("AUTH KERBEROS_V4")[0], 504, "AUTH KERBEROS_V4")
            check_eq(c.cmd("AUTH tls-c")[0], 234, "AUTH tls-c")
            c.starttls()
            check_eq(c.cmd("AUTH TLS")[0], 534, "second AUTH")
            check_eq(c.cmd("NOOP")[0], 200, "NOOP over TLS")
        check("refused" in srv.log(), "refusals not logged")


@test
def feat_lists_tls():
    with Server("feat") as srv:
        with Raw(srv.port) as c:
            c.reply()
            code, text = c.cmd("FEAT")
            check_eq(code, 211, "FEAT")
            for feat in (" AUTH TLS", " PBSZ", " PROT"):
                check(feat in text.split("\n"), "FEAT lacks %r: %s" % (
                    feat, text))
            check(" CCC" not in text.split("\n"),
                  "FEAT lists CCC though SecureCtrlConn is private: " + text)


@test
def pbsz_prot_before_auth_503():
    with Server("pbsz_503") as srv:
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("PBSZ 0")[0], 503, "PBSZ before AUTH")
            check_eq(c.cmd("PROT P")[0], 503, "PROT before AUTH")


@test
def engine_off_is_silent():
    conf = "SecureEngine off\nSecureCertificate {certs}/server.crt " \
           "{certs}/server.key\n"
    with Server("engine_off", conf=conf, secure=False) as srv:
        with Raw(srv.port) as c:
            c.reply()
            code, text = c.cmd("AUTH TLS")
            check(code in (500, 502, 504), "AUTH with engine off: %d %s" % (
                code, text))
            code, text = c.cmd("FEAT")
            check(" AUTH TLS" not in text, "FEAT advertises AUTH TLS: " + text)


@test
def curl_ssl_reqd_lists():
    with Server("curl_list") as srv:
        r = curl("--ssl-reqd", "--cacert", cert("ca.crt"), "-u",
                 "alice:" + USERS["alice"],
                 "ftp://localhost:%d/" % srv.port)
        check_eq(r.returncode, 0, "curl exit (%s)" % r.stderr)
        check("hello.txt" in r.stdout, "curl listing: %r" % r.stdout)


@test
def lftp_verified_lists():
    with Server("lftp_list") as srv:
        r = lftp(srv, "ls")
        check_eq(r.returncode, 0, "lftp exit (%s)" % r.stderr)
        check("hello.txt" in r.stdout, "lftp listing: %r" % r.stdout)


@test
def openssl_s_client_starttls():
    with Server("s_client") as srv:
        r = run(["openssl", "s_client", "-starttls", "ftp", "-connect",
                 "127.0.0.1:%d" % srv.port, "-CAfile", cert("ca.crt"),
                 "-verify_return_error", "-brief"],
                input="QUIT\r\n", timeout=20)
        out = r.stdout + r.stderr
        check("Verification: OK" in out or "Verify return code: 0" in out,
              "s_client did not verify: %s" % out)
        check("Protocol version: TLSv1.3" in out,
              "s_client did not get TLS 1.3: %s" % out)


@test
def ecdsa_and_rsa_certificates():
    conf = "SecureCertificate {certs}/server-ec.crt {certs}/server-ec.key\n"
    with Server("ecdsa_rsa", conf=conf) as srv:
        for sigalg, keytype in (("ecdsa_secp256r1_sha256", "id-ecPublicKey"),
                                ("rsa_pss_rsae_sha256", "rsaEncryption")):
            r = run(["openssl", "s_client", "-starttls", "ftp", "-connect",
                     "127.0.0.1:%d" % srv.port, "-CAfile", cert("ca.crt"),
                     "-sigalgs", sigalg.replace("ecdsa_secp256r1_sha256",
                                                "ECDSA+SHA256")
                     .replace("rsa_pss_rsae_sha256", "rsa_pss_rsae_sha256"),
                     "-verify_return_error", "-showcerts"],
                    input="QUIT\r\n", timeout=20)
            out = r.stdout + r.stderr
            check("Verify return code: 0" in out,
                  "%s handshake failed: %s" % (sigalg, out[-1500:]))
            leaf = out.split("-----BEGIN CERTIFICATE-----")[1]
            pem = "-----BEGIN CERTIFICATE-----" + \
                leaf.split("-----END CERTIFICATE-----")[0] + \
                "-----END CERTIFICATE-----\n"
            text = run(["openssl", "x509", "-noout", "-text"], input=pem)
            check(keytype in text.stdout, "%s: expected a %s leaf: %s" % (
                sigalg, keytype, text.stdout[:600]))


@test
def implicit_ftps_port():
    vhost = implicit_vhost()
    with Server("implicit", vhosts=vhost) as srv:
        r = curl("--cacert", cert("ca.crt"), "-u", "alice:" + USERS["alice"],
                 "ftps://localhost:%d/" % srv.port2)
        check_eq(r.returncode, 0, "curl ftps:// exit (%s)" % r.stderr)
        check("hello.txt" in r.stdout, "implicit listing: %r" % r.stdout)
        with Raw(srv.port2, implicit_ctx=client_context()) as c:
            check_eq(c.reply()[0], 220, "protected greeting")
            check_eq(c.cmd("AUTH TLS")[0], 534, "AUTH on implicit port")


# Startup refusals: each names the directive, the token or file, and the
# line (ProFTPD adds "on line N of 'file'").

def _refused(name, conf, *needles, secure=True):
    srv = Server(name, conf=conf, secure=secure)
    out = srv.start_expecting_failure()
    for needle in needles:
        check(needle in out, "startup message lacks %r: %s" % (needle, out))


@test
def startup_missing_certificate_file():
    _refused("missing_cert",
             "SecureEngine on\nSecureCertificate /nonexistent/cert.pem\n",
             "SecureCertificate", "/nonexistent/cert.pem", "on line",
             secure=False)


@test
def startup_key_mismatch():
    _refused("key_mismatch",
             "SecureEngine on\nSecureCertificate {certs}/server.crt "
             "{certs}/client.key\n",
             "SecureCertificate", "does not match", "client.key", "on line",
             secure=False)


@test
def startup_engine_without_certificate():
    _refused("no_cert", "SecureEngine on\n", "SecureCertificate",
             secure=False)


@test
def startup_bad_directive_value():
    _refused("bad_value", "SecureFTP sometimes\n", "SecureFTP",
             "'sometimes'", "on line")
    _refused("bad_protocol", "SecureProtocol TLSv1.2 SSLv3\n",
             "SecureProtocol", "'SSLv3'", "on line")
    _refused("bad_engine", "SecureEngine maybe\n", "SecureEngine",
             "'maybe'", "on line")


@test
def startup_refuses_mod_tls_on_same_vhost():
    conf = "<IfModule mod_tls.c>\nTLSEngine on\n" \
           "TLSRSACertificateFile {certs}/server.crt\n" \
           "TLSRSACertificateKeyFile {certs}/server.key\n</IfModule>\n"
    srv = Server("with_mod_tls", conf=conf, modules=["mod_tls.c"])
    out = srv.start_expecting_failure()
    check("SecureEngine" in out and "TLSEngine" in out,
          "message does not name both directives: %s" % out)


def _expired_cert():
    """A CA-signed certificate that expired in 2020 (openssl ca can set
    past dates; req and x509 cannot in OpenSSL 3.0)."""
    d = os.path.join(os.path.dirname(cert("ca.crt")), "expired")
    crt, key = os.path.join(d, "expired.crt"), os.path.join(d, "expired.key")
    if os.path.exists(crt):
        return crt, key
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "index.txt"), "w").close()
    with open(os.path.join(d, "ca.cnf"), "w") as f:
        f.write("[ca]\ndefault_ca=x\n[x]\ndatabase=%s/index.txt\n"
                "new_certs_dir=%s\nserial=%s/serial\ndefault_md=sha256\n"
                "policy=p\n[p]\ncommonName=supplied\n" % (d, d, d))
    with open(os.path.join(d, "serial"), "w") as f:
        f.write("1000\n")
    run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes",
         "-keyout", key, "-out", crt + ".csr", "-subj", "/CN=expired"],
        timeout=60)
    r = run(["openssl", "ca", "-batch", "-config", os.path.join(d, "ca.cnf"),
             "-cert", cert("ca.crt"), "-keyfile", cert("ca.key"),
             "-in", crt + ".csr", "-out", crt, "-startdate",
             "20200101000000Z", "-enddate", "20200102000000Z"], timeout=60)
    check(os.path.exists(crt), "could not make an expired cert: " + r.stderr)
    return crt, key


@test
def startup_expired_certificate():
    """SPEC 6.1: an expired certificate takes TLS out of service (431),
    never the daemon; SystemLog says so at startup."""
    crt, key = _expired_cert()
    srv = Server("expired", secure=False, conf="SecureEngine on\n"
                 "SecureCertificate %s %s\n" % (crt, key))
    with srv:
        with Raw(srv.port) as c:
            c.reply()
            code, text = c.cmd("AUTH TLS")
        check_eq(code, 431, "AUTH with an expired certificate")
        check("has expired" in text and "SecureCertificate" in text,
              "431 does not say why: " + text)
        check(srv.wait_log(r"expired\.crt.*has expired.*OUT OF SERVICE",
                           name="proftpd.log") is not None,
              "SystemLog does not say why: " + srv.log("proftpd.log"))
