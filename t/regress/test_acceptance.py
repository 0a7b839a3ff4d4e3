"""Acceptance checks against SPEC.md, written the way the owners test:
exact reply codes, every directive's startup error, hostile input on the
control channel.
"""

import os
import re
import socket

import harness
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
    "SecureSessionReuse": "sometimes",
    "SecureVerifyDepth": "deep",
    "SecureVerifyOrder": "ldap",
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
    "SecureSessionReuse": "required",
    "SecureVerifyDepth": "9",
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
    lineno = srv.conf_text.splitlines().index(line_text) + 1
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
        token = BAD_VALUES[directive]
        msg, lineno, path = _refused_at_line("bad_" + directive, directive,
                                             token)
        for want in ("'%s'" % token, "line %d " % lineno, path):
            check(want in msg, "%s %s: message lacks %r: %s" % (
                directive, token, want, msg))


@test
def one_value_directives_refuse_a_second_value():
    for directive, good in sorted(ONE_VALUE.items()):
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
