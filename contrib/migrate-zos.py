#!/usr/bin/env python3
"""Translates the TLS statements of a z/OS FTP.DATA into mod_secftp.

    contrib/migrate-zos.py FTP.DATA > secftp.conf
    contrib/migrate-zos.py - < ftpdata.txt

Reads the server's FTP.DATA (the statements EXTENSIONS AUTH_TLS,
SECURE_FTP, SECURE_LOGIN, SECURE_PASSWORD, SECURE_DATACONN, SECURE_CTRLCONN,
SECURE_SESSION_REUSE, TLSRFCLEVEL, CIPHERSUITE, TLSPORT, KEYRING,
TLSTIMEOUT, TLSMECHANISM) and prints the equivalent <IfModule mod_secftp.c>
block.  A ';' starts a comment; sequence numbers in columns 73-80 are
ignored; keywords and values are case-insensitive; when a statement is
repeated the last one counts (CIPHERSUITE statements accumulate, in order
of preference).  Statements that do not concern TLS are ignored.

The translation keeps the z/OS behaviour: a policy statement that
FTP.DATA leaves out is written with the z/OS default, and a comment says
where mod_secftp's own default is stricter.  What has no equivalent is
listed at the end, with the reason.

Exit status: 0 translated, 1 the input is malformed (each problem is
reported on stderr with its line; nothing is printed), 2 usage or I/O.
"""

import re
import sys

# statement -> {z/OS value: mod_secftp value}, the directive, the z/OS
# default, and mod_secftp's default.
POLICY = {
    "SECURE_FTP": ("SecureFTP", {"ALLOWED": "allowed",
                                 "REQUIRED": "required"}, "ALLOWED"),
    "SECURE_LOGIN": ("SecureLogin", {"NO_CLIENT_AUTH": "no_client_auth",
                                     "REQUIRED": "required",
                                     "VERIFY_USER": "verify_user"},
                     "NO_CLIENT_AUTH"),
    "SECURE_PASSWORD": ("SecurePassword", {"REQUIRED": "required",
                                           "OPTIONAL": "optional"},
                        "REQUIRED"),
    "SECURE_DATACONN": ("SecureDataConn", {"NEVER": "never",
                                           "CLEAR": "clear",
                                           "PRIVATE": "private",
                                           "SAFE": "private",
                                           "INTEGRITY": "private"}, "CLEAR"),
    "SECURE_CTRLCONN": ("SecureCtrlConn", {"CLEAR": "clear",
                                           "PRIVATE": "private",
                                           "SAFE": "private",
                                           "INTEGRITY": "private"}, None),
    "SECURE_SESSION_REUSE": ("SecureSessionReuse", {"ALLOWED": "allowed",
                                                    "REQUIRED": "required"},
                             "ALLOWED"),
    "TLSRFCLEVEL": ("SecureRFCLevel", {"DRAFT": "draft",
                                       "RFC4217": "rfc4217",
                                       "CCCNONOTIFY": "ccc_nonotify"},
                    "DRAFT"),
}

# What mod_secftp does when the directive is absent (lib/secftp/conf.c).
SECFTP_DEFAULT = {
    "SecureFTP": "allowed", "SecureLogin": "no_client_auth",
    "SecurePassword": "required", "SecureDataConn": "clear",
    "SecureCtrlConn": "private", "SecureSessionReuse": "required",
    "SecureRFCLevel": "rfc4217",
}

# Kerberos-only protection levels: TLS has only clear or private.
KERBEROS_LEVELS = {"SAFE", "INTEGRITY"}

# z/OS System SSL cipher names and 2- and 4-character codes -> IANA name.
ZOS_SUITES = {
    "SSL_NULL_MD5": ("01", "TLS_RSA_WITH_NULL_MD5"),
    "SSL_NULL_SHA": ("02", "TLS_RSA_WITH_NULL_SHA"),
    "SSL_RC4_MD5_EX": ("03", "TLS_RSA_EXPORT_WITH_RC4_40_MD5"),
    "SSL_RC4_MD5": ("04", "TLS_RSA_WITH_RC4_128_MD5"),
    "SSL_RC4_SHA": ("05", "TLS_RSA_WITH_RC4_128_SHA"),
    "SSL_RC2_MD5_EX": ("06", "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"),
    "SSL_DES_SHA": ("09", "TLS_RSA_WITH_DES_CBC_SHA"),
    "SSL_3DES_SHA": ("0A", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
    "SSL_AES_128_SHA": ("2F", "TLS_RSA_WITH_AES_128_CBC_SHA"),
    "SSL_AES_256_SHA": ("35", "TLS_RSA_WITH_AES_256_CBC_SHA"),
    "SSL_AES_128_SHA256": ("3C", "TLS_RSA_WITH_AES_128_CBC_SHA256"),
    "SSL_AES_256_SHA256": ("3D", "TLS_RSA_WITH_AES_256_CBC_SHA256"),
    "SSL_AES_128_GCM_SHA256": ("9C", "TLS_RSA_WITH_AES_128_GCM_SHA256"),
    "SSL_AES_256_GCM_SHA384": ("9D", "TLS_RSA_WITH_AES_256_GCM_SHA384"),
}

HEX4_SUITES = {
    "0001": "TLS_RSA_WITH_NULL_MD5", "0002": "TLS_RSA_WITH_NULL_SHA",
    "0004": "TLS_RSA_WITH_RC4_128_MD5", "0005": "TLS_RSA_WITH_RC4_128_SHA",
    "0009": "TLS_RSA_WITH_DES_CBC_SHA",
    "000A": "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "002F": "TLS_RSA_WITH_AES_128_CBC_SHA",
    "0035": "TLS_RSA_WITH_AES_256_CBC_SHA",
    "003C": "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "003D": "TLS_RSA_WITH_AES_256_CBC_SHA256",
    "009C": "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "009D": "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "009E": "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "009F": "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    "C009": "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "C00A": "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "C013": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "C014": "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "C023": "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "C024": "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    "C027": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "C028": "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    "C02B": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "C02C": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "C02F": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "C030": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "CCA8": "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "CCA9": "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "1301": "TLS_AES_128_GCM_SHA256",
    "1302": "TLS_AES_256_GCM_SHA384",
    "1303": "TLS_CHACHA20_POLY1305_SHA256",
}

TLS13_SUITES = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                "TLS_CHACHA20_POLY1305_SHA256"}

# Words that make mod_secftp refuse a suite at startup.
WEAK_WORDS = {"NULL", "ANON", "EXPORT", "EXPORT40", "RC4", "RC2", "DES",
              "3DES", "MD5", "PSK", "SRP"}

IANA_NAME = re.compile(r"^TLS_[A-Z0-9_]+$")


def statements(text):
    """Yields (line number, keyword, values) for each statement."""
    for lineno, line in enumerate(text.splitlines(), 1):
        if len(line) >= 80 and line[72:80].strip().isdigit():
            line = line[:72]          # sequence numbers of a card image
        line = line.split(";", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        yield lineno, words[0].upper(), words[1:]


def suite_name(token):
    """A CIPHERSUITE value -> (IANA name, None) or (None, why)."""
    tok = token.upper()
    if tok in ZOS_SUITES:
        return ZOS_SUITES[tok][1], None
    if re.fullmatch(r"[0-9A-F]{4}", tok):
        if tok in HEX4_SUITES:
            return HEX4_SUITES[tok], None
        return None, "unknown 4-character cipher code"
    if re.fullmatch(r"[0-9A-F]{2}", tok):
        for code, name in ZOS_SUITES.values():
            if code == tok:
                return name, None
        return None, "unknown 2-character cipher code"
    if IANA_NAME.match(tok):
        return tok, None
    return None, "not a z/OS cipher name, an IANA TLS_ name or a hex code"


def is_weak(name):
    return bool(set(name.split("_")) & WEAK_WORDS)


class Translation:
    def __init__(self):
        self.last = {}         # keyword -> (lineno, values)
        self.suites = []       # (lineno, token, IANA name)
        self.dropped = []      # (lineno, text, why)
        self.problems = []
        self.engine = None     # lineno of EXTENSIONS AUTH_TLS

    def problem(self, lineno, msg):
        self.problems.append("line %d: %s" % (lineno, msg))

    def read(self, text):
        for lineno, key, raw_values in statements(text):
            # Values are case-insensitive, except a key ring's name.
            values = [v.upper() for v in raw_values]
            if key == "EXTENSIONS":
                if not values:
                    self.problem(lineno, "EXTENSIONS without a value")
                for v in values:
                    if v == "AUTH_TLS":
                        self.engine = lineno
                    elif v == "AUTH_GSSAPI":
                        self.dropped.append((lineno, "EXTENSIONS AUTH_GSSAPI",
                                             "Kerberos is not part of "
                                             "mod_secftp"))
            elif key == "CIPHERSUITE":
                if len(values) != 1:
                    self.problem(lineno, "CIPHERSUITE takes one cipher, "
                                 "got %d values" % len(values))
                    continue
                name, why = suite_name(values[0])
                if name is None:
                    self.problem(lineno, "CIPHERSUITE %s: %s" % (values[0],
                                                                 why))
                else:
                    self.suites.append((lineno, values[0], name))
            elif key in POLICY or key in ("TLSPORT", "KEYRING",
                                          "TLSTIMEOUT", "TLSMECHANISM"):
                if len(values) != 1:
                    self.problem(lineno, "%s takes one value, got %d" % (
                        key, len(values)))
                    continue
                self.check_value(lineno, key, values[0])
                self.last[key] = (lineno, raw_values[0] if key == "KEYRING"
                                  else values[0])

    def check_value(self, lineno, key, value):
        if key in POLICY:
            allowed = POLICY[key][1]
            value = value.replace("-", "_")
            if value not in allowed:
                self.problem(lineno, "%s %s: expected one of %s" % (
                    key, value, ", ".join(sorted(allowed))))
        elif key in ("TLSPORT", "TLSTIMEOUT"):
            if not value.isdigit() or (key == "TLSPORT" and
                                       int(value) > 65535):
                self.problem(lineno, "%s %s: not a number%s" % (
                    key, value, " (0-65535)" if key == "TLSPORT" else ""))
        elif key == "TLSMECHANISM" and value not in ("FTP", "ATTLS"):
            self.problem(lineno, "TLSMECHANISM %s: expected FTP or ATTLS" %
                         value)

    def render(self, source):
        out = ["# mod_secftp configuration translated from the TLS "
               "statements of", "# the z/OS FTP.DATA %s by "
               "contrib/migrate-zos.py.  Review it before use." % source, ""]
        notes = list(self.dropped)
        body = []

        def emit(comment, line):
            body.append("  # " + comment)
            body.append("  " + line)

        if self.engine:
            emit("line %d: EXTENSIONS AUTH_TLS" % self.engine,
                 "SecureEngine on")
        else:
            emit("FTP.DATA has no EXTENSIONS AUTH_TLS: TLS was off",
                 "SecureEngine off")

        self.render_keyring(emit, notes)
        self.render_policy(emit)
        self.render_ciphers(emit, notes)
        self.render_other(notes)

        out.append("<IfModule mod_secftp.c>")
        out += body
        if notes:
            out.append("  # Not translated, or only in part:")
            for lineno, text, why in sorted(notes, key=lambda n: n[0]):
                where = "line %d: " % lineno if lineno else ""
                out.append("  #   %s%s" % (where, text))
                out.append("  #     -> %s" % why)
        out.append("</IfModule>")
        self.render_tlsport(out)
        return "\n".join(out) + "\n"

    def render_keyring(self, emit, notes):
        if "KEYRING" not in self.last:
            emit("no KEYRING statement: name your certificate here",
                 "SecureCertificate /etc/ssl/certs/proftpd-secftp.crt "
                 "/etc/ssl/private/proftpd-secftp.key")
            return
        lineno, ring = self.last["KEYRING"]
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", ring.lower()).strip("_")
        emit("line %d: KEYRING %s -- export the server certificate, its key "
             "and chain from the key ring as PKCS#12 (RACDCERT EXPORT ... "
             "FORMAT(PKCS12DER), or gskkyman) to this file" % (lineno, ring),
             "SecureKeyring /etc/proftpd/%s.p12" % (base or "keyring"))
        emit("the PKCS#12 export's password: a root-only file or a program",
             "SecurePassPhraseProvider /etc/proftpd/%s.pass" % (
                 base or "keyring"))

    def render_policy(self, emit):
        for key, (directive, mapping, zos_default) in POLICY.items():
            if key in self.last:
                lineno, value = self.last[key]
                value = value.replace("-", "_")
                comment = "line %d: %s %s" % (lineno, key, value)
                if value in KERBEROS_LEVELS:
                    comment += (" (a Kerberos level; with TLS, data and "
                                "commands are either clear or private)")
                emit(comment, "%s %s" % (directive, mapping[value]))
            elif zos_default is not None:
                ours = SECFTP_DEFAULT[directive]
                comment = "%s not coded: the z/OS default %s" % (
                    key, zos_default)
                if mapping[zos_default] != ours:
                    comment += (" (mod_secftp's own default, %s, is "
                                "stricter: consider it)" % ours)
                emit(comment, "%s %s" % (directive, mapping[zos_default]))
        login = self.last.get("SECURE_LOGIN", (0, ""))[1]
        if login.replace("-", "_") in ("REQUIRED", "VERIFY_USER"):
            emit("SECURE_LOGIN %s needs the CAs that issue client "
                 "certificates" % login,
                 "SecureCACertificate /etc/proftpd/client-ca.pem")
        if login.replace("-", "_") == "VERIFY_USER":
            emit("VERIFY_USER: certificate -> user ID rules (what RACDCERT "
                 "ADD/MAP did); the SERVAUTH PORTnnnn profile becomes "
                 "SecurePortAccess user|@group ...",
                 "SecureCertMap /etc/proftpd/secftp-certmap")

    def render_ciphers(self, emit, notes):
        kept = []
        for lineno, token, name in self.suites:
            if is_weak(name):
                notes.append((lineno, "CIPHERSUITE %s" % token,
                              "%s is refused by mod_secftp (no encryption, "
                              "export, RC4, DES, 3DES or MD5)" % name))
            elif name not in kept:
                kept.append(name)
        if not self.suites:
            return
        if not kept:
            notes.append((0, "CIPHERSUITE statements",
                          "none usable: mod_secftp's default list "
                          "(forward-secret AEAD suites) applies"))
            return
        first = self.suites[0][0]
        emit("lines %d-%d: CIPHERSUITE statements, in order of preference"
             % (first, self.suites[-1][0]), "CipherSuite " + " ".join(kept))
        tls13 = [k for k in kept if k in TLS13_SUITES]
        if not tls13:
            emit("no TLS 1.3 suite in the CIPHERSUITE list: TLS 1.2 only, "
                 "as on z/OS (add TLS_AES_128_GCM_SHA256 to the list and "
                 "TLSv1.3 here to enable it)", "SecureProtocol TLSv1.2")
        elif len(tls13) == len(kept):
            emit("only TLS 1.3 suites in the CIPHERSUITE list",
                 "SecureProtocol TLSv1.3")
        if any(k.startswith("TLS_RSA_") for k in kept):
            notes.append((first, "CIPHERSUITE TLS_RSA_WITH_...",
                          "RSA key exchange has no forward secrecy; kept "
                          "because the z/OS list had it, but consider "
                          "ECDHE suites only"))

    def render_other(self, notes):
        if "TLSTIMEOUT" in self.last:
            lineno, value = self.last["TLSTIMEOUT"]
            notes.append((lineno, "TLSTIMEOUT %s" % value,
                          "no equivalent: data connections resume the "
                          "control connection's session for as long as it "
                          "lasts (ticket keys rotate with "
                          "SecureTicketKeyLifetime); no periodic full "
                          "handshake"))
        if "TLSMECHANISM" in self.last:
            lineno, value = self.last["TLSMECHANISM"]
            if value == "ATTLS":
                notes.append((lineno, "TLSMECHANISM ATTLS",
                              "mod_secftp does TLS itself: the AT-TLS "
                              "policy (Policy Agent) is not read; copy its "
                              "key ring, ciphers and HandshakeRole by hand "
                              "(ServerWithClientAuth: SecureLogin required)"))

    def render_tlsport(self, out):
        if "TLSPORT" not in self.last:
            return
        lineno, port = self.last["TLSPORT"]
        if int(port) == 0:
            out += ["", "# line %d: TLSPORT 0: no implicit FTPS port." %
                    lineno]
            return
        out += ["",
                "# line %d: TLSPORT %s: implicit FTPS (TLS from the first "
                "byte) on its own" % (lineno, port),
                "# port.  Put this server's address (or name) in place of "
                "SERVER_ADDRESS, and",
                "# copy the certificate and policy directives above into "
                "this block too.",
                "<VirtualHost SERVER_ADDRESS>",
                "  Port %s" % port,
                "  <IfModule mod_secftp.c>",
                "    SecureEngine on",
                "    SecureImplicit on",
                "  </IfModule>",
                "</VirtualHost>"]


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    path = argv[1]
    try:
        if path == "-":
            text, source = sys.stdin.read(), "from standard input"
        else:
            with open(path, encoding="utf-8", errors="replace") as f:
                text, source = f.read(), path
    except OSError as e:
        sys.stderr.write("migrate-zos: %s\n" % e)
        return 2
    tr = Translation()
    tr.read(text)
    if tr.problems:
        for msg in tr.problems:
            sys.stderr.write("migrate-zos: %s: %s\n" % (source, msg))
        return 1
    sys.stdout.write(tr.render(source))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
