"""Fleet: two ProFTPD nodes sharing a real redis-server (Debian) for TLS 1.2
sessions and rotated ticket keys (SecureSessionCache redis), through the
module's own Redis client (SecureRedisServer; mod_redis is not loaded)."""

import ftplib
import hashlib
import os
import re
import signal
import socket
import ssl
import subprocess
import tempfile
import time

from harness import (Raw, Server, allocate_ports, cert, check, check_eq,
                     client_context, ftps, run, run_dir, test)

LIFETIME = 3


class Redis:
    """A redis-server on a loopback high port, stopped by pid.  args are
    more redis-server options (--requirepass, --unixsocket), cli_args what
    redis-cli then needs (-a, -s)."""

    def __init__(self, name, args=(), cli_args=()):
        self.dir = tempfile.mkdtemp(prefix=name + "-redis-", dir=run_dir())
        self.port = allocate_ports(1)
        self.proc = None
        self.args = list(args)
        self.cli_args = list(cli_args)

    def start(self, timeout=10):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.dir,
             "--protected-mode", "no"] + self.args,
            stdout=open(os.path.join(self.dir, "redis.log"), "w"),
            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.cli("PING").strip() == "PONG":
                return self
            time.sleep(0.05)
        self.stop()
        raise AssertionError("redis-server did not start on %d" % self.port)

    def stop(self):
        if self.proc is None:
            return
        self.proc.kill()
        self.proc.wait(timeout=5)
        self.proc = None

    def cli(self, *args):
        out = run(["redis-cli", "-p", str(self.port), "--no-auth-warning",
                   "--raw"] + self.cli_args + list(args), timeout=10)
        return out.stdout

    def keys(self, pattern):
        return sorted(k for k in self.cli("KEYS", pattern).split() if k)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def key_file(name):
    """A SecureTicketKeyFile: 48 random bytes, root-only."""
    path = os.path.join(run_dir(), name + ".ticketkey")
    with open(path, "wb") as f:
        f.write(os.urandom(48))
    os.chmod(path, 0o600)
    return path


def fleet_conf(redis, keyfile, lifetime=LIFETIME, extra=""):
    return """
SecureRedisServer 127.0.0.1:%d
SecureRedisTimeouts 300 300
SecureSessionCache redis
SecureTicketKeyFile %s
SecureTicketKeyLifetime %ds
%s
""" % (redis.port, keyfile, lifetime, extra)


def node(name, redis, keyfile, **kw):
    return Server(name, conf=fleet_conf(redis, keyfile, **kw))


def tls_ctx(version="1.3", tickets=True):
    ctx = client_context()
    if version == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    else:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if not tickets:
        ctx.options |= ssl.OP_NO_TICKET
    return ctx


def connect(srv, ctx, session=None):
    """AUTH TLS on srv, resuming session if given.  Returns (session,
    reused, version) after a command, so that TLS 1.3 tickets have
    arrived."""
    with Raw(srv.port) as c:
        check_eq(c.reply()[0], 220, "greeting")
        check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS")
        c.sock = ctx.wrap_socket(c.sock, server_hostname="localhost",
                                 session=session)
        check_eq(c.cmd("NOOP")[0], 200, "NOOP over TLS")
        result = (c.sock.session, c.sock.session_reused, c.sock.version())
        c.cmd("QUIT")
        return result


def wait_period_start(lifetime=LIFETIME, margin=0.3):
    """Sleeps until margin seconds into a key period; returns its epoch."""
    while True:
        now = time.time()
        into = now % lifetime
        if margin <= into <= margin + 0.5:
            return int(now // lifetime)
        time.sleep(0.05)


def sleep_until_epoch(epoch, lifetime=LIFETIME, margin=0.3):
    delay = epoch * lifetime + margin - time.time()
    if delay > 0:
        time.sleep(delay)


@test
def fleet_tls13_ticket_resumes_on_other_node_across_rotation():
    with Redis("tls13") as redis:
        kf = key_file("tls13")
        with node("fleet13_a", redis, kf) as a, \
                node("fleet13_b", redis, kf) as b:
            ctx = tls_ctx("1.3")
            epoch = wait_period_start()
            sess, reused, version = connect(a, ctx)
            check_eq(version, "TLSv1.3", "protocol")
            check(not reused, "first connection cannot be resumed")

            _, reused, _ = connect(b, ctx, sess)
            check(reused, "TLS 1.3 ticket from node A not resumed on B")

            # Next period: the key rotated; A's ticket is decrypted with
            # the previous key on B, which renews it.
            sleep_until_epoch(epoch + 1)
            renewed, reused, _ = connect(b, ctx, sess)
            check(reused, "ticket of the previous period not resumed on B "
                  "after the rotation (grace window)")

            # Two rotations later: only one previous key stays valid.
            sleep_until_epoch(epoch + 2)
            _, reused, _ = connect(b, ctx, sess)
            check(not reused, "ticket two periods old still resumed")
            _, reused, _ = connect(a, ctx, renewed)
            check(reused, "renewed ticket (issued by B) not resumed on A")

            keys = redis.keys("mod_secftp:ticketkey:*")
            check(len(keys) >= 2, "expected rotated keys in Redis: %r" % keys)
            value = redis.cli("GET", keys[0]).strip()
            check(value.startswith("U0ZS"), "ticket key stored unsealed: %r"
                  % value[:20])
            check("crash" not in a.log() + b.log(), "crash logged")


@test
def fleet_tls12_session_id_and_ticket_resume_on_other_node():
    with Redis("tls12") as redis:
        kf = key_file("tls12")
        with node("fleet12_a", redis, kf) as a, \
                node("fleet12_b", redis, kf) as b:
            # Session ids (a client without tickets): Redis session cache.
            ctx = tls_ctx("1.2", tickets=False)
            sess, reused, version = connect(a, ctx)
            check_eq(version, "TLSv1.2", "protocol")
            check(not reused, "first connection cannot be resumed")
            stored = redis.keys("mod_secftp:session:*")
            check_eq(len(stored), 1, "TLS 1.2 sessions in Redis")
            check_eq(redis.cli("GET", stored[0])[:4], "U0ZS",
                     "session record format")
            _, reused, _ = connect(b, ctx, sess)
            check(reused, "TLS 1.2 session id from A not resumed on B")

            # Tickets (TLS 1.2 clients that ask for them).
            ctx = tls_ctx("1.2")
            sess, reused, _ = connect(a, ctx)
            _, reused, _ = connect(b, ctx, sess)
            check(reused, "TLS 1.2 ticket from A not resumed on B")

            # Data connections still resume their own control session, and
            # only that one: not a session of another node from Redis.
            ctx = tls_ctx("1.2", tickets=False)
            foreign, _, _ = connect(a, ctx)
            f = ftps(b, "alice", context=ctx)
            f.prot_p()
            check("hello.txt" in f.nlst(), "listing on B")
            conn, _ = ftplib.FTP.ntransfercmd(f, "NLST")
            data = ctx.wrap_socket(conn, server_hostname="localhost",
                                   session=foreign)
            check(not data.session_reused, "a data connection on B resumed "
                  "a session of node A from Redis")
            data.close()
            try:
                resp = f.voidresp()
            except ftplib.error_perm as e:
                resp = str(e)
            check(resp.startswith("522"), "foreign session on B: %s" % resp)
            f.quit()


@test
def fleet_separate_nodes_without_redis_do_not_resume():
    # Control: with SecureSessionCache internal, node B cannot resume A's
    # ticket, so the fleet test above measures the shared cache.
    with Server("internal_a") as a, Server("internal_b") as b:
        ctx = tls_ctx("1.3")
        sess, _, _ = connect(a, ctx)
        _, reused, _ = connect(a, ctx, sess)
        check(reused, "internal cache: ticket not resumed on the same node")
        _, reused, _ = connect(b, ctx, sess)
        check(not reused, "ticket of another node resumed without Redis")


def corrupt(redis, key):
    value = redis.cli("GET", key).strip()
    i = len(value) // 2
    bad = value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1:]
    redis.cli("SET", key, bad)


@test
def fleet_corrupt_records_mean_full_handshake():
    with Redis("corrupt") as redis:
        kf = key_file("corrupt")
        with node("corrupt_a", redis, kf, lifetime=3600) as a, \
                node("corrupt_b", redis, kf, lifetime=3600) as b:
            ctx12 = tls_ctx("1.2", tickets=False)
            sess12, _, _ = connect(a, ctx12)
            key = redis.keys("mod_secftp:session:*")[0]
            corrupt(redis, key)
            _, reused, _ = connect(b, ctx12, sess12)
            check(not reused, "corrupt session record resumed")
            check(b.wait_log(r"session record '%s' ignored: record failed "
                             r"authentication" % re.escape(key)),
                  "no log line for the corrupt session: %r" % b.log())
            check(redis.cli("GET", key).strip() != "",
                  "the unreadable record was removed or replaced")

            # Garbage, not even a record.
            redis.cli("SET", key, "garbage!")
            _, reused, _ = connect(b, ctx12, sess12)
            check(not reused, "garbage session record resumed")
            check(b.wait_log(r"ignored: malformed record"),
                  "no log line for the malformed record")

            # Oversized (past every bound a record may have).
            run(["redis-cli", "-p", str(redis.port), "-x", "SET", key],
                input="QUFB" * 40000, timeout=10)
            _, reused, _ = connect(b, ctx12, sess12)
            check(not reused, "oversized session record resumed")
            check_eq(len(re.findall("ignored: malformed record", b.log())),
                     2, "log lines for malformed records")

            # A corrupt ticket key: tickets of that key no longer resume
            # anywhere, and nobody overwrites the record.
            ctx13 = tls_ctx("1.3")
            sess13, _, _ = connect(a, ctx13)
            tkey = redis.keys("mod_secftp:ticketkey:*")[0]
            corrupt(redis, tkey)
            bad = redis.cli("GET", tkey)
            _, reused, _ = connect(b, ctx13, sess13)
            check(not reused, "ticket resumed with a corrupt key record")
            check(b.wait_log(r"ticket key record '%s' ignored" %
                             re.escape(tkey)),
                  "no log line for the corrupt ticket key: %r" % b.log())
            check_eq(redis.cli("GET", tkey), bad, "corrupt key record")

            # The node keeps working: node-local tickets, logins, listings.
            local, reused, _ = connect(b, ctx13)
            _, reused, _ = connect(b, ctx13, local)
            check(reused, "node-local ticket not resumed on the same node")
            f = ftps(b, "alice", context=ctx13)
            f.prot_p()
            check("hello.txt" in f.nlst(), "listing on B")
            f.quit()
            check_eq(len(re.findall("ticket key record", b.log())), 1,
                     "log lines for one corrupt key")


def make_big_file(srv, size):
    path = os.path.join(srv.home("alice"), "big.bin")
    block = os.urandom(1 << 20)
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(size >> 20):
            f.write(block)
            digest.update(block)
    os.chown(path, 65534, 65534)
    return digest.hexdigest()


@test
def fleet_redis_outage_loses_nothing_and_recovers():
    redis = Redis("outage").start()
    try:
        kf = key_file("outage")
        with node("outage_a", redis, kf, lifetime=3600) as a, \
                node("outage_b", redis, kf, lifetime=3600) as b:
            want = make_big_file(a, 64 << 20)
            ctx = tls_ctx("1.3")
            sess, _, _ = connect(a, ctx)

            # Kill Redis in the middle of a protected download.
            f = ftps(a, "alice", context=ctx)
            f.prot_p()
            got = hashlib.sha256()
            state = {"n": 0}

            def chunk(data):
                got.update(data)
                state["n"] += len(data)
                if redis.proc is not None and state["n"] > (8 << 20):
                    redis.stop()

            f.retrbinary("RETR big.bin", chunk, blocksize=65536)
            check(redis.proc is None, "Redis was not killed mid-transfer")
            check_eq(got.hexdigest(), want, "download across the outage")
            f.quit()

            # Both nodes keep serving.  TLS 1.2 sessions (stored in Redis
            # at every full handshake) make each node notice the outage.
            ctx12 = tls_ctx("1.2", tickets=False)
            for srv in (a, b, a, b):
                for c in (ctx, ctx12):
                    g = ftps(srv, "alice", context=c)
                    g.prot_p()
                    check("hello.txt" in g.nlst(),
                          "listing during the outage")
                    g.quit()
            # The fleet key A already had still serves A.
            _, reused, _ = connect(a, ctx, sess)
            check(reused, "ticket key known to node A not used during "
                  "the outage")
            for srv in (a, b):
                check(srv.wait_log("Redis unavailable"),
                      "outage not logged on %s" % srv.name)
                check_eq(srv.log().count("Redis unavailable"), 1,
                         "outage log lines on %s" % srv.name)

            # Redis returns (empty): the nodes find it by themselves.
            redis.start()
            deadline = time.time() + 15
            reused = False
            while not reused and time.time() < deadline:
                time.sleep(0.5)
                new, _, _ = connect(a, ctx12)
                _, reused, _ = connect(b, ctx12, new)
            check(reused, "no fleet resumption after Redis came back")
            for srv in (a, b):
                check(srv.wait_log("Redis available again"),
                      "recovery not logged on %s: %r" % (srv.name,
                                                         srv.log()))
            for srv in (a, b):
                check(srv.proc.poll() is None, "%s died" % srv.name)
    finally:
        redis.stop()


@test
def fleet_configuration_errors():
    redis = Redis("conf")   # never started: only its port is used
    kf = key_file("conf")
    cases = [
        ("no key file", "SecureRedisServer 127.0.0.1:%d\n"
         "SecureSessionCache redis\n" % redis.port, [],
         "needs SecureTicketKeyFile"),
        ("no redis server", "SecureSessionCache redis\n"
         "SecureTicketKeyFile %s\n" % kf, [], "needs SecureRedisServer"),
        ("bad cache", "SecureSessionCache shared\n", [], "'shared'"),
        ("bad lifetime", "SecureTicketKeyLifetime 0s\n", [], "'0s'"),
        ("bad lifetime unit", "SecureTicketKeyLifetime 5d\n", [], "'5d'"),
    ]
    short = key_file("short")
    with open(short, "wb") as f:
        f.write(os.urandom(16))
    cases.append(("short key file", "SecureTicketKeyFile %s\n" % short, [],
                  "32 to 1024 random bytes"))
    readable = key_file("readable")
    os.chmod(readable, 0o644)
    cases.append(("readable key file", "SecureTicketKeyFile %s\n" % readable,
                  [], "readable by root only"))
    for what, conf, modules, want in cases:
        srv = Server("conf_" + what.replace(" ", "_"), conf=conf,
                     modules=modules)
        out = srv.start_expecting_failure()
        check(want in out, "%s: expected %r in %r" % (what, want, out))


def fingerprint(name):
    with open(cert(name)) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    digest = hashlib.sha256(der).hexdigest().upper()
    return "sha256:" + ":".join(digest[i:i + 2] for i in range(0, 64, 2))


def user_reply(srv, user):
    """The reply to USER after AUTH TLS with the client certificate."""
    with Raw(srv.port) as c:
        check_eq(c.reply()[0], 220, "greeting")
        check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS")
        c.starttls(client_context(cert_name="client"))
        code = c.cmd("USER " + user)[0]
        c.cmd("QUIT")
        return code


MAP_CONF = """
SecureRedisServer 127.0.0.1:%d
SecureCACertificate {certs}/ca.crt
SecureLogin verify_user
SecurePassword optional
SecureCertMap redis:secftp:map
"""


@test
def fleet_certmap_in_redis_applies_on_every_node():
    with Redis("map") as redis:
        fp = fingerprint("client.crt")
        redis.cli("SET", "secftp:map", "cert %s alice\n" % fp)
        with Server("map_a", conf=MAP_CONF % redis.port) as a, \
                Server("map_b", conf=MAP_CONF % redis.port) as b:
            for srv in (a, b):
                check_eq(user_reply(srv, "alice"), 232,
                         "USER alice on %s, map says alice" % srv.name)
                check(srv.wait_log(r"SecureCertMap redis:secftp:map: "
                                   r"applied a new map \(1 rules\)"),
                      "map not applied on %s: %r" % (srv.name, srv.log()))

            redis.cli("SET", "secftp:map",
                      "# moved\nfilter issuer=\"CN=nobody\" user=alice\n"
                      "cert %s bob\n" % fp)
            for srv in (a, b):
                check_eq(user_reply(srv, "alice"), 530,
                         "USER alice on %s after the update" % srv.name)
                check_eq(user_reply(srv, "bob"), 232,
                         "USER bob on %s after the update" % srv.name)

            # An invalid update is refused whole: the previous map stays.
            redis.cli("SET", "secftp:map",
                      "cert %s alice\nfilter nonsense\n" % fp)
            for srv in (a, b):
                check_eq(user_reply(srv, "bob"), 232,
                         "USER bob on %s after a bad update" % srv.name)
                check_eq(user_reply(srv, "alice"), 530,
                         "USER alice on %s after a bad update" % srv.name)
                check(srv.wait_log(r"update refused whole \(line 2"),
                      "refusal not logged on %s: %r" % (srv.name,
                                                         srv.log()))
                check_eq(srv.log().count("update refused whole"), 1,
                         "refusal log lines on %s" % srv.name)

            # Redis gone: the last valid map still serves.
            redis.stop()
            for srv in (a, b):
                check_eq(user_reply(srv, "bob"), 232,
                         "USER bob on %s without Redis" % srv.name)
                check(srv.proc.poll() is None, "%s died" % srv.name)


@test
def session_cache_off_and_internal():
    # off: nothing resumes a new control connection, yet data connections
    # still resume their own control session.
    with Server("cache_off", conf="SecureSessionCache off\n") as srv:
        for version in ("1.2", "1.3"):
            ctx = tls_ctx(version)
            sess, _, _ = connect(srv, ctx)
            _, reused, _ = connect(srv, ctx, sess)
            check(not reused, "SecureSessionCache off: TLS %s control "
                  "connection resumed" % version)
            f = ftps(srv, "alice", context=ctx)
            f.prot_p()
            check("hello.txt" in f.nlst(), "listing with the cache off")
            f.quit()
    # internal: one node's sessions resume each other's tickets, with
    # rotation.
    with Server("cache_internal", conf="SecureTicketKeyLifetime 3s\n") as srv:
        ctx = tls_ctx("1.3")
        epoch = wait_period_start()
        sess, _, _ = connect(srv, ctx)
        _, reused, _ = connect(srv, ctx, sess)
        check(reused, "internal: ticket not resumed on the same node")
        sleep_until_epoch(epoch + 2)
        _, reused, _ = connect(srv, ctx, sess)
        check(not reused, "internal: ticket two periods old resumed")


@test
def fleet_implicit_ftps_resumes_on_other_node():
    # The implicit handshake runs before the 220, in session start-up.
    with Redis("implicit") as redis:
        kf = key_file("implicit")
        extra = """
<VirtualHost 127.0.0.1>
  Port {port2}
  SecureEngine on
  SecureImplicit on
  SecureCertificate {certs}/server.crt {certs}/server.key
  SecureSessionCache redis
  SecureTicketKeyFile %s
</VirtualHost>
""" % kf
        a = Server("implicit_a", conf=fleet_conf(redis, kf, 3600),
                   vhosts=extra)
        b = Server("implicit_b", conf=fleet_conf(redis, kf, 3600),
                   vhosts=extra)
        with a, b:
            ctx = tls_ctx("1.3")
            with Raw(a.port2, implicit_ctx=ctx) as c:
                check_eq(c.reply()[0], 220, "implicit greeting on A")
                check_eq(c.cmd("NOOP")[0], 200, "NOOP")
                sess = c.sock.session
            c = Raw.__new__(Raw)
            c.sock = ctx.wrap_socket(
                socket.create_connection(("127.0.0.1", b.port2), timeout=10),
                server_hostname="localhost", session=sess)
            c.buf = b""
            with c:
                check_eq(c.reply()[0], 220, "implicit greeting on B")
                check(c.sock.session_reused, "implicit session of A not "
                      "resumed on B")


@test
def fleet_sighup_rereads_key_file_and_keeps_tickets():
    with Redis("sighup") as redis:
        kf = key_file("sighup")
        with node("sighup_a", redis, kf, lifetime=3600) as a, \
                node("sighup_b", redis, kf, lifetime=3600) as b:
            ctx = tls_ctx("1.3")
            sess, _, _ = connect(a, ctx)
            for srv in (a, b):
                os.kill(srv.proc.pid, signal.SIGHUP)
            time.sleep(1.5)
            for srv in (a, b):
                check(srv.proc.poll() is None,
                      "%s exited after SIGHUP: %s" % (srv.name,
                                                      srv.startup_output()))
                _, reused, _ = connect(srv, ctx, sess)
                check(reused, "ticket not resumed on %s after SIGHUP"
                      % srv.name)
