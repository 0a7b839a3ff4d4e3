"""Cipher and protocol policy: CipherSuite / SecureCipherSuite with IANA
and OpenSSL names actually negotiated, server preference, weak names and
empty versions refused at startup, SecureGroups, legacy protocol warning."""

from harness import Server, cert, check, check_eq, run, test


def s_client(srv, *args):
    r = run(["openssl", "s_client", "-starttls", "ftp", "-connect",
             "127.0.0.1:%d" % srv.port, "-CAfile", cert("ca.crt"),
             "-brief"] + list(args), input="QUIT\r\n", timeout=20)
    return r.stdout + r.stderr


def negotiated(out):
    for line in out.splitlines():
        if line.startswith("Ciphersuite:"):
            return line.split(":", 1)[1].strip()
    return None


@test
def cipher_names_iana_and_openssl_negotiated():
    conf = ("CipherSuite TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n"
            "SecureCipherSuite ECDHE-RSA-CHACHA20-POLY1305 "
            "TLS_CHACHA20_POLY1305_SHA256\n")
    with Server("cipher_names", conf=conf) as srv:
        out = s_client(srv, "-tls1_2")
        check_eq(negotiated(out), "ECDHE-RSA-AES256-GCM-SHA384",
                 "TLS 1.2 suite (IANA name, first in order): " + out[-600:])
        out = s_client(srv, "-tls1_2", "-cipher",
                       "ECDHE-RSA-CHACHA20-POLY1305")
        check_eq(negotiated(out), "ECDHE-RSA-CHACHA20-POLY1305",
                 "TLS 1.2 suite by OpenSSL name: " + out[-600:])
        out = s_client(srv, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256")
        check(negotiated(out) is None, "an unlisted suite was negotiated: "
              + out[-600:])
        out = s_client(srv, "-tls1_3")
        check_eq(negotiated(out), "TLS_CHACHA20_POLY1305_SHA256",
                 "the only TLS 1.3 suite: " + out[-600:])
        out = s_client(srv, "-tls1_3", "-ciphersuites",
                       "TLS_AES_256_GCM_SHA384")
        check(negotiated(out) is None, "an unlisted 1.3 suite was "
              "negotiated: " + out[-600:])


@test
def server_preference_wins():
    conf = ("CipherSuite TLS_AES_256_GCM_SHA384 TLS_AES_128_GCM_SHA256\n"
            "CipherSuite ECDHE-RSA-AES256-GCM-SHA384 "
            "ECDHE-RSA-AES128-GCM-SHA256\n")
    with Server("cipher_pref", conf=conf) as srv:
        out = s_client(srv, "-tls1_3", "-ciphersuites",
                       "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384")
        check_eq(negotiated(out), "TLS_AES_256_GCM_SHA384",
                 "TLS 1.3 server order: " + out[-600:])
        out = s_client(srv, "-tls1_2", "-cipher",
                       "ECDHE-RSA-AES128-GCM-SHA256:"
                       "ECDHE-RSA-AES256-GCM-SHA384")
        check_eq(negotiated(out), "ECDHE-RSA-AES256-GCM-SHA384",
                 "TLS 1.2 server order: " + out[-600:])


@test
def default_ciphers_are_aead_only():
    with Server("cipher_default") as srv:
        out = s_client(srv, "-tls1_2", "-cipher", "AES128-SHA:AES256-SHA256")
        check(negotiated(out) is None, "a non-AEAD suite was negotiated "
              "by default: " + out[-600:])
        out = s_client(srv, "-tls1_2")
        check(negotiated(out).startswith("ECDHE-"), out[-600:])


def _refused(name, conf, *needles):
    out = Server(name, conf=conf).start_expecting_failure()
    for needle in needles:
        check(needle in out, "startup message lacks %r: %s" % (needle, out))


@test
def weak_cipher_names_refused_at_startup():
    for token in ("NULL-SHA256", "RC4-SHA", "DES-CBC3-SHA",
                  "TLS_RSA_WITH_NULL_SHA256", "ADH-AES128-GCM-SHA256",
                  "HIGH:!aNULL", "NOSUCH-CIPHER"):
        _refused("weak_" + token.replace(":", "_").replace("!", ""),
                 "CipherSuite ECDHE-RSA-AES128-GCM-SHA256 %s\n" % token,
                 "CipherSuite", token, "on line")


@test
def version_without_cipher_refused():
    # Only TLS 1.3 suites named while TLS 1.2 is enabled.
    _refused("no_tls12_cipher", "CipherSuite TLS_AES_128_GCM_SHA256\n",
             "TLSv1.2")
    # Accepted when TLS 1.2 is off.
    with Server("tls13_only", conf="SecureProtocol TLSv1.3\n"
                "CipherSuite TLS_AES_128_GCM_SHA256\n") as srv:
        out = s_client(srv)
        check_eq(negotiated(out), "TLS_AES_128_GCM_SHA256", out[-600:])


@test
def secure_groups():
    with Server("groups", conf="SecureGroups P-384\n") as srv:
        out = s_client(srv, "-groups", "X25519:P-384")
        check("P-384" in out or "secp384r1" in out,
              "P-384 not used: " + out[-600:])
        out = s_client(srv, "-groups", "X25519")
        check(negotiated(out) is None, "X25519 accepted: " + out[-600:])
    _refused("bad_group", "SecureGroups X25519 NoSuchGroup\n",
             "SecureGroups", "NoSuchGroup", "on line")


@test
def legacy_protocol_warning():
    srv = Server("legacy", conf="SecureProtocol TLSv1.1 TLSv1.2 TLSv1.3\n"
                 "CipherSuite ECDHE-RSA-AES128-SHA ECDHE-RSA-AES128-GCM-SHA256"
                 " TLS_AES_128_GCM_SHA256\n")
    with srv:
        out = srv.startup_output()
        check("TLS 1.0/1.1" in out and "RFC 8996" in out,
              "no warning for TLSv1.1: " + out)
