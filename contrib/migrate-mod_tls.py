#!/usr/bin/env python3
"""Translates the mod_tls part of a ProFTPD configuration into mod_secftp.

    contrib/migrate-mod_tls.py /etc/proftpd/tls.conf > secftp.conf
    contrib/migrate-mod_tls.py - < proftpd.conf

Reads a proftpd.conf (or an Included file) that configures ProFTPD's
mod_tls and prints the equivalent mod_secftp configuration: one
<IfModule mod_secftp.c> block for the server config, and one per
<VirtualHost>, <Global>, <Directory>, ... that holds TLS directives, in the
same nesting.  Each translated line is preceded by a comment naming the
mod_tls line it comes from.  What has no equivalent is listed, with the
reason, in comments at the end of its block: nothing is dropped silently.

Not done for you:
  - Include lines are not followed (the output says which); run the tool
    on those files too.
  - The output does not replace your configuration: merge the blocks into
    the matching sections, and turn mod_tls off (TLSEngine off, or no
    LoadModule mod_tls.c) for those servers: startup refuses a server with
    both engines on.

Exit status: 0 translated, 1 the input is malformed (each problem is
reported on stderr with its line; nothing is printed), 2 usage or I/O.
"""

import re
import shlex
import sys

# --- Reading the configuration --------------------------------------------


class ConfigError(Exception):
    pass


class Line:
    """One directive: its name, arguments and line number."""

    def __init__(self, lineno, name, args, raw):
        self.lineno = lineno
        self.name = name
        self.args = args
        self.raw = raw


class Section:
    """A <Section args> ... </Section> block, or the top level (name None)."""

    def __init__(self, name, args, lineno, parent=None):
        self.name = name
        self.args = args
        self.lineno = lineno
        self.parent = parent
        self.items = []          # Line and Section, in order
        self.children = []       # translated subsections
        self.block = None


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
                sec = Section(words[0], words[1:], lineno, cur)
                cur.items.append(sec)
                cur = sec
            else:
                words = split_args(s, lineno)
                cur.items.append(Line(lineno, words[0], words[1:],
                                      " ".join(s.split())))
        except ConfigError as e:
            problems.append(str(e))
    while cur.parent is not None:
        problems.append("line %d: <%s> is never closed" % (cur.lineno,
                                                           cur.name))
        cur = cur.parent
    if problems:
        raise ConfigError("\n".join(problems))
    return top


# --- Translation tables ---------------------------------------------------

# TLSRequired value -> (SecureFTP, SecureDataConn, note)
TLS_REQUIRED = {
    "off": ("allowed", "clear", None),
    "on": ("required", "private", None),
    "ctrl": ("required", "clear", None),
    "data": (None, "private",
             "SecureDataConn private also requires AUTH before login"),
    "auth": ("required", None,
             "mod_tls 'auth' protects only the login; SecureFTP required "
             "protects the whole control connection"),
    "auth+data": ("required", "private", None),
    "!data": (None, "never", None),
    "ctrl+!data": ("required", "never", None),
    "auth+!data": ("required", "never", None),
}

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
    "allowdotlogin": (
        None, None, "no ~/.tlslogin: map certificates to users with "
        "SecureCertMap (and SecurePassword optional)"),
    "allowperuser": (
        None, None, "per-user policy: use SecureDataConn in <IfUser>/"
        "<IfGroup>/<IfClass> (mod_ifsession) or <Directory>"),
    "enablediags": (
        None, None, "use 'Trace secftp:10 secftp.tls:10' (TraceLog) "
        "and SecureFTPLog"),
    "nocertrequest": (None, None, "not needed: SecureLogin decides"),
    "noemptyfragments": (None, None, "not needed with TLS 1.2/1.3"),
    "dnsnamerequired": (
        None, None, "no reverse-DNS check of client certificates"),
    "ipaddressrequired": (
        None, None, "no IP-address check of client certificates"),
    "allowweakdh": (None, None, "mod_secftp uses ECDHE only"),
    "ignoresni": (None, None, "SNI selects the <VirtualHost> (see "
                              "SecureOptions StrictSNI)"),
    "noautoecdh": (None, None, "groups are chosen with SecureGroups"),
}

PROTOCOLS = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]

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

SUITE_NAME = re.compile(r"^(TLS_[A-Z0-9_]+|[A-Z0-9]+(-[A-Z0-9]+)+)$", re.I)

# Directives with no mod_secftp equivalent, and why.
NO_EQUIVALENT = {
    "tlsdsacertificatefile": "DSA certificates are not supported",
    "tlsdsacertificatekeyfile": "DSA certificates are not supported",
    "tlsdhparamfile": "mod_secftp uses ECDHE only (SecureGroups)",
    "tlsrenegotiate": "renegotiation is never done (TLS 1.3 has none); "
                      "long sessions resume with fresh tickets",
    "tlsstaplingengine": "no OCSP stapling of the server certificate",
    "tlsstaplingcache": "no OCSP stapling of the server certificate",
    "tlsstaplingoptions": "no OCSP stapling of the server certificate",
    "tlsstaplingresponder": "no OCSP stapling of the server certificate",
    "tlsstaplingtimeout": "no OCSP stapling of the server certificate",
    "tlsverifyserver": "server-to-server (FXP) verification is not done",
    "tlscryptodevice": "OpenSSL engines are not configured by the module",
    "tlsrandomseed": "OpenSSL 3 seeds itself",
    "tlspresharedkey": "pre-shared keys are not supported",
    "tlsserverinfofile": "no serverinfo extensions",
    "tlscontrolsacls": "no ftpdctl actions",
    "tlsservercipherpreference":
        "not needed: the server's cipher order always wins",
    "tlsnextprotocol":
        "ALPN is answered always; see SecureALPN (strict rejects clients "
        "that offer ALPN without 'ftp')",
    "tlssessiontickets": "session tickets are always issued",
}


DEFAULT_TLS13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                 "TLS_CHACHA20_POLY1305_SHA256"]
DEFAULT_TLS12 = ["ECDHE-ECDSA-AES128-GCM-SHA256",
                 "ECDHE-RSA-AES128-GCM-SHA256",
                 "ECDHE-ECDSA-AES256-GCM-SHA384",
                 "ECDHE-RSA-AES256-GCM-SHA384"]


def is_tls13(name):
    """TLS 1.3 suites have no key exchange in their name."""
    return name.upper() in ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                            "TLS_CHACHA20_POLY1305_SHA256",
                            "TLS_AES_128_CCM_SHA256",
                            "TLS_AES_128_CCM_8_SHA256")


def suite_is_weak(name):
    words = set(re.split(r"[-_]", name.upper()))
    return bool(words & WEAK_WORDS)


def parse_duration(tokens):
    """mod_tls 'TLSSessionTicketKeys age 12h ...' -> '12h' (or None)."""
    for i, tok in enumerate(tokens[:-1]):
        if tok.lower() == "age":
            m = re.match(r"^(\d+)\s*([smhd]?)$", tokens[i + 1], re.I)
            if m:
                n, unit = int(m.group(1)), (m.group(2) or "s").lower()
                if unit == "d":
                    return "%dh" % (n * 24)
                return "%d%s" % (n, unit)
    return None


# --- Translation ----------------------------------------------------------


class Block:
    """The translation of one section: output lines and untranslated ones."""

    def __init__(self):
        self.out = []            # (comment, directive line)
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


def translate_ciphers(block, d):
    args = list(d.args)
    if not args:
        block.error(d, "no cipher list")
        return
    if args[0].lower() == "tlsv1.3" and len(args) > 1:
        args = args[1:]
    tokens = [t for a in args for t in a.split(":") if t]
    if not tokens or not all(SUITE_NAME.match(t) for t in tokens):
        block.none(d, "an OpenSSL cipher rule, not a list of suites: "
                   "CipherSuite takes suite names; mod_secftp's default "
                   "(forward-secret AEAD suites only) applies. To keep "
                   "specific suites, list them by name, e.g. from "
                   "`openssl ciphers -s -tls1_2 '%s'`" % ":".join(args))
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
        block.add(d, "SecureSessionCache off")
    else:
        block.none(d, "cache type '%s' has no equivalent: use internal or "
                   "redis" % kind)


class Translator:
    """Collects the TLS directives of one section and writes its block."""

    def __init__(self):
        self.block = Block()
        self.certs = {}          # kind -> {"cert": Line, "key": Line}
        self.options = []
        self.last_options_line = None

    def cert(self, kind, part, d):
        if one_arg(self.block, d) is not None:
            self.certs.setdefault(kind, {})[part] = d

    def directive(self, d):
        b = self.block
        n = d.name.lower()
        if n == "tlsengine":
            v = one_arg(b, d, {"on", "off"})
            if v:
                b.add(d, "SecureEngine " + v.lower())
        elif n == "tlsrequired":
            v = one_arg(b, d, set(TLS_REQUIRED))
            if v:
                ftp, data, note = TLS_REQUIRED[v.lower()]
                b.add(d, *(["SecureFTP " + ftp] if ftp else []) +
                      (["SecureDataConn " + data] if data else []))
                if note:
                    b.none(d, note)
        elif n == "tlsverifyclient":
            v = one_arg(b, d, set(TLS_VERIFY_CLIENT))
            if v:
                login = TLS_VERIFY_CLIENT[v.lower()]
                if login:
                    b.add(d, "SecureLogin " + login)
                else:
                    b.none(d, "a certificate that does not verify is "
                           "never accepted; use SecureLogin optional")
        elif n == "tlsprotocol":
            translate_protocols(b, d)
        elif n == "tlsciphersuite":
            translate_ciphers(b, d)
        elif n == "tlsoptions":
            self.tls_options(d)
        elif n in ("tlsrsacertificatefile", "tlsrsacertificatekeyfile",
                   "tlseccertificatefile",
                   "tlseccertificatekeyfile"):
            kind = "rsa" if "rsa" in n else "ec"
            self.cert(kind, "key" if n.endswith("keyfile") else "cert", d)
        elif n == "tlscertificatechainfile":
            if one_arg(b, d):
                b.none(d, "no separate chain file: append the intermediate "
                       "certificates to the SecureCertificate file, after "
                       "the server certificate")
        elif n == "tlspkcs12file":
            v = one_arg(b, d)
            if v:
                b.add(d, "SecureKeyring " + v)
        elif n == "tlspassphraseprovider":
            v = one_arg(b, d)
            if v:
                b.add(d, "SecurePassPhraseProvider " + v)
        elif n in ("tlscacertificatefile", "tlscacertificatepath"):
            v = one_arg(b, d)
            if v:
                b.add(d, "SecureCACertificate " + v)
        elif n in ("tlscarevocationfile", "tlscarevocationpath"):
            v = one_arg(b, d)
            if v:
                b.add(d, "SecureCARevocation " + v)
        elif n == "tlsverifydepth":
            v = one_arg(b, d)
            if v is not None and not v.isdigit():
                b.error(d, "not a number: '%s'" % v)
            elif v:
                b.add(d, "SecureVerifyDepth " + v)
        elif n == "tlsverifyorder":
            words = [a.lower() for a in d.args]
            if not words or any(w not in ("crl", "ocsp") for w in words):
                b.error(d, "expected crl and/or ocsp")
            else:
                b.add(d, "SecureVerifyOrder " + " ".join(words))
        elif n == "tlslog":
            v = one_arg(b, d)
            if v:
                b.add(d, "SecureFTPLog " + v)
        elif n == "tlstimeouthandshake":
            v = one_arg(b, d)
            if v is not None and not v.isdigit():
                b.error(d, "not a number of seconds: '%s'" % v)
            elif v:
                b.add(d, "SecureHandshakeTimeout " + v)
        elif n == "tlsmasqueradeaddress":
            v = one_arg(b, d)
            if v:
                b.add(d, "SecureMasqueradeAddress " + v)
        elif n == "tlssessioncache":
            translate_session_cache(b, d)
        elif n == "tlssessionticketkeys":
            age = parse_duration(d.args)
            if age:
                b.add(d, "SecureTicketKeyLifetime " + age)
            else:
                b.none(d, "only the key age translates "
                       "(SecureTicketKeyLifetime); the key count is fixed "
                       "(current and previous)")
        elif n in ("tlsecdhcurve", "tlsecdhcurves"):
            groups = []
            for a in d.args:
                for c in a.split(":"):
                    g = CURVES.get(c.lower())
                    if g is None:
                        b.error(d, "unknown curve '%s'" % c)
                        return
                    groups.append(g)
            if groups:
                b.add(d, "SecureGroups " + " ".join(groups))
        elif n == "tlsusername":
            v = one_arg(b, d)
            if v:
                field = {"commonname": "@CN", "emailsubjalt": "@email"}.get(
                    v.lower())
                if field:
                    b.none(d, "user names from certificates come from "
                           "SecureCertMap; a map file line such as: "
                           "filter issuer=\"<your client CA's DN>\" user=%s"
                           % field)
                else:
                    b.none(d, "a custom OID field has no equivalent: map "
                           "certificates with 'cert sha256:...' or a filter "
                           "in SecureCertMap")
        elif n.startswith("tls"):
            reason = NO_EQUIVALENT.get(n, "no mod_secftp equivalent")
            b.none(d, reason)

    def tls_options(self, d):
        b = self.block
        if not d.args:
            b.error(d, "no option named")
            return
        for opt in d.args:
            entry = TLS_OPTIONS.get(opt.lower())
            if entry is None:
                b.none(d, "option %s has no equivalent" % opt)
                continue
            word, line, reason = entry
            if word:
                self.options.append(word)
            if line:
                b.add(d, line)
            if reason:
                b.none(d, "%s: %s" % (opt, reason))
        self.last_options_line = d

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
        self.complete_cipher_lists()
        return b

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


def translate_section(sec, includes, errors):
    """Translates sec and its subsections; each gets a .block."""
    tr = Translator()
    for item in sec.items:
        if isinstance(item, Section):
            low = item.name.lower()
            args = [a.lower() for a in item.args]
            if low == "ifmodule" and args in (["mod_tls.c"], ["mod_tls"]):
                # Its contents belong to this section: splice them in.
                for sub in item.items:
                    if isinstance(sub, Section):
                        sub.parent = sec
                        sec.children.append(sub)
                        translate_section(sub, includes, errors)
                    elif sub.name.lower() == "include":
                        includes.append(sub)
                    else:
                        tr.directive(sub)
                continue
            if low == "ifmodule" and args and args[0].startswith("!mod_tls"):
                continue         # only used when mod_tls is absent
            sec.children.append(item)
            translate_section(item, includes, errors)
        elif item.name.lower() == "include":
            includes.append(item)
        else:
            tr.directive(item)
    sec.block = tr.finish()
    errors += sec.block.errors


def has_output(sec):
    return bool(sec.block.out or sec.block.missing) or any(
        has_output(c) for c in sec.children)


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
        pad = inner + "  "
        for comment, lines in blk.out:
            out.append(pad + "# " + comment)
            out += [pad + line for line in lines]
        if blk.missing:
            out.append(pad + "# Not translated, or only in part:")
            for lineno, raw, reason in blk.missing:
                out.append(pad + "#   line %d: %s" % (lineno, raw))
                out.append(pad + "#     -> %s" % reason)
        out.append(inner + "</IfModule>")
        if sec.name is None:
            out.append("")
    for child in sec.children:
        render_section(child, inner, out)
    if sec.name is not None:
        out.append("%s</%s>" % (indent, sec.name))
    if indent == "" and sec.name is not None:
        out.append("")


def render(source, top, includes):
    out = ["# mod_secftp configuration translated from the mod_tls "
           "configuration", "# in %s by contrib/migrate-mod_tls.py." % source,
           "# Review it, merge each block into the matching section of your",
           "# configuration, and turn mod_tls off for these servers.", ""]
    for inc in includes:
        out.append("# NOT FOLLOWED: line %d: %s -- run this tool on that "
                   "file too." % (inc.lineno, inc.raw))
    if includes:
        out.append("")
    if not has_output(top):
        out.append("# No mod_tls directives found.")
    render_section(top, "", out)
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    path = argv[1]
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
    includes, errors = [], []
    translate_section(top, includes, errors)
    if errors:
        for msg in sorted(errors, key=lambda m: int(m.split()[1][:-1])):
            sys.stderr.write("migrate-mod_tls: %s: %s\n" % (source, msg))
        return 1
    sys.stdout.write(render(source, top, includes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
