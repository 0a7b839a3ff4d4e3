"""Throwaway PKIs for client-certificate tests, made with the openssl CLI.

    ca = CA(directory, "/O=Example Corp/CN=Example CA")
    crt, key = ca.issue("alice", "/O=Example Corp/OU=Payments/CN=alice",
                        ext=["subjectAltName=email:alice@example.com"])
    ca.revoke(crt); crl = ca.crl()
    expired = ca.issue("old", "/CN=old", start="20200101000000Z",
                       end="20200201000000Z")
    fingerprint(crt)  ->  "sha256:AB:CD:..."
    nul = ca.issue_with_nul("nul", "/O=Example Corp/CN=alice", "alice")

Keys are ECDSA P-256 (fast to make).  Certificates are issued with
`openssl ca`, so that revocation and CRLs are OpenSSL's own.
"""

import os
import subprocess

CA_CONF = """\
[ca]
default_ca = ca_default

[ca_default]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 30
default_crl_days = 30
policy = policy_any
unique_subject = no
preserve = yes
email_in_dn = yes
copy_extensions = none

[policy_any]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
userId = optional
emailAddress = optional
domainComponent = optional
serialNumber = optional

[req]
distinguished_name = req_dn
[req_dn]
"""


def _run(argv, **kw):
    r = subprocess.run(argv, capture_output=True, timeout=60, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s failed: %s" % (
            " ".join(argv), r.stderr.decode(errors="replace")))
    return r.stdout


def _newkey(path):
    _run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
          "ec_paramgen_curve:P-256", "-out", path])
    os.chmod(path, 0o600)


def fingerprint(crt):
    """The certificate's SHA-256 as SecureCertMap writes it."""
    out = _run(["openssl", "x509", "-in", crt, "-noout", "-fingerprint",
                "-sha256"]).decode()
    return "sha256:" + out.strip().split("=", 1)[1].upper()


def serial(crt):
    out = _run(["openssl", "x509", "-in", crt, "-noout", "-serial"]).decode()
    return out.strip().split("=", 1)[1].upper()


class CA:
    """A CA in its own directory, able to issue, revoke and make CRLs."""

    def __init__(self, directory, subject, parent=None, name="ca"):
        self.dir = os.path.abspath(directory)
        os.makedirs(os.path.join(self.dir, "newcerts"), exist_ok=True)
        self.conf = os.path.join(self.dir, "ca.cnf")
        with open(self.conf, "w") as f:
            f.write(CA_CONF.format(dir=self.dir))
        open(os.path.join(self.dir, "index.txt"), "w").close()
        with open(os.path.join(self.dir, "serial"), "w") as f:
            f.write("1000\n")
        with open(os.path.join(self.dir, "crlnumber"), "w") as f:
            f.write("01\n")
        self.key = os.path.join(self.dir, name + ".key")
        self.crt = os.path.join(self.dir, name + ".crt")
        _newkey(self.key)
        ca_ext = ["basicConstraints=critical,CA:TRUE",
                  "keyUsage=critical,keyCertSign,cRLSign"]
        if parent is None:
            argv = ["openssl", "req", "-config", self.conf, "-x509", "-new",
                    "-key", self.key, "-out", self.crt, "-days", "30",
                    "-subj", subject]
            for e in ca_ext:
                argv += ["-addext", e]
            _run(argv)
        else:
            parent._sign(self.key, self.crt, subject, ca_ext, name)

    def _sign(self, key, crt, subject, ext, name, start=None, end=None):
        csr = os.path.join(self.dir, name + ".csr")
        extfile = os.path.join(self.dir, name + ".ext")
        _run(["openssl", "req", "-config", self.conf, "-new", "-key", key,
              "-out", csr, "-subj", subject, "-multivalue-rdn"])
        with open(extfile, "w") as f:
            f.write("[ext]\n" + "\n".join(ext) + "\n")
        argv = ["openssl", "ca", "-batch", "-config", self.conf,
                "-cert", self.crt, "-keyfile", self.key, "-in", csr,
                "-out", crt, "-notext", "-extfile", extfile,
                "-extensions", "ext", "-preserveDN", "-multivalue-rdn"]
        if start:
            argv += ["-startdate", start]
        if end:
            argv += ["-enddate", end]
        _run(argv)
        os.remove(csr)
        os.remove(extfile)

    def issue(self, name, subject, ext=(), start=None, end=None):
        """A client key and certificate; returns (crt, key) paths."""
        key = os.path.join(self.dir, name + ".key")
        crt = os.path.join(self.dir, name + ".crt")
        _newkey(key)
        self._sign(key, crt, subject,
                   ["extendedKeyUsage=clientAuth"] + list(ext), name,
                   start=start, end=end)
        return crt, key

    def revoke(self, crt):
        _run(["openssl", "ca", "-config", self.conf, "-cert", self.crt,
              "-keyfile", self.key, "-revoke", crt])

    def crl(self, path=None):
        """Writes this CA's current CRL (PEM); returns its path."""
        path = path or os.path.join(self.dir, "ca.crl")
        _run(["openssl", "ca", "-config", self.conf, "-cert", self.crt,
              "-keyfile", self.key, "-gencrl", "-out", path])
        return path

    def issue_with_nul(self, name, subject, marker):
        """Like issue(), but the first byte after marker in the subject
        becomes NUL: subject "/CN=alice~x" with marker "alice" gives the CN
        "alice\\0x".  openssl cannot write such a name, so the certificate
        is issued with the placeholder, patched, and signed again."""
        crt, key = self.issue(name, subject)
        der = _run(["openssl", "x509", "-in", crt, "-outform", "DER"])
        tbs, sigalg = _split_certificate(der)
        at = tbs.find(marker.encode())
        if at < 0 or tbs.find(marker.encode(), at + 1) >= 0:
            raise RuntimeError("marker %r not exactly once in the TBS"
                               % marker)
        at += len(marker)
        tbs = tbs[:at] + b"\x00" + tbs[at + 1:]
        tbs_path = os.path.join(self.dir, name + ".tbs")
        with open(tbs_path, "wb") as f:
            f.write(tbs)
        sig = _run(["openssl", "dgst", "-sha256", "-sign", self.key,
                    tbs_path])
        os.remove(tbs_path)
        cert = _der(0x30, tbs + sigalg + _der(0x03, b"\x00" + sig))
        pem = _run(["openssl", "x509", "-inform", "DER", "-outform", "PEM"],
                   input=cert)
        with open(crt, "wb") as f:
            f.write(pem)
        return crt, key


def _der(tag, content):
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(octets)]) + octets
    return bytes([tag]) + length + content


def _element(buf, at):
    """(start of content, end of element) of the DER element at buf[at]."""
    n = buf[at + 1]
    start = at + 2
    if n & 0x80:
        count = n & 0x7F
        n = int.from_bytes(buf[start:start + count], "big")
        start += count
    return start, start + n


def _split_certificate(der):
    """The raw TBSCertificate and signatureAlgorithm elements."""
    body, _ = _element(der, 0)
    _, tbs_end = _element(der, body)
    _, alg_end = _element(der, tbs_end)
    return der[body:tbs_end], der[tbs_end:alg_end]
