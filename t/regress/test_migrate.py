"""Migration tools: contrib/migrate-mod_tls.py and contrib/migrate-zos.py
on sample inputs (malformed ones too), and their output run by a real
proftpd with mod_secftp."""

import ftplib
import os
import re
import shutil
import subprocess
import sys

from harness import (NOBODY_GID, NOBODY_UID, PROFTPD, ROOT, Raw, Server,
                     cert, certs, check, check_eq, client_context, ftps,
                     run, test)
from pki import CA

MOD_TLS = os.path.join(ROOT, "contrib", "migrate-mod_tls.py")
ZOS = os.path.join(ROOT, "contrib", "migrate-zos.py")


def migrate(tool, text):
    """Runs tool on text (standard input); returns (status, out, err)."""
    proc = subprocess.run([sys.executable, tool, "-"], input=text,
                          capture_output=True, text=True, timeout=30)
    return proc.returncode, proc.stdout, proc.stderr


def migrate_args(tool, args, text):
    """Runs tool with args on text; returns (status, out, err)."""
    proc = subprocess.run([sys.executable, tool] + list(args) + ["-"],
                          input=text, capture_output=True, text=True,
                          timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def directives(out):
    """The non-comment lines, stripped."""
    return [line.strip() for line in out.splitlines()
            if line.strip() and not line.strip().startswith("#")]


MOD_TLS_SAMPLE = """\
# a typical Debian tls.conf, plus a virtual host
LoadModule mod_tls.c
Include /etc/proftpd/virtuals.conf
<IfModule mod_tls.c>
  TLSEngine on
  TLSLog /var/log/proftpd/tls.log
  TLSProtocol ALL -SSLv3 -TLSv1 -TLSv1.1
  TLSRSACertificateKeyFile /etc/ssl/private/ftp.key
  TLSRSACertificateFile /etc/ssl/certs/ftp.pem
  TLSECCertificateFile "/etc/ssl/certs/ftp ec.pem"
  TLSCipherSuite HIGH:!aNULL:!MD5
  TLSOptions NoSessionReuseRequired StdEnvVars AllowDotLogin
  TLSVerifyClient off
  TLSRequired on
  TLSRenegotiate required off
  TLSTimeoutHandshake 45
  TLSSessionCache shm:/file=/var/run/proftpd/sesscache
  TLSDHParamFile /etc/proftpd/dhparams.pem
</IfModule>
<IfModule !mod_tls.c>
  TLSEngine off
</IfModule>
<VirtualHost 192.0.2.10>
  ServerName "ftp.example.com"
  TLSEngine on
  TLSRSACertificateFile /etc/ssl/certs/example.pem
  TLSRSACertificateKeyFile /etc/ssl/private/example.key
  TLSRequired auth+data
  TLSCipherSuite ECDHE-RSA-AES128-GCM-SHA256:DES-CBC3-SHA \\
    ECDHE-RSA-AES256-GCM-SHA384
  TLSMasqueradeAddress ftp.example.com
  <Directory /srv/public>
    TLSRequired !data
  </Directory>
</VirtualHost>
"""


@test
def migrate_mod_tls_sample():
    status, out, err = migrate(MOD_TLS, MOD_TLS_SAMPLE)
    check_eq(status, 0, "exit status (stderr: %s)" % err)
    d = directives(out)
    for want in ("SecureEngine on", "SecureFTPLog /var/log/proftpd/tls.log",
                 "SecureProtocol TLSv1.2 TLSv1.3",
                 "SecureCertificate /etc/ssl/certs/ftp.pem "
                 "/etc/ssl/private/ftp.key",
                 "SecureSessionReuse allowed", "SecureOptions StdEnvVars",
                 "SecureLogin no_client_auth", "SecureFTP required",
                 "SecureDataConn private", "SecureHandshakeTimeout 45",
                 "SecureSessionCache internal",
                 "SecureMasqueradeAddress ftp.example.com",
                 "SecureDataConn never"):
        check(want in d, "missing %r in:\n%s" % (want, out))
    # A quoted path with a space stays one argument (quoted again).
    check('SecureCertificate "/etc/ssl/certs/ftp ec.pem"' in d,
          "EC certificate lost or not quoted:\n%s" % out)
    # The weak suite is dropped and said so; TLS 1.3 gets the defaults,
    # since mod_secftp refuses a version without suites.
    check("CipherSuite ECDHE-RSA-AES128-GCM-SHA256 "
          "ECDHE-RSA-AES256-GCM-SHA384" in d, "cipher list:\n%s" % out)
    check("DES-CBC3-SHA" in out and "weak suites refused" in out,
          "dropped 3DES suite not reported:\n%s" % out)
    check(any(x.startswith("CipherSuite TLS_AES_128_GCM_SHA256") for x in d),
          "no TLS 1.3 suites added:\n%s" % out)
    # Nothing dropped silently.
    for gone in ("line 3: Include /etc/proftpd/virtuals.conf",
                 "line 11: TLSCipherSuite HIGH:!aNULL:!MD5",
                 "AllowDotLogin", "line 15: TLSRenegotiate",
                 "line 18: TLSDHParamFile"):
        check(gone in out, "not reported: %r\n%s" % (gone, out))
    check("NOT FOLLOWED" in out, "Include not flagged:\n%s" % out)
    # The <IfModule !mod_tls.c> part is not translated.
    check_eq(d.count("SecureEngine off"), 0, "SecureEngine off lines")
    # Sections are kept, nested, and balanced.
    vh = out.index("<VirtualHost 192.0.2.10>")
    check(out.index("<Directory /srv/public>") > vh, "Directory not nested")
    check_eq(out.count("<VirtualHost"), 1, "VirtualHost blocks")
    check_eq(out.count("<IfModule mod_secftp.c>"),
             out.count("</IfModule>"), "balanced IfModule")


@test
def migrate_mod_tls_malformed():
    cases = {
        "unclosed": ("<VirtualHost 192.0.2.1>\n  TLSEngine on\n",
                     "line 1: <VirtualHost> is never closed"),
        "mismatched": ("<Global>\nTLSEngine on\n</VirtualHost>\n",
                       "line 3: </VirtualHost> closes <Global>"),
        "stray close": ("</IfModule>\n", "line 1: </IfModule> without"),
        "bad value": ("TLSEngine maybe\n", "line 1: TLSEngine: unknown "
                      "value 'maybe'"),
        "no value": ("TLSRequired\n", "line 1: TLSRequired: expected one "
                     "value, got 0"),
        "bad number": ("\n\nTLSTimeoutHandshake soon\n",
                       "line 3: TLSTimeoutHandshake: not a number"),
        "bad protocol": ("TLSProtocol TLSv1.2 TLSv9\n",
                         "unknown protocol 'TLSv9'"),
        "unbalanced quote": ('TLSLog "/var/log/x\n', "line 1:"),
        "key without cert": ("TLSRSACertificateKeyFile /k.pem\n",
                             "key file without its certificate"),
    }
    for name, (text, want) in cases.items():
        status, out, err = migrate(MOD_TLS, text)
        check_eq(status, 1, "%s: exit status" % name)
        check_eq(out, "", "%s: output on a malformed input" % name)
        check(want in err, "%s: stderr lacks %r: %r" % (name, want, err))


@test
def migrate_mod_tls_nothing_to_do():
    status, out, err = migrate(MOD_TLS, "ServerName x\nPort 21\n")
    check_eq(status, 0, "exit status")
    check("No mod_tls directives found" in out, out)
    check_eq(directives(out), [], "directives")


@test
def migrate_mod_tls_output_runs():
    """The translation of a working mod_tls setup starts a real proftpd
    with mod_secftp, which then enforces it."""
    conf = """
<IfModule mod_tls.c>
  TLSEngine on
  TLSRequired on
  TLSProtocol TLSv1.2 TLSv1.3
  TLSRSACertificateFile %s
  TLSRSACertificateKeyFile %s
  TLSLog {dir}/secftp.log
  TLSTimeoutHandshake 20
  TLSVerifyClient optional
  TLSCACertificateFile %s
  TLSOptions StdEnvVars
  TLSCipherSuite ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384
  TLSECDHCurve prime256v1
  TLSMasqueradeAddress 127.0.0.1
</IfModule>
""" % (cert("server.crt"), cert("server.key"), cert("ca.crt"))
    status, out, err = migrate(MOD_TLS, conf)
    check_eq(status, 0, "exit status (%s)" % err)
    with Server("migrate_mod_tls_runs", conf=out, secure=False) as srv:
        f = ftps(srv, "alice")
        f.prot_p()      # the migrated SecureDataConn private refuses PROT C
        check("hello.txt" in f.nlst(), "listing over the migrated config")
        f.quit()
        check("protected" in srv.log(), "SecureFTPLog not written: %r" %
              srv.log())


ZOS_SAMPLE = """\
;*********************************************************************
; FTP.DATA  -- production server
;*********************************************************************
BANNER       /etc/ftpbanner         ; not a TLS statement
EXTENSIONS   UTF8 AUTH_TLS
TLSMECHANISM FTP
KEYRING      FTPD/FtpRing
secure_ftp   required               ; lower case is fine
SECURE_LOGIN VERIFY-USER
SECURE_PASSWORD OPTIONAL
SECURE_DATACONN PRIVATE
SECURE_CTRLCONN CLEAR
SECURE_SESSION_REUSE REQUIRED
TLSRFCLEVEL  CCCNONOTIFY
CIPHERSUITE  SSL_AES_256_SHA
CIPHERSUITE  C02F
CIPHERSUITE  SSL_3DES_SHA
CIPHERSUITE  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
CIPHERSUITE  1301
TLSPORT      990
TLSTIMEOUT   100
""" + "SECURE_FTP   REQUIRED".ljust(72) + "00010000\n" + \
    "SECURE_FTP   ALLOWED".ljust(72) + "00020000\n"


@test
def migrate_zos_sample():
    status, out, err = migrate(ZOS, ZOS_SAMPLE)
    check_eq(status, 0, "exit status (stderr: %s)" % err)
    d = directives(out)
    for want in ("SecureEngine on", "SecureFTP allowed",
                 "SecureLogin verify_user", "SecurePassword optional",
                 "SecureDataConn private", "SecureCtrlConn clear",
                 "SecureSessionReuse required",
                 "SecureRFCLevel ccc_nonotify",
                 "SecureKeyring /etc/proftpd/ftpd_ftpring.p12",
                 "SecureCACertificate /etc/proftpd/client-ca.pem",
                 "SecureCertMap /etc/proftpd/secftp-certmap",
                 "CipherSuite TLS_RSA_WITH_AES_256_CBC_SHA "
                 "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 "
                 "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 "
                 "TLS_AES_128_GCM_SHA256",
                 "Port 990", "SecureImplicit on"):
        check(want in d, "missing %r in:\n%s" % (want, out))
    # The last SECURE_FTP wins, sequence numbers notwithstanding.
    check_eq(len([x for x in d if x.startswith("SecureFTP ")]), 1,
             "SecureFTP lines")
    check("SecureFTP required" not in d, "an earlier SECURE_FTP won")
    # TLS 1.3 is in the list: no protocol restriction.
    check(not any(x.startswith("SecureProtocol") for x in d),
          "unexpected SecureProtocol:\n%s" % out)
    for said in ("line 17: CIPHERSUITE SSL_3DES_SHA", "line 21: TLSTIMEOUT",
                 "forward secrecy"):
        check(said in out, "not reported: %r\n%s" % (said, out))
    check("BANNER" not in out, "non-TLS statement translated")


@test
def migrate_zos_defaults_kept():
    """Statements left out get the z/OS default, and a note where
    mod_secftp's own default is stricter."""
    status, out, err = migrate(ZOS, "EXTENSIONS AUTH_TLS\n"
                               "CIPHERSUITE SSL_AES_128_GCM_SHA256\n")
    check_eq(status, 0, "exit status (%s)" % err)
    d = directives(out)
    for want in ("SecureFTP allowed", "SecureLogin no_client_auth",
                 "SecurePassword required", "SecureDataConn clear",
                 "SecureSessionReuse allowed", "SecureRFCLevel draft",
                 "SecureProtocol TLSv1.2",
                 "CipherSuite TLS_RSA_WITH_AES_128_GCM_SHA256"):
        check(want in d, "missing %r in:\n%s" % (want, out))
    check("SECURE_SESSION_REUSE not coded" in out and "stricter" in out,
          "no note on the stricter default:\n%s" % out)
    check(not any(x.startswith("SecureCtrlConn") for x in d),
          "SecureCtrlConn without a known z/OS default")
    status, out, err = migrate(ZOS, "; TLS never enabled\nPORT 21\n")
    check_eq(status, 0, "exit status")
    check("SecureEngine off" in directives(out), out)


@test
def migrate_zos_malformed():
    text = ("SECURE_FTP MAYBE\n"
            "CIPHERSUITE ZZZZ\n"
            "CIPHERSUITE FFFF\n"
            "CIPHERSUITE SSL_AES_128_SHA C02F\n"
            "TLSPORT abc\n"
            "TLSPORT 70000\n"
            "SECURE_LOGIN\n"
            "TLSRFCLEVEL RFC2228\n"
            "EXTENSIONS\n"
            "TLSMECHANISM SSH\n")
    status, out, err = migrate(ZOS, text)
    check_eq(status, 1, "exit status")
    check_eq(out, "", "output on a malformed input")
    for want in ("line 1: SECURE_FTP MAYBE", "line 2: CIPHERSUITE ZZZZ",
                 "line 3: CIPHERSUITE FFFF: unknown 4-character",
                 "line 4: CIPHERSUITE takes one cipher",
                 "line 5: TLSPORT ABC", "line 6: TLSPORT 70000",
                 "line 7: SECURE_LOGIN takes one value",
                 "line 8: TLSRFCLEVEL RFC2228", "line 9: EXTENSIONS without",
                 "line 10: TLSMECHANISM SSH"):
        check(want in err, "stderr lacks %r:\n%s" % (want, err))
    status, out, err = migrate(ZOS, "\x00\xff garbage ;\n")
    check_eq(status, 0, "binary junk is ignored as a non-TLS statement")


@test
def migrate_zos_output_runs():
    """A z/OS policy, translated, is what a real proftpd enforces."""
    status, out, err = migrate(ZOS, "EXTENSIONS AUTH_TLS\n"
                               "SECURE_FTP REQUIRED\n"
                               "SECURE_DATACONN PRIVATE\n"
                               "SECURE_SESSION_REUSE REQUIRED\n"
                               "TLSRFCLEVEL RFC4217\n"
                               "CIPHERSUITE C02F\n"
                               "CIPHERSUITE TLS_AES_256_GCM_SHA384\n")
    check_eq(status, 0, "exit status (%s)" % err)
    out = out.replace("/etc/ssl/certs/proftpd-secftp.crt",
                      cert("server.crt"))
    out = out.replace("/etc/ssl/private/proftpd-secftp.key",
                      cert("server.key"))
    with Server("migrate_zos_runs", conf=out, secure=False) as srv:
        f = ftps(srv, "alice")
        f.prot_p()      # the migrated SecureDataConn private refuses PROT C
        check("hello.txt" in f.nlst(), "listing over the migrated config")
        check_eq(f.sock.cipher()[0], "TLS_AES_256_GCM_SHA384",
                 "negotiated suite (the only TLS 1.3 one listed)")
        f.quit()


# migrate-mod_tls.py --full: realistic mod_tls configurations whose
# translation proftpd accepts (proftpd -t) and then serves FTPS with ------

ACCOUNTS = """
AuthOrder mod_auth_file.c
AuthUserFile {dir}/passwd
AuthGroupFile {dir}/group
RequireValidShell off
DefaultRoot ~
"""

SERVER_CERT = """
TLSRSACertificateFile {certs}/server.crt
TLSRSACertificateKeyFile {certs}/server.key
"""


def fill(srv, text):
    """The test's own paths and ports in a configuration text."""
    for key, value in (("{dir}", srv.dir), ("{certs}", certs()),
                       ("{port2}", str(srv.port2)),
                       ("{port3}", str(srv.base + 2))):
        text = text.replace(key, value)
    return text


def module_has(directive):
    """Whether the mod_secftp.so under test knows directive (some
    translations name directives another branch adds)."""
    with open(os.path.join(ROOT, "mod_secftp.so"), "rb") as f:
        return directive.encode() + b"\0" in f.read()


def migrated_server(name, text):
    """A Server whose configuration is the harness' base plus the --full
    translation of text; proftpd -t must accept it.  Returns (srv, out,
    err)."""
    srv = Server(name, secure=False)
    status, out, err = migrate_args(MOD_TLS, ["--full", "--certmap",
                                              os.path.join(srv.dir,
                                                           "certmap")],
                                    fill(srv, text))
    check_eq(status, 0, "%s: exit status (stderr: %s)" % (name, err))
    srv.conf_text += "\n" + out
    with open(srv.conf_path, "w") as f:
        f.write(srv.conf_text)
    r = run([PROFTPD, "-t", "-c", srv.conf_path])
    check(r.returncode == 0, "%s: proftpd -t refused the translation: %s\n"
          "%s" % (name, r.stdout + r.stderr, out))
    return srv, out, err


def listing(f):
    return f.nlst()


def debian_stock_tls_conf():
    """Debian's /etc/proftpd/tls.conf with every TLS line uncommented and
    its paths pointed at the test's files."""
    with open("/etc/proftpd/tls.conf") as f:
        text = f.read()
    text = re.sub(r"(?m)^#(TLS\w+)", r"\1", text)
    for old, new in (("/etc/ssl/certs/proftpd.crt", "{certs}/server.crt"),
                     ("/etc/ssl/private/proftpd.key", "{certs}/server.key"),
                     ("/etc/ssl/certs/CA.pem", "{certs}/ca.crt"),
                     ("/var/log/proftpd/tls.log", "{dir}/secftp.log")):
        text = text.replace(old, new)
    return text


@test
def migrate_full_debian_stock_tls_conf():
    text = debian_stock_tls_conf()
    check(text.count("\nTLS") >= 10, "uncommented stock file:\n" + text)
    srv, out, err = migrated_server("mig_debian", text)
    d = directives(out)
    for want in ("<IfModule mod_secftp.c>", "SecureEngine on",
                 "SecureProtocol TLSv1.2 TLSv1.3",
                 "SecureCertificate %s/server.crt %s/server.key" % (
                     certs(), certs()),
                 "SecureSessionReuse allowed", "SecureFTP required",
                 "SecureLogin no_client_auth"):
        check(want in d, "missing %r in:\n%s" % (want, out))
    for said in ("SSLv3 TLSv1 TLSv1.1 left out", "NoCertRequest",
                 "EnableDiags", "AllowClientRenegotiations",
                 "TLSRenegotiate required off",
                 "mod_secftp's default is narrower",
                 "no longer offered by default, CBC mode"):
        check(said in out, "not reported: %r\n%s" % (said, out))
    check("<IfModule mod_tls.c>" not in out, "mod_tls section left")
    with srv:
        f = ftps(srv, "alice")
        f.prot_p()
        check("hello.txt" in listing(f), "listing")
        f.quit()
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("USER alice")[0], 530, "clear USER (TLSRequired "
                     "on)")


HOSTING = """
TLSEngine on
""" + SERVER_CERT + """
TLSRequired on
TLSLog {dir}/secftp.log
LogFormat tlsinfo "%u %{TLS_PROTOCOL}e %{note:TLS_CIPHER} %{FTPS}e %{TLS_SESSION_ID}e"
ExtendedLog {dir}/tls-access.log AUTH,READ tlsinfo

<VirtualHost 127.0.0.1>
  Port {port2}
  ServerName ec.example.test
""" + ACCOUNTS + """
  <IfModule mod_tls.c>
    TLSEngine on
    TLSECCertificateFile {certs}/server-ec.crt
    TLSECCertificateKeyFile {certs}/server-ec.key
    TLSProtocol TLSv1.0 TLSv1.2
    TLSCipherSuite ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384
    TLSRequired auth
    TLSLog {dir}/ec.log
  </IfModule>
</VirtualHost>

<VirtualHost 127.0.0.1>
  Port {port3}
  ServerName rsa.example.test
""" + ACCOUNTS + """
  TLSEngine on
""" + SERVER_CERT + """
  TLSCipherSuite HIGH:!aNULL:!MD5
  TLSRequired off
  TLSLog {dir}/rsa.log
</VirtualHost>
"""


@test
def migrate_full_hosting_three_servers():
    srv, out, err = migrated_server("mig_hosting", HOSTING)
    check("TLSv1 left out" in out, "TLSv1.0 understood and reported:\n" +
          out)
    check(re.search(r'LogFormat tlsinfo "%u %\{note:SECFTP_PROTOCOL\} '
                    r'%\{note:SECFTP_CIPHER\} %\{note:SECFTP\} '
                    r'%\{note:SECFTP_SESSION_ID\}"', out),
          "LogFormat rewritten:\n" + out)
    with srv:
        f = ftps(srv, "alice")
        f.prot_p()
        data = []
        f.retrbinary("RETR hello.txt", data.append)
        version = f.sock.version()
        f.quit()
        check(srv.wait_log(r"alice %s TLS_\S+ 1 " % re.escape(version),
                           name="tls-access.log"),
              "ExtendedLog with the rewritten format: %r" %
              srv.log("tls-access.log"))
        # ec.example.test: its own certificate, TLS 1.2 only, and CCC after
        # login (TLSRequired auth).
        f = ftps(srv, "alice", port=srv.port2)
        check_eq(f.sock.version(), "TLSv1.2", "ec vhost protocol")
        check("ECDSA" in f.sock.cipher()[0], "ec vhost suite: %s" %
              (f.sock.cipher(),))
        f.prot_p()
        check_eq(f.sendcmd("CCC")[:3], "200", "CCC after login")
        f.sock = f.sock.unwrap()
        f.file = f.sock.makefile("r", encoding="latin-1")
        check_eq(f.sendcmd("NOOP")[:3], "200", "clear control after CCC")
        f.close()
        check(srv.wait_log("protected", name="ec.log"), "ec.log written")
        # rsa.example.test: TLSRequired off, a plain login works.
        p = ftplib.FTP()
        p.connect("127.0.0.1", srv.base + 2, timeout=10)
        p.login("alice", "alice-secret")
        p.quit()
        f = ftps(srv, "bob", port=srv.base + 2)
        check("GCM" in f.sock.cipher()[0] or "CHACHA" in f.sock.cipher()[0],
              "rsa vhost AEAD suite: %s" % (f.sock.cipher(),))
        f.quit()


ANONYMOUS = """
TLSEngine on
""" + SERVER_CERT + """
TLSRequired on
<Anonymous {dir}/anon>
  User bob
  Group nogroup
  UserAlias anonymous bob
  RequireValidShell off
  TLSRequired off
</Anonymous>
"""


@test
def migrate_full_anonymous():
    srv, out, err = migrated_server("mig_anon", ANONYMOUS)
    os.makedirs(os.path.join(srv.dir, "anon"), exist_ok=True)
    with open(os.path.join(srv.dir, "anon", "pub.txt"), "w") as f:
        f.write("public\n")
    check(re.search(r"<Anonymous [^>]*>\s*(#.*\n\s*)*(\S.*\n\s*)*?"
                    r"SecureDataConn clear", out),
          "SecureDataConn clear inside <Anonymous>:\n" + out)
    anon = out.split("<Anonymous")[1].split("</Anonymous>")[0]
    check(not any(x.startswith("SecureFTP") for x in directives(anon)),
          "no SecureFTP inside <Anonymous> (ProFTPD would refuse it):\n" +
          anon)
    check("stricter: anonymous logins" in out, "stricter noted:\n" + out)
    with srv:
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("USER anonymous")[0], 530, "clear anonymous USER "
                     "(SecureFTP is per server)")
        # Over FTPS the anonymous login works.  (PROT C is refused at the
        # PROT command by the server's SecureDataConn private: the
        # <Anonymous> value governs its data commands only.)
        f = ftps(srv, "anonymous", "guest@example.com")
        f.prot_p()
        check("pub.txt" in f.nlst(), "anonymous listing")
        f.quit()
    # The opposite: the anonymous area alone required TLS.
    weaker = ANONYMOUS.replace("TLSRequired on\n<Anonymous",
                               "TLSRequired off\n<Anonymous").replace(
        "  TLSRequired off\n</Anonymous>", "  TLSRequired on\n</Anonymous>")
    status, out, err = migrate(MOD_TLS, weaker)
    check_eq(status, 0, "exit status (%s)" % err)
    check("WEAKER: this <Anonymous> required TLS" in out,
          "weaker translation flagged:\n" + out)


DIRECTORY = """
TLSEngine on
""" + SERVER_CERT + """
TLSRequired auth
<Directory {dir}/home/alice/private>
  TLSRequired auth+data
</Directory>
"""


@test
def migrate_full_directory():
    srv, out, err = migrated_server("mig_dir", DIRECTORY)
    inside = out.split("<Directory")[1].split("</Directory>")[0]
    check("SecureDataConn private" in directives(inside) and
          "SecureFTP" not in "\n".join(directives(inside)),
          "only SecureDataConn inside <Directory>:\n" + inside)
    check("control-connection part applies per server" in inside,
          "control part reported:\n" + inside)
    check("SecureCtrlConn clear" in directives(out), "CCC kept (auth)")
    private = os.path.join(srv.home("alice"), "private")
    os.makedirs(private)
    os.chown(private, NOBODY_UID, NOBODY_GID)
    with srv:
        f = ftps(srv, "alice")
        f.voidcmd("PBSZ 0")
        f.prot_c()
        check("hello.txt" in f.nlst(), "PROT C listing of the home")
        try:
            f.nlst("private")
            check(False, "PROT C listing of private/ accepted")
        except ftplib.error_perm as e:
            check(str(e).startswith("521"), "private/ PROT C: %s" % e)
        f.prot_p()
        f.nlst("private")
        check_eq(f.sendcmd("CCC")[:3], "200", "CCC after login (auth)")
        f.close()


@test
def migrate_full_client_certificates():
    base = Server("mig_certs_pki", secure=False).dir
    ca = CA(os.path.join(base, "ca"), "/O=Example Corp/CN=Example CA")
    alice = ca.issue("alice", "/O=Example Corp/CN=alice")
    bob = ca.issue("bob", "/O=Example Corp/CN=robert")
    text = """
TLSEngine on
""" + SERVER_CERT + """
TLSVerifyClient on
TLSCACertificateFile %s
TLSUserName CommonName
TLSOptions AllowDotLogin StdEnvVars
TLSRequired on
AuthUserFile {dir}/passwd
""" % ca.crt
    srv = Server("mig_certs", secure=False)
    # bob's ~/.tlslogin holds his certificate (CN=robert: only the dot
    # login maps it to bob).
    shutil.copy(bob[0], os.path.join(srv.home("bob"), ".tlslogin"))
    status, out, err = migrate_args(MOD_TLS, ["--full", "--certmap",
                                              os.path.join(srv.dir,
                                                           "certmap")],
                                    fill(srv, text))
    check_eq(status, 0, "exit status (%s)" % err)
    with open(os.path.join(srv.dir, "certmap")) as f:
        certmap = f.read()
    check('filter issuer="CN=Example CA,O=Example Corp" user=@CN' in
          certmap, "TLSUserName rule:\n" + certmap)
    fp = run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in",
              bob[0]]).stdout.strip().split("=", 1)[1]
    check("cert sha256:%s bob" % fp in certmap, "dot-login rule:\n" +
          certmap)
    for want in ("SecureCertMap %s/certmap" % srv.dir,
                 "SecurePassword optional", "SecureLogin required"):
        check(want in directives(out), "missing %r:\n%s" % (want, out))
    srv.conf_text += "\n" + out
    with open(srv.conf_path, "w") as f:
        f.write(srv.conf_text)
    with srv.start():
        for crt_key, user in ((alice, "alice"), (bob, "bob")):
            ctx = client_context()
            ctx.load_cert_chain(*crt_key)
            f = ftplib.FTP_TLS(context=ctx, timeout=10)
            f.connect("127.0.0.1", srv.port)
            f.auth()
            check_eq(f.sendcmd("USER " + user)[:3], "232",
                     "%s's certificate logs in without a password" % user)
            f.close()
    srv.stop()


IMPLICIT = """
<VirtualHost 127.0.0.1>
  Port {port2}
  ServerName implicit.example.test
""" + ACCOUNTS + """
  TLSEngine on
""" + SERVER_CERT + """
  TLSOptions UseImplicitSSL
  TLSRequired on
</VirtualHost>
"""


@test
def migrate_full_implicit_ftps():
    srv, out, err = migrated_server("mig_implicit", IMPLICIT)
    check("SecureImplicit on" in directives(out), "implicit:\n" + out)
    with srv:
        with Raw(srv.port2, implicit_ctx=client_context()) as c:
            check_eq(c.reply()[0], 220, "greeting over implicit TLS")
            check_eq(c.cmd("USER alice")[0], 331, "USER")
            check_eq(c.cmd("PASS alice-secret")[0], 230, "PASS")


TICKETS = """
ControlsEngine on
ControlsSocket {dir}/ctrls.sock
ControlsInterval 1
TLSEngine on
""" + SERVER_CERT + """
TLSRequired on
TLSSessionCache off
TLSSessionTicketKeys age 3600 count 5
"""


@test
def migrate_full_ticket_keys_and_no_cache():
    srv, out, err = migrated_server("mig_tickets", TICKETS)
    d = directives(out)
    for want in ("SecureSessionCache off", "SecureSessionReuse allowed",
                 "SecureTicketKeyLifetime 3600s"):
        check(want in d, "missing %r:\n%s" % (want, out))
    check("count 5: mod_secftp keeps exactly two keys" in out,
          "count reported:\n" + out)
    with srv:
        f = ftps(srv, "alice")
        f.prot_p()
        for _ in range(2):
            data = []
            f.retrbinary("RETR hello.txt", data.append)
            check_eq(b"".join(data), b"hello from alice\n", "download")
        f.quit()
        r = run(["/usr/bin/ftpdctl", "-s", os.path.join(srv.dir,
                                                         "ctrls.sock"),
                 "secftp", "cache"])
        check("lifetime 3600s" in r.stdout and "SecureSessionCache off" in
              r.stdout, "ftpdctl secftp cache: %s" % r.stdout)


TYPOS = """
TLSEngine on
""" + SERVER_CERT + """
TLSRequierd on
TLSCipherSuite HIHG:!aNULL
TLSProtocol TLSv1.2 TLSv1.3
"""


@test
def migrate_typos_are_errors_then_the_fix_starts():
    status, out, err = migrate(MOD_TLS, TYPOS)
    check_eq(status, 1, "exit status on typos")
    check_eq(out, "", "no output")
    for want in ("line 7: TLSRequierd: not a mod_tls directive (did you mean "
                 "TLSRequired?)",
                 "line 8: TLSCipherSuite: unknown cipher token 'HIHG' (did "
                 "you mean HIGH?)"):
        check(want in err, "stderr lacks %r:\n%s" % (want, err))
    status, out, err = migrate(MOD_TLS, "TLSCipherSuite ECDHE-RSA-AES128-"
                               "GCM-SHA265\n")
    check(status == 1 and "unknown cipher suite 'ECDHE-RSA-AES128-GCM-SHA265'"
          " (did you mean ECDHE-RSA-AES128-GCM-SHA256?)" in err,
          "misspelt suite: %s" % err)
    status, out, err = migrate(MOD_TLS, "TLSRequired on\nTLSFoo bar\n")
    check(status == 1 and "line 2: TLSFoo: not a mod_tls directive" in err,
          "unknown TLS* directive: %s" % err)
    fixed = TYPOS.replace("TLSRequierd", "TLSRequired").replace("HIHG",
                                                               "HIGH")
    srv, out, err = migrated_server("mig_typo_fixed", fixed)
    with srv:
        f = ftps(srv, "alice")
        f.prot_p()
        check("hello.txt" in f.nlst(), "listing")
        f.quit()


CHAIN = """
TLSEngine on
""" + SERVER_CERT + """
TLSCertificateChainFile {certs}/ca.crt
TLSRequired on
"""


@test
def migrate_full_chain_file():
    """TLSCertificateChainFile becomes SecureCertificateChain.  That
    directive comes with the certificate work (branch wp-ops); until it is
    merged, proftpd refuses it by name, and this test says so."""
    srv = Server("mig_chain", secure=False)
    status, out, err = migrate_args(MOD_TLS, ["--full"], fill(srv, CHAIN))
    check_eq(status, 0, "exit status (%s)" % err)
    check("SecureCertificateChain %s/ca.crt" % certs() in directives(out),
          "chain translated:\n" + out)
    srv.conf_text += "\n" + out
    with open(srv.conf_path, "w") as f:
        f.write(srv.conf_text)
    r = run([PROFTPD, "-t", "-c", srv.conf_path])
    if not module_has("SecureCertificateChain"):
        check(r.returncode != 0 and "SecureCertificateChain" in
              r.stdout + r.stderr, "without the directive in the module, "
              "proftpd refuses it by name: %s" % (r.stdout + r.stderr))
        return
    check_eq(r.returncode, 0, "proftpd -t (%s)" % (r.stdout + r.stderr))
    with srv.start():
        f = ftps(srv, "alice")
        check(len(f.sock.getpeercert(binary_form=True) or b"") > 0,
              "handshake")
        f.quit()
    srv.stop()


# ProFTPD's own mod_tls regression-test configurations ----------------------

def corpus_configs():
    """The mod_tls sections of ProFTPD's mod_tls tests (Debian's
    proftpd-dfsg source, fetched by contrib/static-build.sh --source-only),
    as configuration texts with the test's file names."""
    r = run([os.path.join(ROOT, "contrib", "static-build.sh"),
             "--source-only"], timeout=600)
    check(r.returncode == 0, "source: %s" % (r.stdout + r.stderr))
    tree = r.stdout.strip().splitlines()[-1]
    path = os.path.join(tree, "tests", "t", "lib", "ProFTPD", "Tests",
                        "Modules", "mod_tls.pm")
    with open(path, errors="replace") as f:
        text = f.read()
    configs = []
    for m in re.finditer(r"'mod_tls\.c' => \{(.*?)\n\s*\},", text, re.S):
        lines = []
        for key, value in re.findall(
                r"^\s*(TLS\w+) => (\[[^\]]*\]|'[^']*'|\"[^\"]*\"|[^,\n]+),",
                m.group(1), re.M):
            values = re.findall(r"'([^']*)'|\"([^\"]*)\"|(\$[\w>{}-]+)",
                                value)
            for single, double, var in values:
                v = corpus_value(single or double or var)
                if v is not None:
                    lines.append("%s %s" % (key, v))
        configs.append("\n".join(lines) + "\n")
    return configs


# Perl variables of mod_tls.pm naming files -> the files corpus_files()
# makes (a certificate file there holds its key too, as in those tests).
CORPUS_FILES = (("log", "{dir}/tls.log"), ("ca_", "{certs}/ca.crt"),
                ("crl", "{dir}/crl.pem"), ("pkcs12", "{dir}/server.p12"),
                ("provider", "/bin/echo"), ("key", "{dir}/server.pem"),
                ("cert", "{dir}/server.pem"), ("dhparam", "{dir}/dh.pem"))


def corpus_value(value):
    """value with its Perl variables replaced by test files, or None when
    a variable names no file (its value is not in the configuration)."""
    out = value
    for var in re.findall(r"\$[\w>{}-]+", value):
        path = next((p for word, p in CORPUS_FILES if word in var.lower()),
                    None)
        if path is None:
            return None
        out = out.replace(var, path)
    return out


def corpus_files(srv):
    """The files the corpus configurations name, in srv.dir."""
    combined = os.path.join(srv.dir, "server.pem")
    with open(combined, "w") as f:
        for name in ("server.crt", "server.key"):
            with open(cert(name)) as part:
                f.write(part.read())
    os.chmod(combined, 0o600)
    run(["openssl", "pkcs12", "-export", "-in", cert("server.crt"),
         "-inkey", cert("server.key"), "-passout", "pass:", "-out",
         os.path.join(srv.dir, "server.p12")], check=True)
    os.chmod(os.path.join(srv.dir, "server.p12"), 0o600)
    ca = CA(os.path.join(srv.dir, "crlca"), "/O=Example Corp/CN=CRL CA")
    ca.crl(os.path.join(srv.dir, "crl.pem"))


@test
def migrate_mod_tls_regression_corpus():
    """Every mod_tls configuration of ProFTPD's own tests is either
    translated into one proftpd accepts (proftpd -t), or refused by the
    tool with a reason; none is translated into one that does not start."""
    configs = corpus_configs()
    check(len(configs) >= 50, "corpus: %d configurations" % len(configs))
    srv = Server("mig_corpus", secure=False)
    corpus_files(srv)
    base = srv.conf_text
    pending = None if module_has("SecureCertificateChain") else 0
    accepted, refused, broken = 0, {}, []
    for i, text in enumerate(configs):
        status, out, err = migrate_args(MOD_TLS, ["--full", "--certmap",
                                                  os.path.join(srv.dir,
                                                               "certmap")],
                                        fill(srv, text))
        if status != 0:
            check(status == 1 and re.search(r": line \d+: ", err),
                  "#%d refused without a line: %s" % (i, err))
            reason = re.sub(r"^.*?line \d+: ", "", err.splitlines()[0])
            refused[reason] = refused.get(reason, 0) + 1
            continue
        with open(srv.conf_path, "w") as f:
            f.write(base + "\n" + out)
        r = run([PROFTPD, "-t", "-c", srv.conf_path])
        if r.returncode == 0:
            accepted += 1
        elif pending is not None and "SecureCertificateChain" in \
                r.stdout + r.stderr:
            pending += 1         # the directive of branch wp-ops
        else:
            broken.append("#%d:\n%s\n%s" % (i, text, r.stdout + r.stderr))
    print("corpus: %d configurations, %d translated and accepted by "
          "proftpd -t, %s waiting for SecureCertificateChain, %d refused "
          "by the tool: %r" % (len(configs), accepted, pending,
                               sum(refused.values()), refused))
    check(not broken, "translations proftpd refuses:\n" +
          "\n".join(broken[:5]))
    check(accepted >= len(configs) // 2, "most translate: %d of %d" % (
        accepted, len(configs)))
