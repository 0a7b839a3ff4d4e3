"""The context a login lands in (SPEC 6.1): ProFTPD's Protocols for FTPS,
SecureFTP in <Anonymous> and mod_ifsession's blocks (the hosting setup:
anonymous downloads in the clear, real users must AUTH), and startup
errors for Secure* directives that a mod_ifsession block cannot change."""

import os

from harness import (NOBODY_GID, NOBODY_UID, USERS, Raw, Server, cert, check,
                     check_eq, client_context, curl, implicit_vhost, test)

IFSESSION = ["mod_ifsession.c"]


def curl_tls(srv, user, path="/"):
    return curl("--ssl-reqd", "--cacert", cert("ca.crt"), "-u",
                "%s:%s" % (user, USERS[user]),
                "ftp://localhost:%d%s" % (srv.port, path))


def curl_plain(srv, user, path="/"):
    return curl("-u", "%s:%s" % (user, USERS[user]),
                "ftp://localhost:%d%s" % (srv.port, path))


def curl_anonymous(srv, path="/pub.txt"):
    """curl's default login: anonymous, in the clear."""
    return curl("ftp://localhost:%d%s" % (srv.port, path))


def works(r, what):
    check_eq(r.returncode, 0, "%s (%s)" % (what, r.stderr))


def refused(r, what):
    check(r.returncode != 0, "%s: %s" % (what, r.stdout))


def expect(srv, cases):
    """Runs (client, user, logs_in) cases; returns the last result."""
    r = None
    for client, user, ok in cases:
        r = client(srv, user)
        (works if ok else refused)(r, "%s as %s" % (client.__name__, user))
    return r


ANON = """
<Anonymous {dir}/anon>
  User bob
  Group nogroup
  UserAlias anonymous bob
  %s
</Anonymous>
"""


def anon_server(name, conf, anon_extra):
    srv = Server(name, conf=conf + ANON % anon_extra)
    d = os.path.join(srv.dir, "anon")
    os.makedirs(d)
    with open(os.path.join(d, "pub.txt"), "w") as f:
        f.write("public file\n")
    for p in (d, os.path.join(d, "pub.txt")):
        os.chown(p, NOBODY_UID, NOBODY_GID)
    return srv


# Protocols

@test
def protocols_without_ftps_refuses_protected_logins():
    with Server("proto_ftp", conf="Protocols ftp\n") as srv:
        r = curl_tls(srv, "alice")
        refused(r, "curl logged in over TLS")
        check("hello.txt" not in r.stdout, "listing over TLS")
        r = curl_plain(srv, "alice")
        works(r, "plain curl")
        check("hello.txt" in r.stdout, "plain listing")
        check(srv.wait_log(r"login of alice refused \(Protocols\)"),
              "no log line for the Protocols refusal: " + srv.log())


@test
def protocols_reply_is_530_and_closes():
    with Server("proto_raw", conf="Protocols ftp\n") as srv:
        c = Raw(srv.port)
        c.reply()
        check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS")
        c.starttls()
        check_eq(c.cmd("USER alice")[0], 331, "USER")
        code, text = c.cmd("PASS " + USERS["alice"])
        check_eq(code, 530, "PASS under Protocols ftp")
        check("Protocols" in text, "reply should name Protocols: " + text)
        check(c.closed(), "the connection stayed open")


@test
def protocols_without_ftps_refuses_implicit_logins():
    vhost = implicit_vhost("  Protocols ftp\n")
    with Server("proto_implicit", vhosts=vhost) as srv:
        c = Raw(srv.port2, implicit_ctx=client_context())
        check_eq(c.reply()[0], 220, "greeting")
        check_eq(c.cmd("USER alice")[0], 331, "USER")
        code, text = c.cmd("PASS " + USERS["alice"])
        check_eq(code, 530, "PASS on the implicit port under Protocols ftp")
        check(c.closed(), "the connection stayed open")
        check(srv.wait_log(r"login of alice refused \(Protocols\)",
                           name="secftp-implicit.log"),
              "no log line: " + srv.log("secftp-implicit.log"))


@test
def protocols_with_ftps_allows_protected_logins():
    with Server("proto_both", conf="Protocols ftp ftps\n") as srv:
        r = curl_tls(srv, "alice")
        works(r, "curl over TLS")
        check("hello.txt" in r.stdout, "listing")


@test
def protocols_ftps_only_refuses_plain_logins():
    with Server("proto_ftps", conf="Protocols ftps\n") as srv:
        expect(srv, [(curl_plain, "alice", False), (curl_tls, "alice", True)])


@test
def protocols_in_ifuser():
    conf = "<IfUser alice>\n  Protocols ftp\n</IfUser>\n"
    with Server("proto_ifuser", conf=conf, modules=IFSESSION) as srv:
        r = expect(srv, [(curl_tls, "alice", False),
                         (curl_plain, "alice", True), (curl_tls, "bob", True)])
        check("hello.txt" in r.stdout, "bob's listing")


@test
def protocols_in_ifclass():
    conf = ("<Class loopback>\n  From 127.0.0.1\n</Class>\n"
            "<IfClass loopback>\n  Protocols ftp\n</IfClass>\n")
    with Server("proto_ifclass", conf=conf, modules=IFSESSION) as srv:
        for user in ("alice", "bob"):
            r = curl_tls(srv, user)
            refused(r, "%s logged in over TLS" % user)
        r = curl_plain(srv, "bob")
        works(r, "bob in the clear")
        check(srv.wait_log(r"login of bob refused \(Protocols\)"),
              "no log line: " + srv.log())


# SecureFTP per context

def anonymous_clear_alice_refused(srv, policy):
    """The anonymous download works in the clear; USER alice before AUTH
    gets 530 naming policy, and USER anonymous 331."""
    r = curl_anonymous(srv)
    works(r, "anonymous download")
    check_eq(r.stdout, "public file\n", "anonymous download")
    c = Raw(srv.port)
    c.reply()
    code, text = c.cmd("USER alice")
    check_eq(code, 530, "USER alice in the clear")
    check(policy in text, "reply should name %s: %s" % (policy, text))
    check_eq(c.cmd("USER anonymous")[0], 331, "USER anonymous")


@test
def hosting_anonymous_clear_real_users_tls():
    """Server SecureFTP required, the <Anonymous> area allowed."""
    srv = anon_server("hosting_anon", "SecureFTP required\n",
                      "SecureFTP allowed")
    with srv:
        anonymous_clear_alice_refused(srv, "SecureFTP")
        r = curl_plain(srv, "alice")
        refused(r, "alice logged in in the clear")
        r = curl_tls(srv, "alice", "/hello.txt")
        works(r, "alice over TLS")
        check_eq(r.stdout, "hello from alice\n", "alice's file")


@test
def hosting_anonymous_clear_under_dataconn_private():
    """Server SecureDataConn private (which requires AUTH before login),
    the <Anonymous> area SecureDataConn clear."""
    srv = anon_server("anon_dataconn", "SecureDataConn private\n",
                      "SecureDataConn clear")
    with srv:
        anonymous_clear_alice_refused(srv, "SecureDataConn")


@test
def anonymous_may_require_tls_too():
    """Server SecureFTP allowed, the <Anonymous> area required."""
    srv = anon_server("anon_required", "", "SecureFTP required")
    with srv:
        r = curl_anonymous(srv)
        refused(r, "anonymous logged in in the clear")
        r = curl("--ssl-reqd", "--cacert", cert("ca.crt"),
                 "ftp://localhost:%d/pub.txt" % srv.port)
        works(r, "anonymous over TLS")
        check_eq(r.stdout, "public file\n", "anonymous over TLS")
        r = curl_plain(srv, "alice")
        works(r, "alice in the clear")


@test
def hosting_ifuser_requires_tls():
    """Server SecureFTP allowed, <IfUser alice> required: decided at PASS."""
    conf = "<IfUser alice>\n  SecureFTP required\n</IfUser>\n"
    with Server("ifuser_required", conf=conf, modules=IFSESSION) as srv:
        r = curl_plain(srv, "alice")
        refused(r, "alice logged in in the clear")
        check("hello.txt" not in r.stdout, "alice's listing")
        check(srv.wait_log(r"login of alice refused \(SecureFTP required\)"),
              "no log line: " + srv.log())
        r = curl_tls(srv, "alice")
        works(r, "alice over TLS")
        r = curl_plain(srv, "bob")
        works(r, "bob in the clear")
        check("hello.txt" in r.stdout, "bob's listing")


@test
def ifgroup_and_ifclass_require_tls():
    for block in ("<IfGroup nogroup>", "<IfClass loopback>"):
        conf = ("<Class loopback>\n  From 127.0.0.1\n</Class>\n"
                "%s\n  SecureFTP required\n</%s>\n" % (
                    block, block.split()[0][1:]))
        with Server("ifblock_required", conf=conf, modules=IFSESSION) as srv:
            expect(srv, [(curl_plain, "bob", False), (curl_tls, "bob", True)])


@test
def ifclass_requirement_refuses_user_before_the_password():
    """mod_ifsession merges <IfClass> when the connection opens: USER is
    refused before AUTH, and the password never goes out in the clear."""
    conf = ("<Class loopback>\n  From 127.0.0.1\n</Class>\n"
            "<IfClass loopback>\n  SecureFTP required\n</IfClass>\n")
    with Server("ifclass_user", conf=conf, modules=IFSESSION) as srv:
        c = Raw(srv.port)
        c.reply()
        code, text = c.cmd("USER bob")
        check_eq(code, 530, "USER before AUTH")
        check("SecureFTP" in text, "reply should name SecureFTP: " + text)


@test
def ifuser_may_allow_what_the_server_requires():
    """Server required, <IfUser bob> allowed: USER bob is refused before
    AUTH all the same (mod_ifsession merges after the password), so the
    password never goes out in the clear; only <Anonymous> can relax it."""
    conf = ("SecureFTP required\n"
            "<IfUser bob>\n  SecureFTP allowed\n</IfUser>\n")
    with Server("ifuser_allowed", conf=conf, modules=IFSESSION) as srv:
        expect(srv, [(curl_plain, "bob", False), (curl_tls, "bob", True)])


# No silent no-ops

ONCE_READ = [
    "SecureSessionReuse allowed",
    "SecureLogin optional",
    "SecurePassword required",
    "SecureCtrlConn private",
    "SecureOptions StdEnvVars",
    "SecureHandshakeTimeout 5",
    "SecureVerifyDepth 3",
    "SecureProtocol TLSv1.3",
    "SecurePortAccess alice",
    "CipherSuite TLS_AES_128_GCM_SHA256",
    "SecureFTPLog none",
]


@test
def once_read_directives_refused_in_ifuser():
    conf = "<IfUser alice>\n%s\n</IfUser>\n" % "\n".join(
        "  " + d for d in ONCE_READ)
    out = Server("noop_ifuser", conf=conf,
                 modules=IFSESSION).start_expecting_failure()
    for d in ONCE_READ:
        name = d.split()[0]
        check("%s is not allowed in <IfUser>" % name in out,
              "startup output should refuse %s in <IfUser>: %s" % (name, out))


@test
def session_reuse_refused_in_each_ifsession_block():
    for block in ("<IfUser alice>", "<IfGroup nogroup>",
                  "<IfClass loopback>", "<IfAuthenticated>"):
        tag = block.split()[0].rstrip(">") + ">"
        conf = ("<Class loopback>\n  From 127.0.0.1\n</Class>\n"
                "%s\n  SecureSessionReuse allowed\n</%s\n" % (block, tag[1:]))
        out = Server("noop_block", conf=conf,
                     modules=IFSESSION).start_expecting_failure()
        check("SecureSessionReuse is not allowed in %s" % tag in out,
              "%s: startup output should name the directive and the block: "
              "%s" % (block, out))


@test
def refused_in_ifuser_inside_global_and_virtualhost():
    block = "<IfUser alice>\n  SecureLogin optional\n</IfUser>\n"
    for outer, vhosts in (("<Global>\n%s</Global>\n" % block, ""),
                          ("", "<VirtualHost 127.0.0.1>\n  Port {port2}\n"
                           "  SecureEngine on\n  SecureCertificate "
                           "{certs}/server.crt {certs}/server.key\n%s"
                           "</VirtualHost>\n" % block)):
        out = Server("noop_nested", conf=outer, vhosts=vhosts,
                     modules=IFSESSION).start_expecting_failure()
        check("SecureLogin is not allowed in <IfUser>" in out,
              "startup output should refuse SecureLogin in <IfUser>: " + out)


@test
def login_time_directives_accepted_in_ifuser():
    conf = ("<IfUser alice>\n  SecureFTP required\n"
            "  SecureDataConn private\n</IfUser>\n")
    with Server("ifuser_ok", conf=conf, modules=IFSESSION) as srv:
        c = Raw(srv.port)
        check_eq(c.reply()[0], 220, "greeting")


@test
def secure_login_refused_in_anonymous():
    srv = anon_server("anon_login", "", "SecureLogin optional")
    out = srv.start_expecting_failure()
    check("SecureLogin" in out and "<Anonymous>" in out,
          "startup output should name SecureLogin and <Anonymous>: " + out)


# The order of LoadModule lines

def load_ifsession_first(srv):
    """Rewrites srv's configuration so that mod_ifsession is loaded before
    mod_secftp (Debian: modules.conf, then conf.d/): mod_secftp's handlers
    then run before mod_ifsession's."""
    with open(srv.conf_path) as f:
        text = f.read()
    check("LoadModule mod_secftp.c\nLoadModule mod_ifsession.c" in text,
          "unexpected LoadModule lines")
    text = text.replace("LoadModule mod_secftp.c\nLoadModule mod_ifsession.c",
                        "LoadModule mod_ifsession.c\nLoadModule mod_secftp.c")
    with open(srv.conf_path, "w") as f:
        f.write(text)
    return srv


@test
def ifuser_blocks_work_whatever_the_module_order():
    conf = ("<IfUser alice>\n  SecureFTP required\n</IfUser>\n"
            "<IfUser bob>\n  Protocols ftp\n</IfUser>\n")
    srv = load_ifsession_first(Server("ifsession_first", conf=conf,
                                      modules=IFSESSION))
    with srv:
        expect(srv, [(curl_plain, "alice", False), (curl_tls, "alice", True),
                     (curl_tls, "bob", False), (curl_plain, "bob", True)])


@test
def login_again_after_auth_answers_to_protocols():
    """A clear login, AUTH TLS after it (a protocol-level logout, RFC 4217
    section 4.2), and the login again over TLS: Protocols ftp refuses it
    as it refuses a first one."""
    with Server("proto_relogin", conf="Protocols ftp\n") as srv:
        c = Raw(srv.port)
        c.reply()
        check_eq(c.cmd("USER alice")[0], 331, "USER")
        check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS in the clear")
        check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS after login")
        c.starttls()
        check_eq(c.cmd("USER alice")[0], 331, "USER again")
        code, text = c.cmd("PASS " + USERS["alice"])
        check_eq(code, 530, "PASS again over TLS under Protocols ftp")
        check("Protocols" in text, "reply should name Protocols: " + text)
        check(c.closed(), "the connection stayed open")
