#!/usr/bin/env python3
"""Translates the mod_tls part of a ProFTPD configuration into mod_secftp.

    contrib/migrate-mod_tls.py [options] /etc/proftpd/tls.conf > secftp.conf
    contrib/migrate-mod_tls.py [options] - < proftpd.conf

Options:
  --full            print the whole configuration, each mod_tls line replaced
                    in place by its translation (LoadModule mod_tls.c becomes
                    LoadModule mod_secftp.c, <IfModule mod_tls.c> becomes
                    <IfModule mod_secftp.c>): a file proftpd can start with.
                    Without it, only the mod_secftp blocks are printed, one per
                    section, in the same nesting, to merge by hand.
  --certmap FILE    where to write the SecureCertMap generated for TLSUserName
                    and TLSOptions AllowDotLogin (default: the input's path
                    with ".secftp-certmap" appended; ./secftp-certmap for
                    standard input).  The file is only written when needed.

Each translated line is preceded by a comment naming the mod_tls line it
comes from.  Every value that does not carry over is listed, with the
reason, in comments at the end of its block: nothing is dropped silently.

Decisions (doc/mod_secftp.html, "Migrating from mod_tls", says the same):
  - TLSRequired in <Directory> and .ftpaccess: mod_tls reads only its data
    part there, so it becomes SecureDataConn (private, never, clear); the
    control part is reported, not translated (it applies per server).
  - TLSRequired in <Anonymous>: the data part becomes SecureDataConn.  The
    control part (TLS for anonymous logins) needs SecureFTP in <Anonymous>,
    which this mod_secftp refuses; it is reported, and reported as WEAKER
    when the anonymous area required TLS and the server does not.
  - TLSRequired auth, auth+data, auth+!data keep CCC after login: SecureFTP
    required and SecureCtrlConn clear.
  - TLSCertificateChainFile becomes SecureCertificateChain.
  - TLSSessionCache off becomes SecureSessionCache off and SecureSessionReuse
    allowed: mod_tls does not require reuse without a session cache.
  - TLSCipherSuite: a list of suite names is kept (weak ones dropped and
    listed).  An OpenSSL rule (HIGH:!aNULL, ...) is expanded with this
    machine's OpenSSL, as mod_tls did, and the forward-secret (ECDHE) AEAD
    suites it selects are kept; the others are listed by reason.  A token
    that is neither a suite nor an OpenSSL keyword is an error.  Without
    TLSCipherSuite, the narrower mod_secftp default is noted.
  - TLSUserName and TLSOptions AllowDotLogin become a generated
    SecureCertMap (filter rules for each CA of TLSCACertificateFile/Path;
    a cert rule for each certificate in a user's ~/.tlslogin) with
    SecurePassword optional.
  - %{TLS_...}e and %{note:TLS_...} in LogFormat (and other log lines)
    become %{note:SECFTP_...}; a variable mod_secftp does not set is listed.
  - A TLS* directive mod_tls does not have is an error (a typo), not "no
    equivalent".

Not done for you:
  - Include lines are not followed (the output says which); run the tool
    on those files too.

Exit status: 0 translated, 1 the input is malformed or cannot be
translated faithfully (each problem is reported on stderr with its line;
nothing is printed), 2 usage or I/O.
"""

import difflib
import glob
import os
import pwd
import re
import shlex
import ssl
import subprocess
import sys

# --- Reading the configuration --------------------------------------------


class ConfigError(Exception):
    pass


class Line:
    """One directive: its name, arguments, line number and text."""

    def __init__(self, lineno, name, args, raw, text):
        self.lineno = lineno
        self.name = name
        self.args = args
        self.raw = raw           # whitespace collapsed, for comments
        self.text = text         # as written (stripped), for --full


class Section:
    """A <Section args> ... </Section> block, or the top level (name None)."""

    def __init__(self, name, args, lineno, parent=None, text=None):
        self.name = name
        self.args = args
        self.lineno = lineno
        self.parent = parent
        self.text = text
        self.items = []          # Line and Section, in order
        self.children = []       # translated subsections
        self.block = None
        self.anchor = None       # first TLS line: --full puts the block there


def logical_lines(text):
    """Yields (first line number, text), joining backslash continuations."""
    buf, start = "", None
    for lineno, line in enumerate(text.splitlines(), 1):
        if start is None:
            start = lineno
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        yield start, buf + line
        buf, start = "", None
    if start is not None:
        yield start, buf


def split_args(text, lineno):
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError as e:
        raise ConfigError("line %d: %s" % (lineno, e))


def parse(text):
    """Returns the top-level Section; raises ConfigError listing problems."""
    top = Section(None, [], 0)
    cur = top
    problems = []
    for lineno, line in logical_lines(text):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        try:
            if s.startswith("</"):
                if not s.endswith(">"):
                    raise ConfigError("line %d: unterminated %s" % (lineno, s))
                name = s[2:-1].strip()
                if cur.parent is None:
                    raise ConfigError("line %d: </%s> without <%s>" % (
                        lineno, name, name))
                if name.lower() != cur.name.lower():
                    raise ConfigError(
                        "line %d: </%s> closes <%s> opened on line %d" % (
                            lineno, name, cur.name, cur.lineno))
                cur = cur.parent
            elif s.startswith("<"):
                if not s.endswith(">"):
                    raise ConfigError("line %d: unterminated %s" % (lineno, s))
                words = split_args(s[1:-1], lineno)
                if not words:
                    raise ConfigError("line %d: empty section <>" % lineno)
                sec = Section(words[0], words[1:], lineno, cur, s)
                cur.items.append(sec)
                cur = sec
            else:
                words = split_args(s, lineno)
                cur.items.append(Line(lineno, words[0], words[1:],
                                      " ".join(s.split()), s))
        except ConfigError as e:
            problems.append(str(e))
    while cur.parent is not None:
        problems.append("line %d: <%s> is never closed" % (cur.lineno,
                                                           cur.name))
        cur = cur.parent
    if problems:
        raise ConfigError("\n".join(problems))
    return top


def context_of(sec):
    """'server' (top level, <VirtualHost>, <Global>), 'directory' or
    'anonymous': where a directive stands, as ProFTPD sees it."""
    while sec is not None and sec.name is not None:
        low = sec.name.lower()
        if low in ("directory", "limit"):
            return "directory"
        if low == "anonymous":
            return "anonymous"
        if low in ("virtualhost", "global"):
            return "server"
        sec = sec.parent
    return "server"


# --- Translation tables ---------------------------------------------------

# Every directive of mod_tls (ProFTPD 1.3.8): anything else named TLS* is a
# typo, which proftpd itself would refuse.
MOD_TLS_DIRECTIVES = [
    "TLSCACertificateFile", "TLSCACertificatePath", "TLSCARevocationFile",
    "TLSCARevocationPath", "TLSCertificateChainFile", "TLSCipherSuite",
    "TLSControlsACLs", "TLSCryptoDevice", "TLSDHParamFile",
    "TLSDSACertificateFile", "TLSDSACertificateKeyFile",
    "TLSECCertificateFile", "TLSECCertificateKeyFile", "TLSECDHCurve",
    "TLSEngine", "TLSLog", "TLSMasqueradeAddress", "TLSNextProtocol",
    "TLSOptions", "TLSPassPhraseProvider", "TLSPKCS12File",
    "TLSPreSharedKey", "TLSProtocol", "TLSRandomSeed", "TLSRenegotiate",
    "TLSRequired", "TLSRSACertificateFile", "TLSRSACertificateKeyFile",
    "TLSServerCipherPreference", "TLSServerInfoFile", "TLSSessionCache",
    "TLSSessionTicketKeys", "TLSSessionTickets", "TLSStapling",
    "TLSStaplingCache", "TLSStaplingOptions", "TLSStaplingResponder",
    "TLSStaplingTimeout", "TLSTimeoutHandshake", "TLSUserName",
    "TLSVerifyClient", "TLSVerifyDepth", "TLSVerifyOrder", "TLSVerifyServer",
]
MOD_TLS_LOWER = {d.lower(): d for d in MOD_TLS_DIRECTIVES}

BOOLEANS = {"on": True, "yes": True, "true": True, "1": True,
            "off": False, "no": False, "false": False, "0": False}

# TLSRequired value -> (control, data, auth) as mod_tls stores it:
# control 1 = the whole control connection; auth 1 = USER/PASS only (CCC
# allowed after login); data 1 = PROT P required, -1 = PROT P refused.
TLS_REQUIRED = {
    "control": (1, 0, 1), "ctrl": (1, 0, 1),
    "data": (0, 1, 0), "!data": (0, -1, 0),
    "both": (1, 1, 1), "ctrl+data": (1, 1, 1), "ctrl+!data": (1, -1, 1),
    "auth": (0, 0, 1), "auth+data": (0, 1, 1), "auth+!data": (0, -1, 1),
}

DATACONN = {1: "private", -1: "never", 0: "clear"}

TLS_VERIFY_CLIENT = {
    "off": "no_client_auth",
    "on": "required",
    "optional": "optional",
    "optional_no_ca": None,
}

# TLSOptions: option -> (SecureOptions word or None, other directive line or
# None, reason when there is no equivalent)
TLS_OPTIONS = {
    "stdenvvars": ("StdEnvVars", None, None),
    "exportcertdata": ("ExportCertData", None, None),
    "nosessionreuserequired": (None, "SecureSessionReuse allowed", None),
    "useimplicitssl": (None, "SecureImplicit on", None),
    "allowclientrenegotiations": (
        None, None, "mod_secftp never allows client-initiated "
        "renegotiation"),
    "allowdotlogin": (None, None, None),     # a generated SecureCertMap
    "allowperuser": (
        None, None, "per-user policy: use SecureDataConn in <IfUser>/"
        "<IfGroup>/<IfClass> (mod_ifsession) or <Directory>"),
    "allowweaksecurity": (None, None, "weak keys and suites are refused"),
    "enablediags": (
        None, None, "use 'Trace secftp:10 secftp.tls:10' (TraceLog) "
        "and SecureFTPLog"),
    "nocertrequest": (None, None, "not needed: SecureLogin decides"),
    "noemptyfragments": (None, None, "not needed with TLS 1.2/1.3"),
    # mod_secftp compares the name reverse DNS gives, which ProFTPD looks
    # up only with UseReverseDNS on.
    "dnsnamerequired": ("CertMustNameClientHost", "UseReverseDNS on", None),
    "ipaddressrequired": ("CertMustNameClientIP", None, None),
    "commonnamerequired": ("CertMustHaveCN", None, None),
    "allowweakdh": (None, None, "mod_secftp uses ECDHE only"),
    "ignoresni": (None, None, "SNI selects the <VirtualHost> (see "
                              "SecureOptions StrictSNI)"),
    "noautoecdh": (None, None, "groups are chosen with SecureGroups"),
}

PROTOCOLS = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
PROTOCOL_ALIASES = {"tlsv1.0": "TLSv1"}

CURVES = {
    "prime256v1": "P-256", "secp256r1": "P-256", "p-256": "P-256",
    "secp384r1": "P-384", "p-384": "P-384",
    "secp521r1": "P-521", "p-521": "P-521",
    "x25519": "X25519", "x448": "X448",
}

# Words in a suite name that mod_secftp refuses (it says so at startup).
WEAK_WORDS = {"NULL", "ANON", "ADH", "AECDH", "EXP", "EXPORT", "EXPORT40",
              "EXPORT1024", "EXP1024", "RC4", "DES", "DES40", "3DES", "CBC3",
              "MD5", "PSK", "SRP", "RC2"}

# OpenSSL cipher-string keywords (openssl-ciphers(1)), lower case.
CIPHER_KEYWORDS = {k.lower(): k for k in """
    DEFAULT COMPLEMENTOFDEFAULT ALL COMPLEMENTOFALL HIGH MEDIUM LOW eNULL
    NULL aNULL kRSA aRSA RSA kDHr kDHd kDH kDHE kEDH DH DHE EDH ADH kEECDH
    kECDHE ECDH ECDHE EECDH AECDH aDSS DSS aDH aECDSA ECDSA TLSv1.2 TLSv1.0
    TLSv1 SSLv3 AES128 AES256 AES AESGCM AESCCM AESCCM8 ARIA128 ARIA256
    ARIA ARIAGCM CAMELLIA128 CAMELLIA256 CAMELLIA CHACHA20 3DES DES RC4 RC2
    IDEA SEED MD5 SHA1 SHA SHA256 SHA384 aGOST aGOST01 kGOST GOST94
    GOST89MAC kGOST18 PSK kPSK kECDHEPSK kDHEPSK kRSAPSK aPSK SUITEB128
    SUITEB128ONLY SUITEB192 CBC EXP EXPORT SRP kSRP aSRP ECDHEPSK DHEPSK
    RSAPSK aECDH kECDH aECDSA EDH-RSA EDH-DSS LOW EXPORT40 EXPORT56
    """.split()}

SUITE_NAME = re.compile(r"^(TLS_[A-Z0-9_]+|[A-Z0-9]+(-[A-Z0-9]+)+)$", re.I)

# Directives with no mod_secftp equivalent, and why.
NO_EQUIVALENT = {
    "tlsdsacertificatefile": "DSA certificates are not supported",
    "tlsdsacertificatekeyfile": "DSA certificates are not supported",
    "tlsdhparamfile": "mod_secftp uses ECDHE only (SecureGroups)",
    "tlsrenegotiate": "renegotiation is never done (TLS 1.3 has none); "
                      "long sessions resume with fresh tickets",
    "tlsstaplingcache": "not needed: the daemon keeps the OCSP answers in "
                        "memory (SecureStapling)",
    "tlsstaplingoptions": "not needed: answers are always checked, and "
                          "refreshed before their nextUpdate",
    "tlsstaplingtimeout": "SecureOCSPTimeout bounds the fetches of "
                          "SecureStapling too",
    "tlscryptodevice": "OpenSSL engines are not configured by the module",
    "tlsrandomseed": "OpenSSL 3 seeds itself",
    "tlspresharedkey": "pre-shared keys are not supported",
    "tlsserverinfofile": "no serverinfo extensions",
    "tlscontrolsacls": "ftpdctl secftp has its own actions (status, "
                       "sessions, cache, reload-certmap): see "
                       "SecureControlsACLs",
    "tlsservercipherpreference":
        "not needed: the server's cipher order always wins",
    "tlsnextprotocol":
        "ALPN is answered always; see SecureALPN (strict rejects clients "
        "that offer ALPN without 'ftp')",
    "tlssessiontickets": "session tickets are always issued",
}

# What mod_tls exports (notes; environment with StdEnvVars) -> mod_secftp.
LOG_VARIABLE = re.compile(r"%\{(?:env:|note:)?(FTPS|TLS_[A-Za-z0-9_]+)\}e?")

DEFAULT_TLS13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                 "TLS_CHACHA20_POLY1305_SHA256"]
DEFAULT_TLS12 = ["ECDHE-ECDSA-AES128-GCM-SHA256",
                 "ECDHE-RSA-AES128-GCM-SHA256",
                 "ECDHE-ECDSA-AES256-GCM-SHA384",
                 "ECDHE-RSA-AES256-GCM-SHA384",
                 "ECDHE-ECDSA-CHACHA20-POLY1305",
                 "ECDHE-RSA-CHACHA20-POLY1305"]

# mod_tls' cipher rule when TLSCipherSuite is absent.
MOD_TLS_DEFAULT_RULE = "DEFAULT:!ADH:!EXPORT:!DES"


def is_tls13(name):
    """TLS 1.3 suites have no key exchange in their name."""
    return name.upper() in ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                            "TLS_CHACHA20_POLY1305_SHA256",
                            "TLS_AES_128_CCM_SHA256",
                            "TLS_AES_128_CCM_8_SHA256")


def suite_is_weak(name):
    words = set(re.split(r"[-_]", name.upper()))
    return bool(words & WEAK_WORDS)


DURATION_UNITS = {"": "s", "s": "s", "sec": "s", "secs": "s", "second": "s",
                  "seconds": "s", "m": "m", "min": "m", "mins": "m",
                  "minute": "m", "minutes": "m", "h": "h", "hr": "h",
                  "hrs": "h", "hour": "h", "hours": "h"}


def parse_duration(value):
    """A duration as ProFTPD reads it (60, 60sec, 10min, 1h, HH:MM:SS) ->
    mod_secftp's form (60s, 10m, 1h), or None."""
    m = re.match(r"^(\d+):(\d\d):(\d\d)$", value)
    if m:
        return "%ds" % (int(m.group(1)) * 3600 + int(m.group(2)) * 60 +
                        int(m.group(3)))
    m = re.match(r"^(\d+)\s*([a-z]*)$", value, re.I)
    if not m or m.group(2).lower() not in DURATION_UNITS:
        return None
    return m.group(1) + DURATION_UNITS[m.group(2).lower()]


def parse_ticket_keys(tokens):
    """mod_tls 'TLSSessionTicketKeys [age DURATION] [count N]' ->
    (age for SecureTicketKeyLifetime or None, count or None, problem)."""
    age = count = None
    i = 0
    while i < len(tokens):
        word = tokens[i].lower()
        if i + 1 >= len(tokens) or word not in ("age", "count"):
            return None, None, "expected 'age DURATION' and/or 'count N'"
        value = tokens[i + 1]
        if word == "age":
            age = parse_duration(value)
            if age is None:
                return None, None, "not a duration: '%s'" % value
        else:
            if not value.isdigit():
                return None, None, "not a number: '%s'" % value
            count = int(value)
        i += 2
    return age, count, None


# --- OpenSSL cipher rules -------------------------------------------------


def unknown_rule_token(rule):
    """The first word of an OpenSSL cipher rule that is neither a keyword
    nor a suite OpenSSL knows, or None."""
    known = known_suite_names()
    for element in re.split(r"[:, ]+", rule):
        element = element.lstrip("!+-")
        if not element or element.startswith("@"):
            if element and not re.match(r"^@(STRENGTH|SECLEVEL=\d)$",
                                        element, re.I):
                return element
            continue
        for word in element.split("+"):
            if word and word.lower() not in CIPHER_KEYWORDS and \
                    word.upper() not in known:
                return word
    return None


_known_suites = None


def known_suite_names():
    global _known_suites
    if _known_suites is None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.set_ciphers("ALL:COMPLEMENTOFALL:@SECLEVEL=0")
        _known_suites = {c["name"].upper() for c in ctx.get_ciphers()}
    return _known_suites


def needs_shared_secret(c):
    """PSK and SRP suites: a server negotiates them only with keys or
    verifiers configured, which mod_tls' TLSCipherSuite alone never did."""
    return c["kea"] in ("kx-psk", "kx-ecdhe-psk", "kx-dhe-psk",
                        "kx-rsa-psk", "kx-srp") or \
        c["auth"] in ("auth-psk", "auth-srp")


def expand_rule(rule):
    """The TLS 1.2 (and older) suites an OpenSSL rule selects here, in
    order, as dicts from ssl.SSLContext.get_ciphers(); [] if none.  PSK
    and SRP suites are left out (needs_shared_secret)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        ctx.set_ciphers(rule)
    except ssl.SSLError:
        return []
    return [c for c in ctx.get_ciphers() if c["protocol"] != "TLSv1.3" and
            not needs_shared_secret(c)]


def why_not_kept(c):
    """Why mod_secftp's translation leaves out suite c (or None)."""
    if suite_is_weak(c["name"]):
        return "weak (refused by mod_secftp)"
    if c["kea"] != "kx-ecdhe":
        return ("not forward-secret (RSA key exchange)"
                if c["kea"] == "kx-rsa" else
                "DHE or static DH (mod_secftp uses ECDHE only)")
    if c["auth"] not in ("auth-rsa", "auth-ecdsa"):
        return "needs a DSA certificate"
    if not c["aead"]:
        return "CBC mode (not AEAD)"
    return None


# --- Client certificates: TLSUserName, AllowDotLogin ----------------------


def pem_blocks(path):
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    return re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END "
                      r"CERTIFICATE-----", text, re.S)


def openssl_x509(pem, *options):
    r = subprocess.run(["openssl", "x509", "-noout"] + list(options),
                       input=pem, capture_output=True, text=True, timeout=30)
    return r.stdout.strip() if r.returncode == 0 else None


def ca_subjects(ca_file, ca_path):
    """RFC 4514 subjects of the trust anchors, or None if none readable."""
    files = [ca_file] if ca_file else []
    if ca_path:
        files += sorted(p for p in glob.glob(os.path.join(ca_path, "*"))
                        if os.path.isfile(p))
    subjects = []
    for path in files:
        for pem in pem_blocks(path) or []:
            out = openssl_x509(pem, "-subject", "-nameopt", "RFC2253")
            if out and out.startswith("subject="):
                dn = out[len("subject="):].strip()
                if dn not in subjects:
                    subjects.append(dn)
    return subjects or None


def accounts(passwd_files):
    """(name, home) of the system's accounts and of the AuthUserFiles the
    configuration names (mod_tls looked in the home the auth modules gave)."""
    found = [(e.pw_name, e.pw_dir) for e in pwd.getpwall()]
    for path in passwd_files:
        try:
            with open(path, errors="replace") as f:
                for line in f:
                    fields = line.rstrip("\n").split(":")
                    if len(fields) >= 7 and not line.startswith("#"):
                        found.append((fields[0], fields[5]))
        except OSError:
            continue
    return found


def dot_login_rules(passwd_files):
    """'cert sha256:... user' for each certificate in a ~/.tlslogin."""
    rules, seen = [], set()
    for name, home in accounts(passwd_files):
        if (name, home) in seen:
            continue
        seen.add((name, home))
        for pem in pem_blocks(os.path.join(home, ".tlslogin")) or []:
            fp = openssl_x509(pem, "-fingerprint", "-sha256")
            if fp and "=" in fp:
                rules.append("cert sha256:%s %s" % (fp.split("=", 1)[1],
                                                     name))
    return rules


# --- Translation ----------------------------------------------------------


class Block:
    """The translation of one section: output lines and untranslated ones."""

    def __init__(self):
        self.out = []            # (comment, directive lines)
        self.missing = []        # (lineno, raw, reason)
        self.errors = []

    def add(self, src, *lines):
        self.out.append(("from line %d: %s" % (src.lineno, src.raw),
                         list(lines)))

    def none(self, src, reason):
        self.missing.append((src.lineno, src.raw, reason))

    def error(self, src, msg):
        self.errors.append("line %d: %s: %s" % (src.lineno, src.name, msg))


def quote(value):
    """A value as ProFTPD reads it back: quoted when it has spaces."""
    if re.search(r"\s", value):
        return '"%s"' % value.replace('"', '\\"')
    return value


def one_arg(block, d, choices=None):
    if len(d.args) != 1:
        block.error(d, "expected one value, got %d" % len(d.args))
        return None
    value = d.args[0]
    if choices is not None and value.lower() not in choices:
        block.error(d, "unknown value '%s' (expected one of: %s)" % (
            value, ", ".join(sorted(choices))))
        return None
    return quote(value)


def translate_protocols(block, d):
    if not d.args:
        block.error(d, "no protocol named")
        return
    chosen = set()
    for tok in d.args:
        low = tok.lower()
        sign = ""
        if tok[0] in "+-":
            sign, low = tok[0], low[1:]
        low = PROTOCOL_ALIASES.get(low, low).lower()
        if low in ("all", "sslv23"):
            names = list(PROTOCOLS)
        else:
            names = [p for p in PROTOCOLS if p.lower() == low]
            if not names:
                block.error(d, "unknown protocol '%s'" % tok)
                return
        if sign == "-":
            chosen.difference_update(names)
        else:
            chosen.update(names)
    modern = [p for p in ("TLSv1.2", "TLSv1.3") if p in chosen]
    old = [p for p in ("SSLv3", "TLSv1", "TLSv1.1") if p in chosen]
    if old:
        block.none(d, "%s left out: deprecated (RFC 8996); SSLv3 is never "
                   "offered, TLSv1/TLSv1.1 can be named in SecureProtocol if "
                   "a client truly needs them" % " ".join(old))
    if modern:
        block.add(d, "SecureProtocol " + " ".join(modern))
    else:
        block.none(d, "no TLS 1.2 or 1.3 left: mod_secftp's default "
                   "(TLSv1.2 TLSv1.3) applies")


def report_dropped_suites(block, d, suites, what):
    """One 'not translated' entry per reason, naming every suite."""
    by_reason = {}
    for c in suites:
        by_reason.setdefault(why_not_kept(c), []).append(c["name"])
    for reason, names in sorted(by_reason.items()):
        block.none(d, "%s %s: %s" % (what, reason, " ".join(names)))


def translate_cipher_rule(block, d, rule):
    bad = unknown_rule_token(rule)
    if bad is not None:
        hint = difflib.get_close_matches(bad.lower(), CIPHER_KEYWORDS, 1)
        block.error(d, "unknown cipher token '%s'%s" % (
            bad, " (did you mean %s?)" % CIPHER_KEYWORDS[hint[0]]
            if hint else ""))
        return
    suites = expand_rule(rule)
    kept = [c for c in suites if why_not_kept(c) is None]
    if not kept:
        block.error(d, "the rule '%s' selects no forward-secret AEAD suite "
                    "here; list the suites to keep by name" % rule)
        return
    block.add(d, "CipherSuite " + " ".join(c["name"] for c in kept))
    report_dropped_suites(block, d, [c for c in suites
                                     if why_not_kept(c) is not None],
                          "suites of the rule left out,")


def translate_ciphers(block, d):
    args = list(d.args)
    if not args:
        block.error(d, "no cipher list")
        return
    if args[0].lower() == "tlsv1.3" and len(args) > 1:
        args = args[1:]
    tokens = [t for a in args for t in re.split(r"[:, ]+", a) if t]
    if not tokens:
        block.error(d, "no cipher list")
        return
    if not all(SUITE_NAME.match(t) for t in tokens):
        translate_cipher_rule(block, d, ":".join(tokens))
        return
    known = known_suite_names()
    for t in tokens:
        if not (suite_is_weak(t) or is_tls13(t) or t.upper() in known):
            hint = difflib.get_close_matches(t.upper(), known, 1)
            block.error(d, "unknown cipher suite '%s'%s" % (
                t, " (did you mean %s?)" % hint[0] if hint else ""))
            return
    kept = [t for t in tokens if not suite_is_weak(t)]
    dropped = [t for t in tokens if suite_is_weak(t)]
    if dropped:
        block.none(d, "weak suites refused by mod_secftp: %s" %
                   " ".join(dropped))
    if kept:
        block.add(d, "CipherSuite " + " ".join(kept))


def translate_session_cache(block, d):
    if not d.args:
        block.error(d, "no cache type")
        return
    kind = d.args[0].split(":")[0].lower()
    if kind in ("internal", "shm"):
        block.add(d, "SecureSessionCache internal")
    elif kind == "redis":
        block.add(d, "SecureSessionCache redis")
        block.none(d, "a fleet also needs SecureTicketKeyFile (the same "
                   "root-only file on every node: openssl rand 48) and "
                   "SecureRedisServer (mod_redis' RedisServer still works)")
    elif kind == "off":
        block.add(d, "SecureSessionCache off", "SecureSessionReuse allowed")
        block.none(d, "mod_tls requires no session reuse without a session "
                   "cache, hence SecureSessionReuse allowed; mod_secftp can "
                   "still resume data connections: set SecureSessionReuse "
                   "required to get RFC 4217's protection")
    else:
        block.none(d, "cache type '%s' has no equivalent: use internal or "
                   "redis" % kind)


# mod_tls's StdEnvVars names (environment, and session notes) and
# mod_secftp's for the same fact (doc/mod_secftp.html, "Session notes and
# environment").  The certificate facts follow one pattern, below.
TLS_ENV_NAMES = {
    "FTPS": "SECFTP",
    "TLS_PROTOCOL": "SECFTP_PROTOCOL",
    "TLS_CIPHER": "SECFTP_CIPHER",
    "TLS_SESSION_ID": "SECFTP_SESSION_ID",
    "TLS_LIBRARY_VERSION": "SECFTP_LIBRARY_VERSION",
    "TLS_CIPHER_KEYSIZE_USED": "SECFTP_CIPHER_KEYSIZE_USED",
    "TLS_CIPHER_KEYSIZE_POSSIBLE": "SECFTP_CIPHER_KEYSIZE_POSSIBLE",
    "TLS_SERVER_NAME": "SECFTP_SERVER_NAME",
}
TLS_CERT_FACT = re.compile(r"TLS_(CLIENT|SERVER)_(M_VERSION|M_SERIAL|S_DN|I_DN|"
                           r"V_START|V_END|A_SIG|A_KEY|CERT|CERT_CHAIN\d+)")


def secftp_fact_name(name):
    """mod_secftp's name for a mod_tls StdEnvVars name, or None."""
    if name in TLS_ENV_NAMES:
        return TLS_ENV_NAMES[name]
    m = TLS_CERT_FACT.fullmatch(name)
    if m is None or (m.group(1) == "SERVER" and
                     m.group(2).startswith("CERT_CHAIN")):
        return None
    return "SECFTP_%s_%s" % (m.group(1), m.group(2).replace("M_SERIAL",
                                                            "SERIAL"))


def rewrite_log_variables(line):
    """(rewritten text, [unknown variable names]) of a log format line."""
    unknown = []

    def repl(m):
        name = secftp_fact_name(m.group(1))
        if name is None:
            unknown.append(m.group(1))
            return m.group(0)
        return "%%{note:%s}" % name
    return LOG_VARIABLE.sub(repl, line), unknown


class Translator:
    """Collects the TLS directives of one section and writes its block."""

    def __init__(self, sec, opts):
        self.sec = sec
        self.opts = opts
        self.context = context_of(sec)
        self.block = Block()
        self.certs = {}          # kind -> {"cert": Line, "key": Line}
        self.options = []
        self.last_options_line = None
        self.ca = {}             # "file"/"path" -> value
        self.user_name = None    # (Line, @field)
        self.dot_login = None    # Line
        self.verify_client = None
        self.ciphers_seen = False
        self.engine_on = None    # Line of TLSEngine on

    def cert(self, kind, part, d):
        if one_arg(self.block, d) is not None:
            self.certs.setdefault(kind, {})[part] = d

    def directive(self, d):
        """Translates d; returns True if it is a mod_tls directive."""
        n = d.name.lower()
        if n.startswith("tls") and n not in MOD_TLS_LOWER:
            hint = difflib.get_close_matches(d.name, MOD_TLS_DIRECTIVES, 1)
            self.block.error(d, "not a mod_tls directive%s" % (
                " (did you mean %s?)" % hint[0] if hint else ""))
            return True
        if n not in MOD_TLS_LOWER:
            if n == "authuserfile" and d.args:
                self.opts.passwd_files.append(d.args[0])
            self.other_directive(d)
            return False
        if self.sec.anchor is None:
            self.sec.anchor = d
        if self.context != "server" and n != "tlsrequired":
            self.block.none(d, "mod_tls takes it per server only; it is "
                            "ignored here")
            return True
        handler = getattr(self, "d_" + n, None)
        if handler is not None:
            handler(d)
        else:
            self.block.none(d, NO_EQUIVALENT.get(n, "no mod_secftp "
                                                    "equivalent"))
        return True

    def other_directive(self, d):
        """Log formats naming mod_tls' variables are rewritten."""
        if not LOG_VARIABLE.search(d.text):
            return
        text, unknown = rewrite_log_variables(d.text)
        d.rewritten = text
        if self.sec.anchor is None:
            self.sec.anchor = d
        self.block.add(d, text)
        for name in unknown:
            self.block.none(d, "%s: mod_secftp sets no such variable (the "
                            "field logs '-'); see the manual's list of "
                            "SECFTP_* notes" % name)

    def d_tlsengine(self, d):
        v = one_arg(self.block, d, set(BOOLEANS))
        if v:
            on = BOOLEANS[v.lower()]
            self.block.add(d, "SecureEngine " + ("on" if on else "off"))
            self.engine_on = d if on else None

    def d_tlsrequired(self, d):
        b = self.block
        v = one_arg(b, d, set(TLS_REQUIRED) | set(BOOLEANS))
        if not v:
            return
        v = v.lower()
        if v in BOOLEANS:
            ctrl, data, auth = (1, 1, 1) if BOOLEANS[v] else (0, 0, 0)
        else:
            ctrl, data, auth = TLS_REQUIRED[v]
        if self.context == "directory":
            b.add(d, "SecureDataConn " + DATACONN[data])
            if ctrl or auth:
                b.none(d, "the control-connection part applies per server "
                       "(mod_tls reads only the data part in <Directory>)")
            return
        if self.context == "anonymous":
            b.add(d, "SecureDataConn " + DATACONN[data])
            self.opts.anonymous_control.append((self, d, ctrl or auth))
            return
        lines = []
        if ctrl or auth:
            lines.append("SecureFTP required")
            # 'auth' protects the login only: CCC stays possible after it.
            lines.append("SecureCtrlConn " + ("private" if ctrl else
                                              "clear"))
        else:
            lines.append("SecureFTP allowed")
        lines.append("SecureDataConn " + DATACONN[data])
        b.add(d, *lines)
        if data == 1 and not (ctrl or auth):
            b.none(d, "SecureDataConn private also requires AUTH before "
                   "login")
        self.opts.server_control[id(self.sec)] = bool(ctrl or auth)

    def d_tlsverifyclient(self, d):
        v = one_arg(self.block, d, set(TLS_VERIFY_CLIENT) | set(BOOLEANS))
        if not v:
            return
        v = v.lower()
        if v in BOOLEANS:
            v = "on" if BOOLEANS[v] else "off"
        login = TLS_VERIFY_CLIENT[v]
        self.verify_client = login
        if login:
            self.block.add(d, "SecureLogin " + login)
        else:
            self.block.add(d, "SecureLogin optional")
            self.block.none(d, "optional_no_ca: a certificate that does not "
                            "verify is never accepted (SecureLogin "
                            "optional)")

    def d_tlsprotocol(self, d):
        translate_protocols(self.block, d)

    def d_tlsciphersuite(self, d):
        self.ciphers_seen = True
        translate_ciphers(self.block, d)

    def d_tlsoptions(self, d):
        b = self.block
        if not d.args:
            b.error(d, "no option named")
            return
        for opt in d.args:
            entry = TLS_OPTIONS.get(opt.lower())
            if entry is None:
                b.error(d, "unknown option '%s'" % opt)
                continue
            if opt.lower() == "allowdotlogin":
                self.dot_login = d
                continue
            word, line, reason = entry
            if word:
                self.options.append(word)
            if line:
                b.add(d, line)
            if reason:
                b.none(d, "%s: %s" % (opt, reason))
        self.last_options_line = d

    def d_tlsrsacertificatefile(self, d):
        self.cert("rsa", "cert", d)

    def d_tlsrsacertificatekeyfile(self, d):
        self.cert("rsa", "key", d)

    def d_tlseccertificatefile(self, d):
        self.cert("ec", "cert", d)

    def d_tlseccertificatekeyfile(self, d):
        self.cert("ec", "key", d)

    def d_tlscertificatechainfile(self, d):
        v = one_arg(self.block, d)
        if v:
            self.block.add(d, "SecureCertificateChain " + v)

    def simple(self, d, directive):
        v = one_arg(self.block, d)
        if v:
            self.block.add(d, directive + " " + v)
        return v

    def d_tlspkcs12file(self, d):
        self.simple(d, "SecureKeyring")

    def d_tlspassphraseprovider(self, d):
        self.simple(d, "SecurePassPhraseProvider")

    def d_tlscacertificatefile(self, d):
        self.ca["file"] = self.simple(d, "SecureCACertificate")

    def d_tlscacertificatepath(self, d):
        self.ca["path"] = self.simple(d, "SecureCACertificate")

    def d_tlscarevocationfile(self, d):
        self.simple(d, "SecureCARevocation")

    d_tlscarevocationpath = d_tlscarevocationfile

    def d_tlslog(self, d):
        self.simple(d, "SecureFTPLog")

    def d_tlsmasqueradeaddress(self, d):
        self.simple(d, "SecureMasqueradeAddress")

    def d_tlsstapling(self, d):
        v = one_arg(self.block, d, ("on", "off"))
        if v:
            self.block.add(d, "SecureStapling " + v.lower())

    d_tlsstaplingengine = d_tlsstapling

    def d_tlsstaplingresponder(self, d):
        self.simple(d, "SecureStaplingResponder")

    def d_tlsverifyserver(self, d):
        v = one_arg(self.block, d, ("on", "off", "noreversedns"))
        if v:
            # NoReverseDNS: mod_secftp checks no name at all.
            self.block.add(d, "SecureVerifyServer " + (
                "off" if v.lower() == "off" else "on"))

    def numeric(self, d, directive):
        v = one_arg(self.block, d)
        if v is not None and not v.isdigit():
            self.block.error(d, "not a number: '%s'" % v)
        elif v:
            self.block.add(d, directive + " " + v)

    def d_tlsverifydepth(self, d):
        self.numeric(d, "SecureVerifyDepth")

    def d_tlstimeouthandshake(self, d):
        self.numeric(d, "SecureHandshakeTimeout")

    def d_tlsverifyorder(self, d):
        words = [a.lower() for a in d.args]
        if not words or any(w not in ("crl", "ocsp") for w in words):
            self.block.error(d, "expected crl and/or ocsp")
        else:
            self.block.add(d, "SecureVerifyOrder " + " ".join(words))

    def d_tlssessioncache(self, d):
        translate_session_cache(self.block, d)

    def d_tlssessionticketkeys(self, d):
        age, count, problem = parse_ticket_keys(d.args)
        if problem:
            self.block.error(d, problem)
            return
        if age:
            self.block.add(d, "SecureTicketKeyLifetime " + age)
        if count is not None:
            self.block.none(d, "count %d: mod_secftp keeps exactly two keys "
                            "(the current one and the previous one, which "
                            "still decrypts)" % count)

    def d_tlsecdhcurve(self, d):
        groups = []
        for a in d.args:
            for c in a.split(":"):
                g = CURVES.get(c.lower())
                if g is None:
                    self.block.error(d, "unknown curve '%s'" % c)
                    return
                groups.append(g)
        if groups:
            self.block.add(d, "SecureGroups " + " ".join(groups))

    def d_tlsusername(self, d):
        v = one_arg(self.block, d)
        if not v:
            return
        field = {"commonname": "@CN", "emailsubjaltname": "@email",
                 "0.9.2342.19200300.100.1.1": "@UID"}.get(v.lower())
        if field is None:
            self.block.error(d, "custom field '%s' has no SecureCertMap "
                             "equivalent (CommonName, EmailSubjAltName, "
                             "or the UID OID)" % v)
            return
        self.user_name = (d, field)

    def finish(self):
        b = self.block
        for kind in ("rsa", "ec"):
            pair = self.certs.get(kind)
            if not pair:
                continue
            if "cert" not in pair:
                b.error(pair["key"], "key file without its certificate file")
                continue
            cert = pair["cert"]
            line = "SecureCertificate " + quote(cert.args[0])
            if "key" in pair:
                line += " " + quote(pair["key"].args[0])
            b.add(cert, line)
        if self.options:
            b.add(self.last_options_line,
                  "SecureOptions " + " ".join(self.options))
        self.certificate_logins()
        self.complete_cipher_lists()
        self.note_default_ciphers()
        return b

    def certificate_logins(self):
        """TLSUserName and AllowDotLogin: one generated SecureCertMap."""
        if self.user_name is None and self.dot_login is None:
            return
        b = self.block
        src = self.user_name[0] if self.user_name else self.dot_login
        if self.verify_client in (None, "no_client_auth"):
            b.none(src, "certificate logins: TLSVerifyClient is off here, "
                   "so mod_tls never saw a client certificate; nothing to "
                   "map (set SecureLogin optional and SecureCertMap to use "
                   "them)")
            return
        rules = []
        if self.user_name:
            d, field = self.user_name
            subjects = ca_subjects(self.ca.get("file"), self.ca.get("path"))
            if subjects is None:
                b.error(d, "needs a readable TLSCACertificateFile or "
                        "TLSCACertificatePath here: the generated "
                        "SecureCertMap names each client CA")
                return
            rules += ['filter issuer="%s" user=%s' % (s, field)
                      for s in subjects]
        if self.dot_login:
            found = dot_login_rules(self.opts.passwd_files)
            rules += found
            if not found:
                b.none(self.dot_login, "AllowDotLogin: no ~/.tlslogin found "
                       "now; add 'cert sha256:... USER' lines to %s" %
                       self.opts.certmap)
        self.opts.write_certmap(rules, src)
        b.add(src, "SecureCertMap " + quote(self.opts.certmap),
              "SecurePassword optional")

    def complete_cipher_lists(self):
        """mod_secftp refuses to start when an enabled TLS version has no
        suite in CipherSuite, while mod_tls kept OpenSSL's defaults for the
        version its list did not cover: add mod_secftp's defaults for it."""
        b = self.block
        suites, protocols, src = [], ["TLSv1.2", "TLSv1.3"], None
        for comment, lines in b.out:
            for line in lines:
                words = line.split()
                if words[0] == "CipherSuite":
                    suites += words[1:]
                    src = src or comment
                elif words[0] == "SecureProtocol":
                    protocols = words[1:]
        if not suites:
            return
        has13 = any(is_tls13(x) for x in suites)
        has12 = any(not is_tls13(x) for x in suites)
        for version, present, defaults in (
                ("TLSv1.3", has13, DEFAULT_TLS13),
                ("TLSv1.2", has12, DEFAULT_TLS12)):
            if version in protocols and not present:
                b.out.append(("%s: no %s suite listed; mod_secftp needs one "
                              "for each enabled version (its defaults)" % (
                                  src, version),
                              ["CipherSuite " + " ".join(defaults)]))

    def note_default_ciphers(self):
        """Where mod_tls' own default list applied, mod_secftp's narrower
        one now does: say which suites clients lose."""
        if self.engine_on is None or self.ciphers_seen:
            return
        lost = [c for c in expand_rule(MOD_TLS_DEFAULT_RULE)
                if why_not_kept(c) is not None]
        self.block.none(self.engine_on, "no TLSCipherSuite: mod_tls offered "
                        "OpenSSL's '%s'; mod_secftp's default is narrower "
                        "(forward-secret AEAD only: %s)" % (
                            MOD_TLS_DEFAULT_RULE, " ".join(DEFAULT_TLS12)))
        report_dropped_suites(self.block, self.engine_on, lost,
                              "no longer offered by default,")


def translate_section(sec, opts, includes, errors):
    """Translates sec and its subsections; each gets a .block."""
    tr = Translator(sec, opts)
    for item in sec.items:
        if isinstance(item, Section):
            low = item.name.lower()
            args = [a.lower() for a in item.args]
            if low == "ifmodule" and args in (["mod_tls.c"], ["mod_tls"]):
                # Its contents belong to this section: splice them in.
                item.spliced = True
                for sub in item.items:
                    if isinstance(sub, Section):
                        sub.parent = sec
                        sec.children.append(sub)
                        translate_section(sub, opts, includes, errors)
                    elif sub.name.lower() == "include":
                        includes.append(sub)
                    else:
                        tr.directive(sub)
                continue
            if low == "ifmodule" and args and args[0].startswith("!mod_tls"):
                continue         # only used when mod_tls is absent
            sec.children.append(item)
            translate_section(item, opts, includes, errors)
        elif item.name.lower() == "include":
            includes.append(item)
        else:
            tr.directive(item)
    sec.block = tr.finish()
    sec.translator = tr
    errors += sec.block.errors


def has_certificate(sec):
    tr = getattr(sec, "translator", None)
    return tr is not None and (bool(tr.certs) or any(
        line.split()[0] == "SecureKeyring"
        for _, lines in tr.block.out for line in lines))


def check_certificates(sec, top, errors):
    """A server with TLSEngine on needs a certificate mod_secftp can load,
    in its own section or a <Global> (a <VirtualHost> inherits nothing
    from the server config); DSA-only servers have none."""
    tr = getattr(sec, "translator", None)
    if tr is not None and tr.engine_on is not None:
        up, found = sec, False
        while up is not None and not found:
            found = has_certificate(up)
            if up.name is None or up.name.lower() == "virtualhost":
                break
            up = up.parent
        found = found or any(has_certificate(c) for c in top.children
                             if c.name.lower() == "global")
        if not found:
            errors.append("line %d: TLSEngine: on, but no certificate "
                          "mod_secftp can use for this server (RSA or EC "
                          "certificate files, or a PKCS#12 file; DSA is not "
                          "supported)" % tr.engine_on.lineno)
    for child in sec.children:
        check_certificates(child, top, errors)


def check_anonymous_control(opts, top):
    """<Anonymous> whose TLSRequired asked for TLS on the control
    connection: SecureFTP cannot be set there."""
    for tr, d, wanted in opts.anonymous_control:
        server = tr.sec.parent
        while server is not None and server.name is not None and \
                server.name.lower() not in ("virtualhost", "global"):
            server = server.parent
        server_requires = opts.server_control.get(id(server), False) or \
            opts.server_control.get(id(top), False)
        if wanted and not server_requires:
            tr.block.none(d, "WEAKER: this <Anonymous> required TLS for its "
                          "logins; SecureFTP cannot be set in <Anonymous>, "
                          "and the server allows clear logins. Set "
                          "SecureFTP required for the server, or move the "
                          "anonymous area to its own <VirtualHost>")
        elif not wanted and server_requires:
            tr.block.none(d, "stricter: anonymous logins allowed TLS-less "
                          "here now need TLS (SecureFTP is per server)")
        elif wanted:
            tr.block.none(d, "the control part is the server's SecureFTP "
                          "required")


# --- Output ---------------------------------------------------------------


def has_output(sec):
    return bool(sec.block.out or sec.block.missing) or any(
        has_output(c) for c in sec.children)


def block_lines(blk, pad):
    out = []
    for comment, lines in blk.out:
        out.append(pad + "# " + comment)
        out += [pad + line for line in lines]
    if blk.missing:
        out.append(pad + "# Not translated, or only in part:")
        for lineno, raw, reason in blk.missing:
            out.append(pad + "#   line %d: %s" % (lineno, raw))
            out.append(pad + "#     -> %s" % reason)
    return out


def render_section(sec, indent, out):
    """Appends sec (if it or a subsection has output) to out."""
    if not has_output(sec):
        return
    inner = indent
    if sec.name is not None:
        out.append("%s<%s>" % (indent, " ".join([sec.name] + sec.args)))
        inner = indent + "  "
    blk = sec.block
    if blk.out or blk.missing:
        out.append(inner + "<IfModule mod_secftp.c>")
        out += block_lines(blk, inner + "  ")
        out.append(inner + "</IfModule>")
        if sec.name is None:
            out.append("")
    for child in sec.children:
        render_section(child, inner, out)
    if sec.name is not None:
        out.append("%s</%s>" % (indent, sec.name))
    if indent == "" and sec.name is not None:
        out.append("")


def render_full(sec, indent, out, owner):
    """Appends sec's items as written, mod_tls lines replaced: owner is the
    section whose block goes where its first mod_tls line stood."""
    for item in sec.items:
        if isinstance(item, Section):
            low = item.name.lower()
            args = [a.lower() for a in item.args]
            if getattr(item, "spliced", False):
                out.append(indent + "<IfModule mod_secftp.c>")
                render_full(item, indent + "  ", out, owner)
                out.append(indent + "</IfModule>")
            elif low == "ifmodule" and args and args[0].startswith("!mod_tls"):
                out.append(indent + "# %s ... </IfModule> (line %d) left "
                           "out: mod_tls is no longer loaded, so it would "
                           "apply" % (item.text, item.lineno))
            else:
                out.append(indent + item.text)
                render_full(item, indent + "  ", out, item)
                out.append(indent + "</%s>" % item.name)
            continue
        n = item.name.lower()
        if item is owner.anchor:
            out += block_lines(owner.block, indent)
        if n == "loadmodule" and [a.lower() for a in item.args] == \
                ["mod_tls.c"]:
            out.append(indent + "<IfModule !mod_secftp.c>")
            out.append(indent + "  LoadModule mod_secftp.c")
            out.append(indent + "</IfModule>")
        elif n in MOD_TLS_LOWER or n.startswith("tls"):
            continue             # in the block above
        elif hasattr(item, "rewritten"):
            continue             # in the block above
        else:
            out.append(indent + item.text)
    if owner is sec and sec.anchor is None and (sec.block.out or
                                                 sec.block.missing):
        out += block_lines(sec.block, indent)


def header(source, includes):
    out = ["# mod_secftp configuration translated from the mod_tls "
           "configuration", "# in %s by contrib/migrate-mod_tls.py." % source]
    for inc in includes:
        out.append("# NOT FOLLOWED: line %d: %s -- run this tool on that "
                   "file too." % (inc.lineno, inc.raw))
    return out + [""]


def render(source, top, includes, full):
    out = header(source, includes)
    if full:
        render_full(top, "", out, top)
        return "\n".join(out).rstrip("\n") + "\n"
    out[2:2] = ["# Review it, merge each block into the matching section "
                "of your", "# configuration, and turn mod_tls off for these "
                "servers."]
    if not has_output(top):
        out.append("# No mod_tls directives found.")
    render_section(top, "", out)
    return "\n".join(out).rstrip("\n") + "\n"


class Options:
    """Command-line options, and facts gathered across sections."""

    def __init__(self, source, certmap):
        self.certmap = certmap or (
            "secftp-certmap" if source == "-" else source + ".secftp-certmap")
        self.certmap = os.path.abspath(self.certmap)
        self.certmap_rules = []
        self.anonymous_control = []
        self.passwd_files = []
        self.server_control = {}

    def write_certmap(self, rules, src):
        self.certmap_rules.append("# from line %d: %s" % (src.lineno,
                                                          src.raw))
        self.certmap_rules += rules

    def save_certmap(self):
        if not self.certmap_rules:
            return
        with open(self.certmap, "w") as f:
            f.write("# SecureCertMap generated by contrib/migrate-mod_tls.py "
                    "(doc/clientcert.md)\n")
            f.write("\n".join(self.certmap_rules) + "\n")
        sys.stderr.write("migrate-mod_tls: wrote %s\n" % self.certmap)


def main(argv):
    args = argv[1:]
    full, certmap = False, None
    while args and args[0].startswith("--"):
        if args[0] == "--full":
            full = True
            args = args[1:]
        elif args[0] == "--certmap" and len(args) > 1:
            certmap = args[1]
            args = args[2:]
        else:
            break
    if len(args) != 1 or args[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    path = args[0]
    try:
        if path == "-":
            text, source = sys.stdin.read(), "standard input"
        else:
            with open(path, encoding="utf-8", errors="replace") as f:
                text, source = f.read(), path
    except OSError as e:
        sys.stderr.write("migrate-mod_tls: %s\n" % e)
        return 2
    try:
        top = parse(text)
    except ConfigError as e:
        for msg in str(e).splitlines():
            sys.stderr.write("migrate-mod_tls: %s: %s\n" % (source, msg))
        return 1
    opts = Options(path, certmap)
    includes, errors = [], []
    translate_section(top, opts, includes, errors)
    check_anonymous_control(opts, top)
    check_certificates(top, top, errors)
    if errors:
        for msg in sorted(errors, key=lambda m: int(m.split()[1][:-1])):
            sys.stderr.write("migrate-mod_tls: %s: %s\n" % (source, msg))
        return 1
    try:
        opts.save_certmap()
    except OSError as e:
        sys.stderr.write("migrate-mod_tls: %s\n" % e)
        return 2
    sys.stdout.write(render(source, top, includes, full))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
