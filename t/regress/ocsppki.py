"""A throwaway PKI with an OCSP responder (`openssl ocsp`) on loopback,
for the OCSP tests of client certificates and for stapling.

    ocsp_pki(d, "http://127.0.0.1:PORT/")   CA, certificates, index
    r = Responder(d, PORT)                  openssl ocsp answering for d
    r.stop()
"""

import os
import subprocess
import time

from harness import check, run

# Client certificates: the responder's index knows good and revoked only.
OCSP_SERIALS = {"good": "11", "revoked": "12", "unknown": "13"}

# The server certificate (for stapling), good in the index.
SERVER_SERIAL = "14"


def _issue(d, name, serial, ext):
    key, crt = os.path.join(d, name + ".key"), os.path.join(d, name + ".crt")
    run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out",
         crt + ".csr", "-subj", "/O=OCSP test/CN=%s" % name], timeout=60)
    run(["openssl", "x509", "-req", "-in", crt + ".csr", "-CA",
         os.path.join(d, "ca.crt"), "-CAkey", os.path.join(d, "ca.key"),
         "-set_serial", "0x" + serial, "-days", "2", "-extfile", ext,
         "-out", crt], timeout=60)
    check(os.path.exists(crt), "could not issue " + crt)
    os.chmod(key, 0o600)


def ocsp_pki(d, responder_url):
    """A CA, a client certificate per OCSP_SERIALS entry and a server
    certificate for localhost (all with the responder in their AIA), and
    the responder's index."""
    run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:P-256", "-nodes", "-keyout",
         os.path.join(d, "ca.key"), "-out", os.path.join(d, "ca.crt"),
         "-days", "2", "-subj", "/O=OCSP test/CN=OCSP test CA",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"],
        timeout=60)
    aia = "authorityInfoAccess=OCSP;URI:%s\n" % responder_url
    with open(os.path.join(d, "client.ext"), "w") as f:
        f.write("extendedKeyUsage=clientAuth\n" + aia)
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("extendedKeyUsage=serverAuth\n"
                "subjectAltName=DNS:localhost,IP:127.0.0.1\n" + aia)
    for name, serial in OCSP_SERIALS.items():
        _issue(d, name, serial, os.path.join(d, "client.ext"))
    _issue(d, "server", SERVER_SERIAL, os.path.join(d, "server.ext"))
    # The certificate file a server is configured with: leaf, then issuer.
    with open(os.path.join(d, "server-chain.crt"), "w") as out:
        for name in ("server.crt", "ca.crt"):
            with open(os.path.join(d, name)) as f:
                out.write(f.read())
    with open(os.path.join(d, "index.txt"), "w") as f:
        f.write("V\t301231000000Z\t\t11\tunknown\t/O=OCSP test/CN=good\n")
        f.write("R\t301231000000Z\t240101000000Z\t12\tunknown\t"
                "/O=OCSP test/CN=revoked\n")
        f.write("V\t301231000000Z\t\t14\tunknown\t/O=OCSP test/CN=server\n")


class Responder:
    """openssl ocsp answering for the PKI in d on a loopback port;
    next_update_minutes gives its answers a nextUpdate."""

    def __init__(self, d, port, next_update_minutes=None):
        self.d, self.port = d, port
        self.log = os.path.join(d, "responder-%d.log" % port)
        ca = os.path.join(d, "ca.crt")
        argv = ["openssl", "ocsp", "-index", os.path.join(d, "index.txt"),
                "-port", str(port), "-rsigner", ca, "-rkey",
                os.path.join(d, "ca.key"), "-CA", ca, "-ignore_err",
                "-nrequest", "40"]
        if next_update_minutes:
            argv += ["-nmin", str(next_update_minutes)]
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=open(self.log, "w"),
            start_new_session=True)
        deadline = time.time() + 10
        while "waiting for OCSP client" not in open(self.log).read():
            check(time.time() < deadline and self.proc.poll() is None,
                  "openssl ocsp did not start: " + open(self.log).read())
            time.sleep(0.05)

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=5)
            self.proc = None
