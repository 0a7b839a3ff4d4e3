"""Migration tools: contrib/migrate-mod_tls.py and contrib/migrate-zos.py
on sample inputs (malformed ones too), and their output run by a real
proftpd with mod_secftp."""

import os
import subprocess
import sys

from harness import ROOT, Server, cert, check, check_eq, ftps, test

MOD_TLS = os.path.join(ROOT, "contrib", "migrate-mod_tls.py")
ZOS = os.path.join(ROOT, "contrib", "migrate-zos.py")


def migrate(tool, text):
    """Runs tool on text (standard input); returns (status, out, err)."""
    proc = subprocess.run([sys.executable, tool, "-"], input=text,
                          capture_output=True, text=True, timeout=30)
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
