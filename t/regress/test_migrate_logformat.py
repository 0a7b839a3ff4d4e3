"""contrib/migrate-mod_tls.py on LogFormat lines that use mod_tls's
StdEnvVars names (issue 16): rewritten with mod_secftp's SECFTP_* names,
the ones without an equivalent listed, and the result run by a real
proftpd."""

import os
import ssl
import subprocess
import sys

import harness
from harness import ROOT, Server, check, check_eq, test

MOD_TLS = os.path.join(ROOT, "contrib", "migrate-mod_tls.py")

SAMPLE = """\
TLSEngine on
TLSRSACertificateFile /etc/ssl/ftp/server.pem
TLSOptions StdEnvVars
LogFormat tls "%m|%{TLS_SESSION_ID}e|%{TLS_LIBRARY_VERSION}e|%{TLS_PROTOCOL}e|%{note:TLS_CLIENT_M_SERIAL}|%{FTPS}e|%{TLS_CIPHER_KEYSIZE_USED}e"
LogFormat dnpart "%u %{TLS_CLIENT_S_DN_CN}e %{TLS_SERVER_M_SERIAL}e"
LogFormat plain "%h %u %{note:mod_auth.orig-user}"
"""


def translate(text):
    proc = subprocess.run([sys.executable, MOD_TLS, "-"], input=text,
                          capture_output=True, text=True, timeout=30)
    check_eq(proc.returncode, 0, "migrate-mod_tls.py (%s)" % proc.stderr)
    return proc.stdout


def logformats(out):
    return {line.split()[1]: line.strip() for line in out.splitlines()
            if line.strip().startswith("LogFormat ")}


@test
def migrate_rewrites_tls_names_in_log_formats():
    out = translate(SAMPLE)
    got = logformats(out)
    check_eq(sorted(got), ["dnpart", "tls"], "LogFormat lines written")
    check_eq(got["tls"], 'LogFormat tls "%m|%{note:SECFTP_SESSION_ID}|'
             '%{note:SECFTP_LIBRARY_VERSION}|%{note:SECFTP_PROTOCOL}|'
             '%{note:SECFTP_CLIENT_SERIAL}|%{note:SECFTP}|'
             '%{note:SECFTP_CIPHER_KEYSIZE_USED}"', "translated LogFormat")
    check_eq(got["dnpart"], 'LogFormat dnpart "%u %{TLS_CLIENT_S_DN_CN}e '
             '%{note:SECFTP_SERVER_SERIAL}"', "partly translated LogFormat")
    check("TLS_CLIENT_S_DN_CN: mod_secftp sets no such variable" in out,
          "the untranslatable name is not listed: " + out)
    check("SecureOptions StdEnvVars" in out, "StdEnvVars not translated")


@test
def migrated_log_format_logs_the_facts():
    fmt = logformats(translate(SAMPLE))["tls"]
    conf = ("SecureOptions StdEnvVars\n%s\n"
            "ExtendedLog {dir}/tls.log ALL tls\n" % fmt)
    with Server("migrated_logformat", conf=conf) as srv:
        f = harness.ftps(srv, "alice")
        version, bits = f.sock.version(), f.sock.cipher()[2]
        f.voidcmd("NOOP")
        f.quit()
        m = srv.wait_log(r"(?m)^NOOP\|.*$", name="tls.log")
        check(m, "no NOOP line: " + srv.log("tls.log"))
        fields = m.group(0).split("|")
        check(fields[1] not in ("", "-"), "no session id: %r" % fields[1])
        check_eq(fields[2], ssl.OPENSSL_VERSION, "library version")
        check_eq(fields[3], version, "protocol")
        check_eq(fields[5], "1", "SECFTP")
        check_eq(fields[6], str(bits), "key size used")
