"""The session facts mod_tls's StdEnvVars gives, under SECFTP_* names
(issue 16): session id, library version, key sizes, SNI name, server and
client certificate facts, as an admin's ExtendedLog sees them (notes and,
with StdEnvVars, the environment)."""

import re
import ssl

import harness
from harness import Server, USERS, cert, check, check_eq, run, test

NAMES = ("SECFTP_SESSION_ID", "SECFTP_SESSION_RESUMED",
         "SECFTP_LIBRARY_VERSION", "SECFTP_CIPHER_KEYSIZE_USED",
         "SECFTP_CIPHER_KEYSIZE_POSSIBLE", "SECFTP_SERVER_NAME",
         "SECFTP_SERVER_M_VERSION", "SECFTP_SERVER_V_START",
         "SECFTP_SERVER_V_END", "SECFTP_SERVER_A_SIG", "SECFTP_SERVER_A_KEY",
         "SECFTP_SERVER_S_DN", "SECFTP_SERVER_I_DN", "SECFTP_SERVER_SERIAL",
         "SECFTP_CLIENT_M_VERSION", "SECFTP_CLIENT_V_START",
         "SECFTP_CLIENT_V_END", "SECFTP_CLIENT_A_SIG", "SECFTP_CLIENT_A_KEY")


def x509_text(path):
    return run(["openssl", "x509", "-noout", "-text", "-in", path]).stdout


def x509_field(text, label):
    m = re.search(r"%s\s*:\s*(.+)" % re.escape(label), text)
    check(m, "openssl x509 -text has no %s" % label)
    return m.group(1).strip()


def check_cert_facts(got, prefix, path):
    text = x509_text(path)
    check_eq(got[prefix + "M_VERSION"], "3", prefix + "M_VERSION")
    check_eq(got[prefix + "V_START"], x509_field(text, "Not Before"),
             prefix + "V_START")
    check_eq(got[prefix + "V_END"], x509_field(text, "Not After"),
             prefix + "V_END")
    check_eq(got[prefix + "A_SIG"], x509_field(text, "Signature Algorithm"),
             prefix + "A_SIG")
    check_eq(got[prefix + "A_KEY"], x509_field(text, "Public Key Algorithm"),
             prefix + "A_KEY")


# The command, each fact as a note, then each fact from the environment
# (%{X}e is read at run time).
FORMAT = "|".join(["%m"] + ["%%{note:%s}" % n for n in NAMES] +
                  ["%%{%s}e" % n for n in NAMES])

FACTS_CONF = """SecureLogin optional
SecureCACertificate {certs}/ca.crt
SecureOptions StdEnvVars
LogFormat facts "%s"
ExtendedLog {dir}/facts.log ALL facts
""" % FORMAT


def facts_server(name, extra=""):
    return Server(name, conf=FACTS_CONF + extra)


def noop_facts(srv):
    """The notes and environment fields of the NOOP line of facts.log."""
    m = srv.wait_log(r"(?m)^NOOP\|.*$", name="facts.log")
    check(m, "no NOOP line: " + srv.log("facts.log"))
    fields = m.group(0).split("|")[1:]
    notes, env = fields[:len(NAMES)], fields[len(NAMES):]
    check_eq(env, notes, "environment (StdEnvVars) vs notes")
    return dict(zip(NAMES, notes))


@test
def mod_tls_std_env_vars_have_secftp_names():
    with facts_server("facts") as srv:
        ctx = harness.client_context(cert_name="client")
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        # No ticket: the session id of the ServerHello identifies the
        # session on both sides (with a ticket the client makes one up).
        ctx.options |= ssl.OP_NO_TICKET
        # By name: the client sends SNI.
        f = harness.ReusingFTP_TLS(context=ctx, timeout=10)
        f.connect("localhost", srv.port)
        f.auth()
        f.login("alice", USERS["alice"])
        cipher = f.sock.cipher()
        session_id = f.sock.session.id.hex().upper()
        f.voidcmd("NOOP")
        f.quit()
        got = noop_facts(srv)
        check(session_id != "", "the client saw no session id")
        check_eq(got["SECFTP_SESSION_ID"], session_id,
                 "SECFTP_SESSION_ID")
        check_eq(got["SECFTP_SESSION_RESUMED"], "0", "SECFTP_SESSION_RESUMED")
        check_eq(got["SECFTP_LIBRARY_VERSION"], ssl.OPENSSL_VERSION,
                 "SECFTP_LIBRARY_VERSION")
        check_eq(got["SECFTP_CIPHER_KEYSIZE_USED"], str(cipher[2]),
                 "SECFTP_CIPHER_KEYSIZE_USED")
        check_eq(got["SECFTP_CIPHER_KEYSIZE_POSSIBLE"], str(cipher[2]),
                 "SECFTP_CIPHER_KEYSIZE_POSSIBLE")
        check_eq(got["SECFTP_SERVER_NAME"], "localhost", "SECFTP_SERVER_NAME")
        check_cert_facts(got, "SECFTP_SERVER_", cert("server.crt"))
        check_cert_facts(got, "SECFTP_CLIENT_", cert("client.crt"))
        check(got["SECFTP_SERVER_S_DN"].startswith("CN="),
              "SECFTP_SERVER_S_DN: %r" % got["SECFTP_SERVER_S_DN"])
        check(got["SECFTP_SERVER_I_DN"] != "", "SECFTP_SERVER_I_DN empty")
        serial = run(["openssl", "x509", "-noout", "-serial", "-in",
                      cert("server.crt")]).stdout.strip().split("=")[1]
        check_eq(got["SECFTP_SERVER_SERIAL"], serial, "SECFTP_SERVER_SERIAL")


@test
def session_id_of_tls13_and_no_client_cert():
    with facts_server("facts13") as srv:
        f = harness.ftps(srv, "alice")
        f.voidcmd("NOOP")
        f.quit()
        got = noop_facts(srv)
        check(re.fullmatch(r"[0-9A-F]+", got["SECFTP_SESSION_ID"]),
              "SECFTP_SESSION_ID: %r" % got["SECFTP_SESSION_ID"])
        for n in NAMES:
            if n.startswith("SECFTP_CLIENT_"):
                check(got[n] in ("", "-"), "%s without a client "
                      "certificate: %r" % (n, got[n]))


@test
def export_cert_data_gives_server_cert():
    conf = ("SecureOptions ExportCertData\n"
            'LogFormat pem "%m|%{note:SECFTP_SERVER_CERT}"\n'
            "ExtendedLog {dir}/pem.log ALL pem\n")
    with facts_server("facts_pem", conf) as srv:
        f = harness.ftps(srv, "alice", context=harness.client_context(
            cert_name="client"))
        f.voidcmd("NOOP")
        f.quit()
        m = srv.wait_log(r"(?s)NOOP\|(-----BEGIN CERTIFICATE-----.*?"
                         r"-----END CERTIFICATE-----)", name="pem.log")
        check(m, "no server PEM: " + srv.log("pem.log"))
        with open(cert("server.crt")) as fh:
            want = fh.read()
        check(m.group(1).strip() in want, "SECFTP_SERVER_CERT is not the "
              "server certificate: %r" % m.group(1)[:80])
