"""Fleet outages (issue 17, SPEC 6.1, doc/fleet.md "Failure modes"): a real
redis-server that hangs (SIGSTOP), is black-holed, restarts empty or flaps,
under two or three ProFTPD nodes on loopback; fleet records that change
only by intent; Redis with a password and on a Unix socket.

Timing assertions are bounds, never benchmarks: a login while Redis hangs
completes within the connect timeout plus 200 ms, and the fleet resumes
again within one back-off period (plus the time of the client's own
handshakes).  Measured figures go to $SECFTP_MEASURE_OUT when set."""

import hashlib
import json
import os
import signal
import socket
import ssl
import statistics
import threading
import time

from harness import (Raw, ReusingFTP_TLS, Server, USERS, allocate_ports,
                     check, check_eq, ftps, put_file, run_dir, test)
import test_fleet as tf

CONNECT_MS = 300
IO_MS = 300
BACKOFF = 2
LOGIN_BOUND = (CONNECT_MS + 200) / 1000.0


def outage_conf(address, keyfile, extra=""):
    return """
SecureRedisServer %s
SecureRedisTimeouts %d %d %ds
SecureSessionCache redis
SecureTicketKeyFile %s
SecureTicketKeyLifetime 3600s
%s
""" % (address, CONNECT_MS, IO_MS, BACKOFF, keyfile, extra)


def outage_node(name, address, keyfile, extra=""):
    return Server(name, conf=outage_conf(address, keyfile, extra))


def measure(what, **values):
    """Keeps a measured figure for doc/fleet.md."""
    out = os.environ.get("SECFTP_MEASURE_OUT")
    if out:
        with open(out, "a") as f:
            f.write(json.dumps(dict(what=what, **values)) + "\n")


def timed_login(srv, ctx):
    """A protected login (connect, AUTH TLS, handshake, USER, PASS): the
    client and the seconds it took."""
    start = time.monotonic()
    f = ftps(srv, "alice", context=ctx, timeout=20)
    return f, time.monotonic() - start


def logins_while_down(nodes, rounds, what):
    """Logins alternating over nodes and TLS versions (TLS 1.2 session ids
    store in Redis at every full handshake, so each node meets the
    outage): every one completes, within LOGIN_BOUND.  Returns the times."""
    times = []
    contexts = (tf.tls_ctx("1.2", tickets=False), tf.tls_ctx("1.3"))
    for i in range(rounds):
        srv = nodes[i % len(nodes)]
        f, secs = timed_login(srv, contexts[(i // len(nodes)) % 2])
        times.append(secs)
        check(secs <= LOGIN_BOUND, "%s: login %d on %s took %.3f s (bound "
              "%.3f s)" % (what, i, srv.name, secs, LOGIN_BOUND))
        f.prot_p()
        check("hello.txt" in f.nlst(), "%s: listing on %s" % (what,
                                                               srv.name))
        f.quit()
    return times


class SlowDownload(threading.Thread):
    """A protected download read slowly, so that it spans an outage."""

    def __init__(self, srv, name, delay=0.01):
        super().__init__(daemon=True)
        self.f = ftps(srv, "alice", context=tf.tls_ctx("1.3"), timeout=60)
        self.f.prot_p()
        self.name_ = name
        self.delay = delay
        self.digest = hashlib.sha256()
        self.error = None
        self.started_bytes = threading.Event()

    def run(self):
        def chunk(data):
            self.digest.update(data)
            self.started_bytes.set()
            time.sleep(self.delay)
        try:
            self.f.retrbinary("RETR " + self.name_, chunk, blocksize=65536)
            self.f.quit()
        except Exception as e:     # reported by the test
            self.error = e

    def result(self, timeout=90):
        self.join(timeout)
        check(not self.is_alive(), "download still running")
        check(self.error is None, "download failed: %r" % self.error)
        return self.digest.hexdigest()


def cross_node_resumes_within(a, b, limit):
    """Polls until a TLS 1.2 session of a resumes on b; the seconds it took
    (checked against limit)."""
    ctx = tf.tls_ctx("1.2", tickets=False)
    start = time.monotonic()
    while True:
        sess, _, _ = tf.connect(a, ctx)
        _, reused, _ = tf.connect(b, ctx, sess)
        elapsed = time.monotonic() - start
        if reused:
            return elapsed
        check(elapsed <= limit, "no cross-node resumption %.1f s after "
              "Redis answered again (bound %.1f s)" % (elapsed, limit))
        time.sleep(0.05)


def check_breaker_logs(nodes, what):
    for srv in nodes:
        check(srv.wait_log(r"Redis unavailable \(.*\); circuit breaker "
                           r"open"),
              "%s: breaker opening not logged on %s: %r" % (
                  what, srv.name, srv.log()))
        check(srv.wait_log(r"Redis available again after \d+ s; circuit "
                           r"breaker closed"),
              "%s: breaker closing not logged on %s: %r" % (
                  what, srv.name, srv.log()))
        check(srv.proc.poll() is None, "%s died" % srv.name)
        check("crash" not in srv.log() + srv.startup_output(),
              "crash logged on %s" % srv.name)


def survive_outage(what, down, up, a, b):
    """The common course of a hung or black-holed Redis: a download spans
    the outage, logins stay bounded, the fleet comes back within one
    back-off period."""
    want = tf.make_big_file(a, 16 << 20)
    cross_node_resumes_within(a, b, 5)
    download = SlowDownload(a, "big.bin")
    download.start()
    check(download.started_bytes.wait(20), "download did not start")
    down()
    try:
        times = logins_while_down((a, b), 12, what)
    finally:
        up()
    elapsed = cross_node_resumes_within(a, b, BACKOFF + 1.5)
    check_eq(download.result(), want, "%s: download across it" % what)
    check_breaker_logs((a, b), what)
    for srv in (a, b):
        check_eq(srv.log().count("circuit breaker open"), 1,
                 "%s: breaker openings logged on %s (one outage)" % (
                     what, srv.name))
    measure(what, login_max=max(times), login_median=statistics.median(
        times), resumed_again_after=elapsed)


@test
def fleet_hung_redis_bounded_logins_and_recovery():
    with tf.Redis("hung") as redis:
        kf = tf.key_file("hung")
        address = "127.0.0.1:%d" % redis.port
        with outage_node("hung_a", address, kf) as a, \
                outage_node("hung_b", address, kf) as b:
            survive_outage(
                "hung (SIGSTOP)",
                lambda: os.kill(redis.proc.pid, signal.SIGSTOP),
                lambda: os.kill(redis.proc.pid, signal.SIGCONT), a, b)


class Relay:
    """A relay to Redis on its own loopback port, to play the network.
    holed: it accepts connections and relays nothing in either direction,
    as a route that drops every packet after the handshake.  delay: each
    reply waits that many seconds (a slow Redis).  fail_over(port): later
    connections go to another Redis, and the current ones are cut, as when
    a virtual address moves."""

    def __init__(self, target_port):
        self.target = target_port
        self.port = allocate_ports(1)
        self.holed = False
        self.delay = 0.0
        self.socks = []
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(128)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                down, _ = self.listener.accept()
            except OSError:
                return
            self.socks.append(down)
            if self.holed:
                continue
            try:
                up = socket.create_connection(("127.0.0.1", self.target))
            except OSError:     # Redis down: the client sees it at once
                down.close()
                continue
            self.socks.append(up)
            for src, dst, reply in ((down, up, False), (up, down, True)):
                threading.Thread(target=self._pump, args=(src, dst, reply),
                                 daemon=True).start()

    def _pump(self, src, dst, reply):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if reply and self.delay:
                    time.sleep(self.delay)
                if not self.holed:
                    dst.sendall(data)
        except OSError:
            pass

    def _cut(self):
        socks, self.socks = self.socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass

    def fail_over(self, port):
        self.target = port
        self._cut()

    def close(self):
        self.listener.close()
        self._cut()


@test
def fleet_blackholed_redis_bounded_logins_and_recovery():
    with tf.Redis("hole") as redis:
        hole = Relay(redis.port)
        kf = tf.key_file("hole")
        address = "127.0.0.1:%d" % hole.port
        try:
            with outage_node("hole_a", address, kf) as a, \
                    outage_node("hole_b", address, kf) as b:
                survive_outage("black-holed",
                               lambda: setattr(hole, "holed", True),
                               lambda: setattr(hole, "holed", False), a, b)
        finally:
            hole.close()


@test
def fleet_redis_restarted_empty_republishes_keys():
    with tf.Redis("empty") as redis:
        kf = tf.key_file("empty")
        address = "127.0.0.1:%d" % redis.port
        with outage_node("empty_a", address, kf) as a, \
                outage_node("empty_b", address, kf) as b:
            ctx = tf.tls_ctx("1.3")
            sess, _, _ = tf.connect(a, ctx)
            keys = redis.keys("mod_secftp:ticketkey:*")
            check_eq(len(keys), 1, "ticket keys in Redis")
            # Both nodes hold the key (B read it to resume A's ticket), as
            # every busy node of a fleet does.
            _, reused, _ = tf.connect(b, ctx, sess)
            check(reused, "A's ticket not resumed on B")
            running = ftps(a, "alice", context=ctx, timeout=20)
            running.prot_p()

            redis.stop()
            redis.start()
            check_eq(redis.keys("*"), [], "Redis after the restart")

            # No stuck session: the running one keeps transferring, new
            # ones log in on both nodes.
            for _ in range(3):
                check("hello.txt" in running.nlst(), "running session")
            for srv in (a, b):
                f, _ = timed_login(srv, ctx)
                f.prot_p()
                check("hello.txt" in f.nlst(), "new session on " + srv.name)
                f.quit()

            # The nodes re-read their keys every 10 s: then they put back
            # the key Redis lost, rather than make a new one.
            deadline = time.time() + 20
            while time.time() < deadline and \
                    not redis.keys("mod_secftp:ticketkey:*"):
                tf.connect(a, ctx)
                tf.connect(b, ctx)
                time.sleep(0.5)
            check_eq(redis.keys("mod_secftp:ticketkey:*"), keys,
                     "ticket key re-published under its name")
            check(a.wait_log("re-published this node's copy") or
                  b.wait_log("re-published this node's copy"),
                  "re-publication not logged: %r" % (a.log() + b.log()))

            # A node that never saw the key resumes a ticket issued before
            # the restart: the fleet key is the same one.
            with outage_node("empty_c", address, kf) as c:
                _, reused, _ = tf.connect(c, ctx, sess)
                check(reused, "ticket from before the restart not resumed "
                      "on a new node")
            check("hello.txt" in running.nlst(), "running session at the "
                  "end")
            running.quit()
            for srv in (a, b):
                check(srv.proc.poll() is None, "%s died" % srv.name)
                check("circuit breaker open" not in srv.log(),
                      "a restart taken for an outage on %s" % srv.name)


def alert_after_resumption(srv, ctx, sess):
    """Resumes sess on srv's control connection, then sends a fatal alert
    instead of the client's Finished (what anyone who saw the session id
    can do).  Returns whether the server had resumed the session."""
    with Raw(srv.port) as c:
        check_eq(c.reply()[0], 220, "greeting")
        check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS")
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost",
                           session=sess)
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                c.sock.sendall(outgoing.read())
                data = c.sock.recv(65536)
                check(data, "server closed during the handshake")
                incoming.write(data)
        reused = tls.session_reused
        outgoing.read()     # the client's CCS and Finished: never sent
        # A plaintext fatal alert, handshake_failure (RFC 5246 7.2).
        c.sock.sendall(bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]))
        check(c.closed(), "server kept the connection after the alert")
        return reused


@test
def fleet_alert_after_resumption_keeps_the_fleet_record():
    with tf.Redis("alert") as redis:
        kf = tf.key_file("alert")
        address = "127.0.0.1:%d" % redis.port
        with outage_node("alert_a", address, kf) as a, \
                outage_node("alert_b", address, kf) as b:
            ctx = tf.tls_ctx("1.2", tickets=False)
            sess, _, _ = tf.connect(a, ctx)
            keys = redis.keys("mod_secftp:session:*")
            check_eq(len(keys), 1, "session records: %r" % keys)
            key = keys[0]
            check(key.endswith(":" + sess.id.hex()), "record %r is not "
                  "named by the session id %s" % (key, sess.id.hex()))
            for srv in (b, a):
                check(alert_after_resumption(srv, ctx, sess),
                      "the session was not resumed on %s" % srv.name)
                time.sleep(0.3)
                check_eq(redis.cli("EXISTS", key).strip(), "1",
                         "a fatal alert after resuming on %s deleted the "
                         "fleet record" % srv.name)
            _, reused, _ = tf.connect(b, ctx, sess)
            check(reused, "session no longer resumes on B after the alert")
            ttl = int(redis.cli("TTL", key).strip())
            check(ttl > 0, "the record has no TTL: %d" % ttl)


@test
def fleet_missing_or_empty_map_key_fails_closed():
    with tf.Redis("nomap") as redis:
        fp = tf.fingerprint("client.crt")
        rule = "cert %s alice\n" % fp
        redis.cli("SET", "secftp:map", rule)
        with Server("nomap_a", conf=tf.MAP_CONF % redis.port) as a:
            check_eq(tf.user_reply(a, "alice"), 232, "USER alice, mapped")
            redis.cli("SET", "secftp:map", "")
            check_eq(tf.user_reply(a, "alice"), 530, "USER alice, empty key")
            check(a.wait_log(r"SecureCertMap redis:secftp:map: the key is "
                             r"missing or empty: the map is empty, no "
                             r"certificate maps to anyone \(fail closed\)"),
                  "empty map key not logged: %r" % a.log())

            redis.cli("SET", "secftp:map", rule)
            check_eq(tf.user_reply(a, "alice"), 232, "USER alice, restored")
            redis.cli("DEL", "secftp:map")
            check_eq(tf.user_reply(a, "alice"), 530, "USER alice, deleted "
                     "key")
            check_eq(a.log().count("the key is missing or empty"), 2,
                     "log lines: once per change, not per login")
            check_eq(tf.user_reply(a, "alice"), 530, "USER alice again")
            check_eq(a.log().count("the key is missing or empty"), 2,
                     "log lines after a second login")

            # Redis gone now: the last valid map is the empty one; the
            # revoked rule never comes back.
            redis.stop()
            check_eq(tf.user_reply(a, "alice"), 530,
                     "USER alice after the deletion, Redis down")
            check(a.proc.poll() is None, "node died")


@test
def fleet_bounds_and_credentials_refused_at_startup():
    kf = tf.key_file("bounds")
    readable = os.path.join(run_dir(), "readable.redis-pass")
    with open(readable, "w") as f:
        f.write("secret\n")
    os.chmod(readable, 0o644)
    cases = [
        ("huge lifetime", "SecureTicketKeyLifetime 9223372036854775807s\n",
         "from 1s to 168h"),
        ("lifetime over a week", "SecureTicketKeyLifetime 169h\n",
         "from 1s to 168h"),
        ("zero timeout", "SecureRedisServer 127.0.0.1:6379\n"
         "SecureRedisTimeouts 0 300\n", "milliseconds from 1 to 10000"),
        ("huge timeout", "SecureRedisServer 127.0.0.1:6379\n"
         "SecureRedisTimeouts 300 10001\n", "milliseconds from 1 to 10000"),
        ("huge back-off", "SecureRedisServer 127.0.0.1:6379\n"
         "SecureRedisTimeouts 300 300 10m\n", "from 1s to 5m"),
        ("bad port", "SecureRedisServer 127.0.0.1:99999\n", "bad address"),
        ("bare IPv6", "SecureRedisServer ::1:6379\n", "bad address"),
        ("readable password file", "SecureRedisServer 127.0.0.1:6379 "
         "file:%s\n" % readable, "readable by root only"),
        ("missing password file", "SecureRedisServer 127.0.0.1:6379 "
         "file:/nonexistent/pass\n", "No such file"),
        ("in a vhost", "", "not allowed in"),
    ]
    for what, conf, want in cases:
        vhosts = ""
        if what == "in a vhost":
            vhosts = ("<VirtualHost 127.0.0.1>\n  Port {port2}\n"
                      "  SecureRedisServer 127.0.0.1:6379\n</VirtualHost>\n")
        srv = Server("bounds_" + what.replace(" ", "_"), conf=conf,
                     vhosts=vhosts)
        out = srv.start_expecting_failure()
        check(want in out, "%s: expected %r in %r" % (what, want, out))
    # The largest lifetime accepted starts.
    with Server("bounds_week", conf="SecureTicketKeyLifetime 168h\n"
                "SecureSessionCache redis\nSecureTicketKeyFile %s\n"
                "SecureRedisServer 127.0.0.1:%d\n" % (
                    kf, allocate_ports(1))) as srv:
        f, _ = timed_login(srv, tf.tls_ctx("1.3"))
        f.quit()


def password_file(name, password):
    path = os.path.join(run_dir(), name + ".redis-pass")
    with open(path, "w") as f:
        f.write(password + "\n")
    os.chmod(path, 0o600)
    return path


def fleet_resumes(a, b):
    ctx = tf.tls_ctx("1.2", tickets=False)
    sess, _, _ = tf.connect(a, ctx)
    _, reused, _ = tf.connect(b, ctx, sess)
    return reused


@test
def fleet_redis_with_password_and_unix_socket():
    password = "p-" + os.urandom(12).hex()
    with tf.Redis("auth", args=["--requirepass", password],
                  cli_args=["-a", password]) as redis:
        kf = tf.key_file("auth")
        good = password_file("good", password)
        bad = password_file("bad", "wrong-" + password)
        address = "127.0.0.1:%d" % redis.port
        with outage_node("auth_a", address + " file:" + good, kf) as a, \
                outage_node("auth_b", address + " default " + password,
                            kf) as b, \
                outage_node("auth_bad", address + " file:" + bad,
                            kf) as wrong:
            check(fleet_resumes(a, b), "no fleet resumption with AUTH")
            check(redis.keys("mod_secftp:session:*"), "nothing stored")
            f, secs = timed_login(wrong, tf.tls_ctx("1.2", tickets=False))
            f.quit()
            check(wrong.wait_log(r"Redis unavailable \(AUTH: WRONGPASS"),
                  "refused AUTH not logged: %r" % wrong.log())
            check(password not in a.log() + wrong.log() +
                  a.startup_output(), "password in a log")

    sock_dir = os.path.join(run_dir(), "redis-sock")
    os.makedirs(sock_dir, exist_ok=True)
    sock = os.path.join(sock_dir, "redis.sock")
    with tf.Redis("unix", args=["--unixsocket", sock, "--unixsocketperm",
                                "777"], cli_args=["-s", sock]) as redis:
        kf = tf.key_file("unix")
        with outage_node("unix_a", sock, kf) as a, \
                outage_node("unix_b", sock, kf) as b:
            check(fleet_resumes(a, b), "no fleet resumption over the Unix "
                  "socket")
            check(redis.keys("mod_secftp:session:*"), "nothing stored")


@test
def fleet_mod_redis_redisserver_still_names_the_redis():
    """Configurations written for mod_redis keep working: RedisServer
    (mod_redis loaded) names the Redis, used by mod_secftp's own client."""
    with tf.Redis("legacy") as redis:
        kf = tf.key_file("legacy")
        conf = """
RedisEngine off
RedisServer 127.0.0.1:%d
SecureSessionCache redis
SecureTicketKeyFile %s
""" % (redis.port, kf)
        with Server("legacy_a", conf=conf, modules=["mod_redis.c"]) as a, \
                Server("legacy_b", conf=conf, modules=["mod_redis.c"]) as b:
            check(fleet_resumes(a, b), "no fleet resumption through "
                  "RedisServer")
            check("uses RedisServer's address" in a.startup_output(),
                  "fallback not logged: %r" % a.startup_output())


SOAK_SESSIONS = 64
SOAK_SECS = int(os.environ.get("SECFTP_FLAP_SECS", "60"))


def widen_passive_ports(srv, count):
    """Room for many simultaneous data connections: a reserved block of
    count ports instead of the harness's 12."""
    lo = allocate_ports(count)
    old = "PassivePorts %d %d" % srv.pasv
    srv.conf_text = srv.conf_text.replace(old, "PassivePorts %d %d" % (
        lo, lo + count - 1))
    with open(srv.conf_path, "w") as f:
        f.write(srv.conf_text)


def soak(flap, sessions=SOAK_SESSIONS, secs=SOAK_SECS, name="flap"):
    """sessions concurrent sessions (login, PROT P, a 256 KB download with
    its checksum) on two nodes for secs seconds, while Redis is stopped
    and continued every 2 s (flap) or left alone.  Returns (login times,
    transfers, failures)."""
    data = os.urandom(256 * 1024)
    want = hashlib.sha256(data).hexdigest()
    with tf.Redis(name) as redis:
        kf = tf.key_file(name)
        address = "127.0.0.1:%d" % redis.port
        nodes = [Server(n, conf=outage_conf(address, kf) +
                        "MaxInstances 100\n")
                 for n in (name + "_a", name + "_b")]
        for srv in nodes:
            widen_passive_ports(srv, 128)
            put_file(srv, "alice", "f.bin", data)
            srv.start()
        stop = threading.Event()
        lock = threading.Lock()
        logins, failures, transfers = [], [], [0]

        def worker(i):
            srv = nodes[i % 2]
            ctx = (tf.tls_ctx("1.2", tickets=False),
                   tf.tls_ctx("1.3"))[(i // 2) % 2]
            while not stop.is_set():
                try:
                    start = time.monotonic()
                    f = ReusingFTP_TLS(context=ctx, timeout=30)
                    f.connect("127.0.0.1", srv.port)
                    f.auth()
                    f.login("alice", USERS["alice"])
                    secs = time.monotonic() - start
                    f.prot_p()
                    got = hashlib.sha256()
                    f.retrbinary("RETR f.bin", got.update)
                    f.quit()
                    with lock:
                        logins.append(secs)
                        if got.hexdigest() == want:
                            transfers[0] += 1
                        else:
                            failures.append("checksum on %s" % srv.name)
                except Exception as e:
                    with lock:
                        failures.append("%s: %r" % (srv.name, e))

        threads = [threading.Thread(target=worker, args=(i,), daemon=True)
                   for i in range(sessions)]
        try:
            for t in threads:
                t.start()
            end = time.monotonic() + secs
            while time.monotonic() < end:
                if flap:
                    os.kill(redis.proc.pid, signal.SIGSTOP)
                time.sleep(2)
                if flap:
                    os.kill(redis.proc.pid, signal.SIGCONT)
                time.sleep(2)
            stop.set()
            for t in threads:
                t.join(60)
            check(not any(t.is_alive() for t in threads),
                  "sessions still running after the soak")
        finally:
            stop.set()
            try:
                os.kill(redis.proc.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
            for srv in nodes:
                alive = srv.proc.poll() is None
                crashed = "crash" in srv.log()
                srv.stop()
                check(alive, "%s died" % srv.name)
                check(not crashed, "crash on %s" % srv.name)
    return sorted(logins), transfers[0], failures


def percentile(ordered, fraction):
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


@test
def fleet_soak_while_redis_flaps():
    """64 concurrent sessions on two nodes while Redis is stopped and
    continued every 2 s for a minute: no failed login or transfer."""
    logins, transfers, failures = soak(flap=True)
    check_eq(failures[:5], [], "failed sessions (%d)" % len(failures))
    check(transfers >= SOAK_SESSIONS, "transfers: %d" % transfers)
    measure("flapping soak", sessions=len(logins), transfers=transfers,
            login_p50=percentile(logins, 0.5),
            login_p99=percentile(logins, 0.99), login_max=logins[-1],
            seconds=SOAK_SECS)
