"""Client certificates bound to the client's address: SecureOptions
CertMustNameClientIP (a SAN iPAddress names the client's IP),
CertMustNameClientHost (a SAN dNSName or the CN names the client's
reverse-DNS host) and CertMustHaveCN.  Each with certificates that match
and that do not, over IPv4 (127.0.0.1) and IPv6 (::1).  A refusal fails
the TLS handshake itself."""

import ftplib
import os
import socket
import ssl

import pki
from harness import Server, certs as certs_dir, check, check_eq, client_context, test

VHOST6 = """
<VirtualHost ::1>
  Port {port2}
  SecureEngine on
  SecureCertificate {certs}/server.crt {certs}/server.key
  SecureFTPLog {dir}/secftp.log
  AuthOrder mod_auth_file.c
  AuthUserFile {dir}/passwd
  AuthGroupFile {dir}/group
  RequireValidShell off
  %s
</VirtualHost>
"""

CERTS = {
    "ip4": ("/O=Bind/CN=ip4", ["subjectAltName=IP:127.0.0.1"]),
    "ip6": ("/O=Bind/CN=ip6", ["subjectAltName=IP:::1"]),
    "dnslocal": ("/O=Bind/CN=someone", ["subjectAltName=DNS:localhost"]),
    "cnlocal": ("/O=Bind/CN=localhost", []),
    "elsewhere": ("/O=Bind/CN=elsewhere",
                  ["subjectAltName=IP:192.0.2.7,DNS:elsewhere.example"]),
    "nocn": ("/O=Bind/OU=no common name", ["subjectAltName=IP:127.0.0.1"]),
}


def bind_server(name, options, conf=""):
    """A server on 127.0.0.1 and ::1, both requiring client certificates
    with the given SecureOptions; returns (srv, {cert name: (crt, key)})."""
    srv = Server(name)
    ca = pki.CA(os.path.join(srv.dir, "pki"), "/O=Bind/CN=Bind CA")
    certs = {n: ca.issue(n, subj, ext=ext) for n, (subj, ext) in
             CERTS.items()}
    policy = ("SecureLogin required\nSecureCACertificate %s\n"
              "SecureOptions %s\n" % (ca.crt, options))
    srv.conf_text += conf + "\n" + policy + VHOST6 % policy.replace(
        "\n", "\n  ")
    srv.conf_text = srv.conf_text.replace("{port2}", str(srv.port2)).replace(
        "{certs}", certs_dir())
    with open(srv.conf_path, "w") as f:
        f.write(srv.conf_text.replace("{dir}", srv.dir))
    return srv, certs


def login_with(srv, host, certs, name):
    """AUTH TLS (TLS 1.2) from host with certificate name: "ok" when the
    session then works, else the handshake error."""
    ctx = client_context()
    ctx.check_hostname = False
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(*certs[name])
    f = ftplib.FTP_TLS(context=ctx, timeout=20)
    try:
        f.connect(host, srv.port if host == "127.0.0.1" else srv.port2)
        f.auth()
        f.voidcmd("NOOP")
        f.quit()
        return "ok"
    except (ssl.SSLError, ConnectionError, EOFError) as e:
        return "refused: %s" % e
    finally:
        f.close()


def reverse_name(ip):
    try:
        return socket.getnameinfo((ip, 0), socket.NI_NAMEREQD)[0]
    except OSError:
        return None


@test
def addrbind_client_ip_v4_and_v6():
    srv, certs = bind_server("bind_ip", "CertMustNameClientIP")
    with srv:
        check_eq(login_with(srv, "127.0.0.1", certs, "ip4"), "ok",
                 "IPv4 client, SAN IP:127.0.0.1")
        check_eq(login_with(srv, "::1", certs, "ip6"), "ok",
                 "IPv6 client, SAN IP:::1")
        for host, name in (("127.0.0.1", "ip6"), ("127.0.0.1", "elsewhere"),
                           ("::1", "ip4"), ("::1", "elsewhere"),
                           ("127.0.0.1", "dnslocal")):
            res = login_with(srv, host, certs, name)
            check(res.startswith("refused"),
                  "%s from %s accepted" % (name, host))
        check(srv.wait_log(r"does not name the client address 127\.0\.0\.1 "
                           r"\(CertMustNameClientIP\)"),
              "IPv4 refusal not logged: " + srv.log())
        check(srv.wait_log(r"does not name the client address ::1 "
                           r"\(CertMustNameClientIP\)"),
              "IPv6 refusal not logged: " + srv.log())


@test
def addrbind_client_host_v4_and_v6():
    srv, certs = bind_server("bind_host", "CertMustNameClientHost",
                             conf="UseReverseDNS on")
    name4 = reverse_name("127.0.0.1")
    check_eq(name4, "localhost", "reverse DNS of 127.0.0.1 on this machine")
    with srv:
        check_eq(login_with(srv, "127.0.0.1", certs, "dnslocal"), "ok",
                 "IPv4 client, SAN DNS:localhost")
        check_eq(login_with(srv, "127.0.0.1", certs, "cnlocal"), "ok",
                 "IPv4 client, CN=localhost")
        for name in ("elsewhere", "ip4"):
            check(login_with(srv, "127.0.0.1", certs, name).startswith(
                "refused"), "%s from 127.0.0.1 accepted" % name)
        check(srv.wait_log(r"does not name the client host localhost "
                           r"\(CertMustNameClientHost\)"),
              "IPv4 refusal not logged: " + srv.log())

        check(login_with(srv, "::1", certs, "elsewhere").startswith(
            "refused"), "elsewhere from ::1 accepted")
        if reverse_name("::1") == "localhost":
            check_eq(login_with(srv, "::1", certs, "dnslocal"), "ok",
                     "IPv6 client, SAN DNS:localhost")
            check_eq(login_with(srv, "::1", certs, "cnlocal"), "ok",
                     "IPv6 client, CN=localhost")
        else:
            # This machine's resolver has no name for ::1 (no ::1 line in
            # /etc/hosts): no certificate can name the client's host.
            check(login_with(srv, "::1", certs, "dnslocal").startswith(
                "refused"), "::1 without a reverse name accepted")
            check(srv.wait_log(r"client address ::1 has no reverse DNS name"),
                  "no-name refusal not logged: " + srv.log())


@test
def addrbind_common_name_v4_and_v6():
    srv, certs = bind_server("bind_cn", "CertMustHaveCN")
    with srv:
        for host in ("127.0.0.1", "::1"):
            check_eq(login_with(srv, host, certs, "ip4"), "ok",
                     "certificate with a CN from " + host)
            check(login_with(srv, host, certs, "nocn").startswith("refused"),
                  "certificate without a CN accepted from " + host)
        check(srv.wait_log(r"OU=no common name[^\n]*has no CN "
                           r"\(CertMustHaveCN\)"),
              "refusal not logged: " + srv.log())


@test
def addrbind_startup_refusals():
    for conf, needle in (
            ("SecureLogin required\nSecureCACertificate {certs}/ca.crt\n"
             "SecureOptions CertMustNameClientHost\n",
             "CertMustNameClientHost needs UseReverseDNS on"),
            ("SecureOptions CertMustNameClientIP\n",
             "need client certificates"),
            ("SecureOptions CertMustHaveCNs\n", "'CertMustHaveCNs'")):
        srv = Server("bind_bad", conf=conf)
        out = srv.start_expecting_failure()
        check(needle in out, "%r: startup message lacks %r: %s" % (
            conf, needle, out))
