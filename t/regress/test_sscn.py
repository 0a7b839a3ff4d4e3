"""SSCN: site-to-site (FXP) transfers over TLS between two real ProFTPD
instances on loopback.  The FTP client sends PASV to one server and PORT
to the other; SSCN ON makes one of them the TLS client of the data
connection between them (the other stays the TLS server).  The client
server verifies the other one against SecureCACertificate unless
SecureVerifyServer off."""

import hashlib
import os
import re

import pki
from harness import (Raw, Server, USERS, check, check_eq, put_file, test)

# Both servers: the other one's data connection cannot resume our control
# session, so the TLS-server side needs SecureSessionReuse allowed.
FXP_CONF = """\
SecureHandshakeTimeout 5
"""
TEST_CA = "SecureCACertificate {certs}/ca.crt\n"


def sha(data):
    return hashlib.sha256(data).hexdigest()


def control(srv):
    """A protected, logged-in control connection with PROT P."""
    c = Raw(srv.port, timeout=30)
    c.reply()
    check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS")
    c.starttls()
    check_eq(c.cmd("USER alice")[0], 331, "USER")
    check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS")
    check_eq(c.cmd("PBSZ 0")[0], 200, "PBSZ 0")
    check_eq(c.cmd("PROT P")[0], 200, "PROT P")
    check_eq(c.cmd("TYPE I")[0], 200, "TYPE I")
    return c


def fxp(src, dst, sscn_on_src, name, size=1 << 20):
    """Copies a random file from src to dst server to server: dst gets
    PASV and STOR, src gets PORT and RETR, and SSCN ON goes to src or dst.
    Returns (the data, final reply of src, final reply of dst)."""
    data = os.urandom(size)
    put_file(src, "alice", name, data)
    a, b = control(src), control(dst)
    try:
        sscn = a if sscn_on_src else b
        check_eq(sscn.cmd("SSCN ON"), (200, "200 SSCN:CLIENT METHOD"),
                 "SSCN ON")
        code, text = b.cmd("PASV")
        check_eq(code, 227, "PASV: " + text)
        hostport = re.search(r"\((\d+,\d+,\d+,\d+,\d+,\d+)\)", text).group(1)
        check_eq(a.cmd("PORT " + hostport)[0], 200, "PORT")
        b.send("STOR %s.copy\r\n" % name)
        a.send("RETR %s\r\n" % name)
        replies = {}
        for who, c in (("src", a), ("dst", b)):
            first = c.reply()
            replies[who] = first if first[0] != 150 else c.reply()
        return data, replies["src"], replies["dst"]
    finally:
        a.close()
        b.close()


def copied(dst, name):
    path = os.path.join(dst.home("alice"), name + ".copy")
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return f.read()


def two_servers(tag, src_conf=TEST_CA, dst_conf=""):
    """The source server (its CA line first in src_conf) and the
    destination server (the test CA)."""
    src = Server("sscn_src_" + tag, conf=FXP_CONF + src_conf)
    dst = Server("sscn_dst_" + tag, conf=FXP_CONF + TEST_CA + dst_conf)
    return src, dst


@test
def sscn_fxp_transfer_sscn_on_the_port_side():
    src, dst = two_servers("port", dst_conf="SecureSessionReuse allowed\n")
    with src, dst:
        data, r_src, r_dst = fxp(src, dst, True, "fxp.bin")
        check_eq(r_src[0], 226, "RETR on the SSCN ON server: %r\n%s" % (
            r_src, src.log()))
        check_eq(r_dst[0], 226, "STOR on the TLS server: %r\n%s" % (
            r_dst, dst.log()))
        check_eq(sha(copied(dst, "fxp.bin") or b""), sha(data),
                 "FXP copy (SHA-256)")
        check(src.wait_log(r"control connection from 127\.0\.0\.1 "
                           r"protected"), "source log: " + src.log())


@test
def sscn_fxp_transfer_sscn_on_the_pasv_side():
    # The server that accepted the TCP connection is the TLS client.
    src, dst = two_servers("pasv", src_conf=TEST_CA +
                           "SecureSessionReuse allowed\n")
    with src, dst:
        data, r_src, r_dst = fxp(src, dst, False, "fxp2.bin", size=300000)
        check_eq((r_src[0], r_dst[0]), (226, 226), "replies %r %r\n%s\n%s" %
                 (r_src, r_dst, src.log(), dst.log()))
        check_eq(sha(copied(dst, "fxp2.bin") or b""), sha(data),
                 "FXP copy (SHA-256)")


@test
def sscn_without_sscn_both_servers_wait_as_tls_servers():
    src, dst = two_servers("none", dst_conf="SecureSessionReuse allowed\n")
    with src, dst:
        put_file(src, "alice", "x.bin", b"x" * 1000)
        a, b = control(src), control(dst)
        try:
            hostport = re.search(r"\((\d+,\d+,\d+,\d+,\d+,\d+)\)",
                                 b.cmd("PASV")[1]).group(1)
            check_eq(a.cmd("PORT " + hostport)[0], 200, "PORT")
            b.send("STOR x.bin.copy\r\n")
            a.send("RETR x.bin\r\n")
            finals = []
            for c in (a, b):
                first = c.reply()
                finals.append(first if first[0] != 150 else c.reply())
            check(all(f[0] in (425, 522) for f in finals),
                  "two TLS servers moved data: %r" % finals)
        finally:
            a.close()
            b.close()
        check(copied(dst, "x.bin") in (None, b""),
              "data arrived without a TLS client")


@test
def sscn_reuse_required_on_the_tls_server_refuses_the_other_server():
    src, dst = two_servers("reuse")
    with src, dst:
        _, r_src, r_dst = fxp(src, dst, True, "r.bin", size=1000)
        check_eq(r_dst[0], 522, "STOR with SecureSessionReuse required: %r"
                 % (r_dst,))
        check(dst.wait_log(r"refused \(522, SecureSessionReuse required\)"),
              "refusal not logged: " + dst.log())


@test
def sscn_verify_server_refuses_an_untrusted_server():
    other = Server("sscn_ca")
    ca = pki.CA(os.path.join(other.dir, "pki"), "/O=Other/CN=Other CA")
    src, dst = two_servers("verify", src_conf="SecureCACertificate %s\n" %
                           ca.crt, dst_conf="SecureSessionReuse allowed\n")
    with src, dst:
        _, r_src, r_dst = fxp(src, dst, True, "v.bin", size=1000)
        check(r_src[0] in (425, 522), "RETR to an untrusted server: %r" %
              (r_src,))
        check(src.wait_log(r"SSCN: the other server's certificate refused "
                           r"\(SecureVerifyServer\)"),
              "refusal not logged: " + src.log())
    src, dst = two_servers("noverify", src_conf="SecureCACertificate %s\n"
                           "SecureVerifyServer off\n" % ca.crt,
                           dst_conf="SecureSessionReuse allowed\n")
    with src, dst:
        data, r_src, r_dst = fxp(src, dst, True, "nv.bin", size=100000)
        check_eq((r_src[0], r_dst[0]), (226, 226), "SecureVerifyServer off")
        check_eq(sha(copied(dst, "nv.bin") or b""), sha(data),
                 "FXP copy (SHA-256)")


@test
def sscn_replies_and_feat():
    with Server("sscn_replies", conf=FXP_CONF + TEST_CA) as srv, \
            Server("sscn_noca") as noca:
        c = Raw(srv.port)
        c.reply()
        code, text = c.cmd("FEAT")
        check(code == 211 and "\n SSCN" in text, "FEAT: " + text)
        check_eq(c.cmd("SSCN ON")[0], 503, "SSCN before AUTH")
        c.close()
        c = control(srv)
        check_eq(c.cmd("SSCN"), (200, "200 SSCN:SERVER METHOD"), "SSCN")
        check_eq(c.cmd("SSCN ON"), (200, "200 SSCN:CLIENT METHOD"),
                 "SSCN ON")
        check_eq(c.cmd("SSCN"), (200, "200 SSCN:CLIENT METHOD"),
                 "SSCN after ON")
        check_eq(c.cmd("SSCN OFF"), (200, "200 SSCN:SERVER METHOD"),
                 "SSCN OFF")
        check_eq(c.cmd("SSCN MAYBE")[0], 501, "SSCN MAYBE")
        c.close()
        c = control(noca)
        code, text = c.cmd("SSCN ON")
        check(code == 534 and "SecureCACertificate" in text,
              "SSCN ON without a CA: %r" % text)
        c.close()
