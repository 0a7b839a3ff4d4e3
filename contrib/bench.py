#!/usr/bin/env python3
"""FTPS benchmark: ProFTPD + mod_secftp against the field, on one machine,
in one run, round-robin: ProFTPD + Debian's mod_tls, Debian's Pure-FTPd
and vsftpd (contrib/bench_peers.py), and ProFTPD without a TLS module for
the plain-session baseline.

  contrib/bench.py                  full run (1 GiB file, 5 rounds)
  BENCH_SIZE_MB=16 BENCH_ROUNDS=1 contrib/bench.py      a smoke run

Every measure is taken twice: with one TLS suite pinned on the client for
every server (BENCH_SUITE, default TLS_AES_256_GCM_SHA384; a TLS 1.2
cipher name pins TLS 1.2) and with each server's own defaults; the suite
each server negotiated is printed.

Needs: proftpd-core, proftpd-mod-crypto (mod_tls), curl, apt-get access
to Debian's archive (Pure-FTPd and vsftpd are downloaded and unpacked
under build/, never installed), a built ./mod_secftp.so, root (servers
drop to nobody; CPU comes from a cpuacct cgroup per server).  Everything
runs on 127.0.0.1; data lives on tmpfs (/dev/shm).
"""

import ctypes
import ctypes.util
import ftplib
import hashlib
import os
import re
import shlex
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DATA = os.environ.get("BENCH_DIR", "/dev/shm/secftp-bench")
# Certificates and the module directory live with the benchmark's data.
os.environ.setdefault("SECFTP_TEST_TMP", os.path.join(DATA, "run"))
sys.path.insert(0, os.path.join(ROOT, "t", "regress"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (certificates, modules dir, password hashes)
import bench_peers  # noqa: E402

SIZE_MB = int(os.environ.get("BENCH_SIZE_MB", "1024"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SESSIONS = int(os.environ.get("BENCH_SESSIONS", "20"))
RESUMED = int(os.environ.get("BENCH_RESUMED", "200"))
CONCURRENT = int(os.environ.get("BENCH_CONCURRENT", "64"))
CONC_MB = int(os.environ.get("BENCH_CONCURRENT_MB", "16"))
SUITE = os.environ.get("BENCH_SUITE", "TLS_AES_256_GCM_SHA384")
CGROOT = "/sys/fs/cgroup/cpuacct"
USER, PASSWORD = "bench", "benchpass"
MODES = ("pinned", "defaults")
TLS_SERVERS = ("mod_secftp", "mod_tls", "Pure-FTPd", "vsftpd")
OURS = "mod_secftp"

CONF = """\
ServerType standalone
ServerName "bench"
DefaultServer on
DefaultAddress 127.0.0.1
SocketBindTight on
Port {port}
PassivePorts {pasv_lo} {pasv_hi}
User nobody
Group nogroup
MaxInstances 300
UseIPv6 off
UseReverseDNS off
WtmpLog off
PidFile {dir}/proftpd.pid
ScoreboardFile {dir}/proftpd.scoreboard
SystemLog {dir}/proftpd.log
TransferLog NONE
TimeoutIdle 600
ModulePath {modules}
{load}
<IfModule mod_delay.c>
  DelayEngine off
</IfModule>
<IfModule mod_ident.c>
  IdentLookups off
</IfModule>
AuthOrder mod_auth_file.c
AuthUserFile {dir}/passwd
AuthGroupFile {dir}/group
RequireValidShell off
DefaultRoot ~
AllowOverwrite on
{tls}
"""

PROFTPD_VARIANTS = {
    "mod_tls": ("LoadModule mod_tls.c", """
TLSEngine on
TLSProtocol TLSv1.2 TLSv1.3
TLSRSACertificateFile {certs}/server.crt
TLSRSACertificateKeyFile {certs}/server.key
TLSVerifyClient off
TLSRequired off
TLSLog {dir}/tls.log
"""),
    "mod_secftp": ("LoadModule mod_secftp.c", """
SecureEngine on
SecureCertificate {certs}/server.crt {certs}/server.key
SecureFTPLog {dir}/secftp.log
"""),
    "plain": ("", ""),
}


def home():
    return os.path.join(DATA, "home")


class Server:
    """One FTP server, in its own cpuacct cgroup; the subclass says how
    to start it."""

    user, password = USER, PASSWORD

    def __init__(self, name):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="bench-%s-" % name, dir=DATA)
        os.chmod(self.dir, 0o755)
        # Passive ports: one per concurrent download and as many again for
        # those a closed data connection keeps in TIME_WAIT.
        self.ports = max(40, 2 * CONCURRENT + 40)
        self.port = harness.allocate_ports(self.ports)
        self.pasv_lo, self.pasv_hi = self.port + 1, self.port + self.ports - 1
        self.cg = os.path.join(CGROOT, "secftp-bench-%s-%d" % (
            name, os.getpid()))
        os.makedirs(self.cg, exist_ok=True)

    def command(self):
        raise NotImplementedError

    def env(self):
        # A pin meant for the clients (OPENSSL_CONF) never reaches a server.
        env = {k: v for k, v in os.environ.items() if k != "OPENSSL_CONF"}
        env.update(self.extra_env())
        return env

    def extra_env(self):
        return {}

    def log_tail(self):
        return ""

    def start(self):
        cmd = "echo $$ > %s/cgroup.procs && exec %s" % (
            self.cg, shlex.join(self.command()))
        self.proc = subprocess.Popen(["sh", "-c", cmd],
                                     start_new_session=True, env=self.env(),
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(
                                         self.dir, "stderr"), "w"))
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            except OSError:
                time.sleep(0.05)
        with open(os.path.join(self.dir, "stderr")) as f:
            err = f.read()
        raise RuntimeError("%s did not start: %s %s" % (
            self.name, err[-1000:], self.log_tail()))

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.3)
        try:
            os.rmdir(self.cg)
        except OSError:
            pass

    def cpu(self):
        """Server CPU seconds so far (master and every session)."""
        with open(os.path.join(self.cg, "cpuacct.usage")) as f:
            return int(f.read()) / 1e9

    def sessions(self):
        """Every process of the server but the master: a session may be
        more than one process (vsftpd, Pure-FTPd's privilege split)."""
        with open(os.path.join(self.cg, "cgroup.procs")) as f:
            pids = [int(p) for p in f.read().split()]
        return [p for p in pids if p != self.proc.pid]

    def wait_idle(self, timeout=10):
        """Waits until every session process has gone."""
        end = time.time() + timeout
        while self.sessions() and time.time() < end:
            time.sleep(0.02)


class ProFTPD(Server):
    def __init__(self, name):
        super().__init__(name)
        load, tls = PROFTPD_VARIANTS[name]
        conf = CONF.format(port=self.port, pasv_lo=self.pasv_lo,
                           pasv_hi=self.pasv_hi, dir=self.dir,
                           modules=harness.module_dir(), load=load,
                           tls=tls.format(certs=harness.certs(),
                                          dir=self.dir))
        with open(os.path.join(self.dir, "proftpd.conf"), "w") as f:
            f.write(conf)
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            f.write("%s:%s:65534:65534::%s:/bin/sh\n" % (
                USER, harness.password_hash(PASSWORD), home()))
        os.chmod(os.path.join(self.dir, "passwd"), 0o600)
        with open(os.path.join(self.dir, "group"), "w") as f:
            f.write("nogroup:x:65534:%s\n" % USER)

    def command(self):
        return ["/usr/sbin/proftpd", "-n", "-q", "-c",
                os.path.join(self.dir, "proftpd.conf")]

    def log_tail(self):
        with open(os.path.join(self.dir, "proftpd.log")) as f:
            return f.read()[-2000:]


class PureFTPd(Server):
    def command(self):
        return bench_peers.pureftpd_command(self, harness.certs(), home(),
                                            USER,
                                            harness.password_hash(PASSWORD))


class Vsftpd(Server):
    user, password = "anonymous", "bench@"

    def command(self):
        return bench_peers.vsftpd_command(self, harness.certs(), home())

    def extra_env(self):
        return bench_peers.library_env()


def make_server(name):
    if name == "Pure-FTPd":
        return PureFTPd(name)
    if name == "vsftpd":
        return Vsftpd(name)
    return ProFTPD(name)


def curl_suite_args(mode):
    if mode != "pinned":
        return []
    if SUITE.startswith("TLS_"):
        return ["--tls13-ciphers", SUITE]
    return ["--ciphers", SUITE, "--tls-max", "1.2"]


def curl(srv, mode, *args):
    base = ["curl", "-v", "-sS", "--cacert", os.path.join(harness.certs(),
                                                           "ca.crt"),
            "-u", "%s:%s" % (srv.user, srv.password), "--max-time", "300"]
    return subprocess.run(base + curl_suite_args(mode) + list(args),
                          capture_output=True, text=True, timeout=320)


def curl_suite(stderr):
    """The first 'TLSv1.3 / TLS_AES_...' that curl -v reports."""
    m = re.search(r"SSL connection using (\S+) / (\S+)", stderr)
    return "%s %s" % (m.group(1), m.group(2)) if m else "?"


def bulk(srv, mode, direction):
    """One PROT P transfer of the big file with curl: (MB/s of the data
    phase, server CPU s/GiB, negotiated suite)."""
    srv.wait_idle()
    cpu0 = srv.cpu()
    url = "ftp://localhost:%d/" % srv.port
    fmt = "%{time_total} %{time_starttransfer} %{size_download} " \
          "%{size_upload}"
    if direction == "RETR":
        r = curl(srv, mode, "--ssl-reqd", url + "big.bin", "-o", "/dev/null",
                 "-w", fmt)
    else:
        r = curl(srv, mode, "--ssl-reqd", "-T",
                 os.path.join(home(), "big.bin"),
                 url + "up/up-%s.bin" % srv.name, "-w", fmt)
    if r.returncode != 0:
        raise RuntimeError("%s %s: %s" % (srv.name, direction,
                                          r.stderr[-2000:]))
    total, start, down, up = (float(x) for x in r.stdout.split())
    size = down if direction == "RETR" else up
    srv.wait_idle()
    cpu = srv.cpu() - cpu0
    # The data phase, as in research/perf-baseline.md: time_starttransfer
    # is taken just before the first data byte moves, for an upload too.
    # The whole run would also count the ProFTPD master's pause after the
    # previous session's exit (about 0.4 s) and curl's 0.2 s stall on
    # TYPE: fixed costs that hide most of the speed of a fast server.
    span = total - start
    return size / 1e6 / span, cpu / (size / 2 ** 30), curl_suite(r.stderr)


class ResumingFTP(ftplib.FTP_TLS):
    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                            session=self.sock.session)
        return conn, size


def pin_tls13_suites(ctx, suites):
    """Python's ssl module has no call for TLS 1.3 suites, so this calls
    OpenSSL's SSL_CTX_set_ciphersuites on the context: CPython keeps the
    SSL_CTX pointer right after the object header of an SSLContext.  The
    negotiated suite is checked on the first connection (pinned_check)."""
    libssl = ctypes.CDLL(ctypes.util.find_library("ssl"))
    libssl.SSL_CTX_set_ciphersuites.argtypes = [ctypes.c_void_p,
                                                ctypes.c_char_p]
    ptr = ctypes.c_void_p.from_address(id(ctx) + object.__basicsize__)
    if libssl.SSL_CTX_set_ciphersuites(ptr, suites.encode()) != 1:
        raise RuntimeError("OpenSSL refuses the suite %s" % suites)


def client_ctx(mode="defaults"):
    ctx = ssl.create_default_context(cafile=os.path.join(harness.certs(),
                                                         "ca.crt"))
    if mode == "pinned":
        if SUITE.startswith("TLS_"):
            ctx.minimum_version = ssl.TLSVersion.TLSv1_3
            pin_tls13_suites(ctx, SUITE)
        else:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers(SUITE)
    return ctx


def protected_login(srv, ctx, timeout=30):
    f = ResumingFTP(context=ctx, timeout=timeout)
    f.connect("localhost", srv.port)
    f.auth()
    f.login(srv.user, srv.password)
    f.prot_p()
    return f


def python_suite(srv, ctx, mode):
    """The suite of a protected control connection; under the pin, a
    suite other than the pinned one stops the run (the pin failed)."""
    f = protected_login(srv, ctx)
    version, name = f.sock.version(), f.sock.cipher()[0]
    f.quit()
    if mode == "pinned" and SUITE.startswith("TLS_") and name != SUITE:
        raise RuntimeError("%s negotiated %s under the pin %s" % (
            srv.name, name, SUITE))
    return "%s %s" % (version, name)


def tls_session(srv, ctx):
    f = protected_login(srv, ctx)
    f.retrlines("LIST small", lambda line: None)
    f.quit()


def plain_session(srv):
    f = ftplib.FTP(timeout=30)
    f.connect("127.0.0.1", srv.port)
    f.login(srv.user, srv.password)
    f.retrlines("LIST small", lambda line: None)
    f.quit()


def per_session_cpu(srv, fn):
    """Server CPU ms per session, over SESSIONS sequential sessions."""
    srv.wait_idle()
    cpu0 = srv.cpu()
    for _ in range(SESSIONS):
        fn()
    srv.wait_idle()
    return (srv.cpu() - cpu0) * 1000 / SESSIONS


def session_pids(srv):
    """The processes of the one live session, once their number holds."""
    seen = []
    for _ in range(100):
        pids = srv.sessions()
        if pids and pids == seen:
            return pids
        seen = pids
        time.sleep(0.05)
    raise RuntimeError("no session process")


def resumed_data_cpu(srv, ctx):
    """Server CPU ms per resumed PROT P data connection (RETR 13 bytes),
    from the server's cgroup: the session's every process."""
    srv.wait_idle()
    f = protected_login(srv, ctx)
    f.voidcmd("TYPE I")
    f.retrbinary("RETR small/f0.txt", lambda b: None)
    cpu0 = srv.cpu()
    for _ in range(RESUMED):
        f.retrbinary("RETR small/f0.txt", lambda b: None)
    cpu = srv.cpu() - cpu0
    f.quit()
    return cpu * 1000 / RESUMED


def memory_of(pids):
    """(PSS, private) kB of a session's processes.  PSS splits shared
    pages among the processes mapping them, so it moves with whatever
    else runs; private memory (USS: pages only this process maps) does
    not."""
    time.sleep(0.2)
    pss = uss = 0
    for pid in pids:
        kb = {}
        with open("/proc/%d/smaps_rollup" % pid) as fh:
            for line in fh:
                parts = line.split()
                if len(parts) == 3 and parts[2] == "kB":
                    kb[parts[0].rstrip(":")] = int(parts[1])
        pss += kb["Pss"]
        uss += kb["Private_Clean"] + kb["Private_Dirty"]
    return pss, uss


def idle_memory(srv, ctx):
    """Memory (kB) of a session logged in over TLS with PROT P: PSS and
    private, idle after login."""
    srv.wait_idle()
    f = protected_login(srv, ctx)
    mem = memory_of(session_pids(srv))
    f.quit()
    return mem


def plain_memory(srv):
    """Memory (kB) of an idle plain session after login: PSS, private."""
    srv.wait_idle()
    f = ftplib.FTP(timeout=30)
    f.connect("127.0.0.1", srv.port)
    f.login(srv.user, srv.password)
    mem = memory_of(session_pids(srv))
    f.quit()
    return mem


def concurrent(srv, ctx, expected):
    """CONCURRENT simultaneous PROT P downloads: (failures, aggregate
    MB/s, median and worst time to first byte in ms, counted from the
    client's connect)."""
    srv.wait_idle(30)
    results = [None] * CONCURRENT
    ttfb = [None] * CONCURRENT

    def worker(i):
        try:
            t0 = time.time()
            f = protected_login(srv, ctx, timeout=120)
            h = hashlib.sha256()

            def got(block):
                if ttfb[i] is None:
                    ttfb[i] = (time.time() - t0) * 1000
                h.update(block)
            f.retrbinary("RETR conc.bin", got, blocksize=1 << 18)
            f.quit()
            results[i] = h.hexdigest() == expected
        except Exception as e:      # counted as a failure
            results[i] = repr(e)

    t0 = time.time()
    threads = [threading.Thread(target=worker, args=(i,))
               for i in range(CONCURRENT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    span = time.time() - t0
    fails = [r for r in results if r is not True]
    if fails:
        print("%s: %d of %d concurrent downloads failed, first: %s" % (
            srv.name, len(fails), CONCURRENT, fails[0]), file=sys.stderr)
    firsts = [t for t in ttfb if t is not None] or [float("nan")]
    return (len(fails), CONCURRENT * CONC_MB * 1.048576 / span,
            statistics.median(firsts), max(firsts))


def tls_pair_ceiling(mode):
    """A bare TLS sender/receiver pair on loopback, 16 KiB writes, the
    same file, the same client pin: MB/s (a ceiling for a server)."""
    certs = harness.certs()
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(os.path.join(certs, "server.crt"),
                         os.path.join(certs, "server.key"))
    lsock = socket.create_server(("127.0.0.1", 0))
    port = lsock.getsockname()[1]
    size = SIZE_MB * 2 ** 20

    def sender():
        conn, _ = lsock.accept()
        s = sctx.wrap_socket(conn, server_side=True)
        with open(os.path.join(home(), "big.bin"), "rb") as fh:
            while True:
                chunk = fh.read(16384)
                if not chunk:
                    break
                s.sendall(chunk)
        s.close()

    t = threading.Thread(target=sender)
    t.start()
    c = client_ctx(mode).wrap_socket(socket.create_connection(
        ("127.0.0.1", port)), server_hostname="localhost")
    got, t0 = 0, time.time()
    buf = bytearray(1 << 18)
    while got < size:
        n = c.recv_into(buf)
        if not n:
            break
        got += n
    span = time.time() - t0
    c.close()
    t.join()
    lsock.close()
    return got / 1e6 / span


def prepare_data():
    """The served tree: owned by root and world-readable (vsftpd refuses
    an anonymous root its user can write), uploads go to up/."""
    h = home()
    os.makedirs(os.path.join(h, "small"), exist_ok=True)
    os.makedirs(os.path.join(h, "up"), exist_ok=True)
    big = os.path.join(h, "big.bin")
    if not os.path.exists(big) or os.path.getsize(big) != SIZE_MB * 2 ** 20:
        with open(big, "wb") as f:
            block = os.urandom(2 ** 20)
            for _ in range(SIZE_MB):
                f.write(block)
    conc = os.path.join(h, "conc.bin")
    with open(conc, "wb") as f:
        f.write(os.urandom(CONC_MB * 2 ** 20))
    for i in range(10):
        with open(os.path.join(h, "small", "f%d.txt" % i), "w") as f:
            f.write("hello world\n")
    for root, dirs, files in os.walk(h):
        if root == h:
            dirs.remove("up")
        for n in dirs + files:
            os.chown(os.path.join(root, n), 0, 0)
            os.chmod(os.path.join(root, n), 0o755 if n in dirs else 0o644)
    os.chown(h, 0, 0)
    os.chmod(h, 0o755)
    # Sticky and world-writable: vsftpd writes as daemon, the others as
    # nobody, each to its own file.
    os.chmod(os.path.join(h, "up"), 0o1777)
    os.chmod(DATA, 0o755)
    with open(conc, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def measure_tls(srv, mode, add):
    """One round of every TLS measure on one server, in one mode."""
    ctx = client_ctx(mode)
    add("suite_ctrl", python_suite(srv, ctx, mode))
    mbs, cpu, suite = bulk(srv, mode, "RETR")
    add("retr_mbs", mbs)
    add("retr_cpu", cpu)
    add("suite_data", suite)
    mbs, cpu, _ = bulk(srv, mode, "STOR")
    add("stor_mbs", mbs)
    add("stor_cpu", cpu)
    add("sess_ms", per_session_cpu(srv, lambda: tls_session(srv, ctx)))
    add("resumed_ms", resumed_data_cpu(srv, ctx))
    pss, uss = idle_memory(srv, ctx)
    add("pss_kb", pss)
    add("uss_kb", uss)


def measure_plain(srv, add):
    """The plain-session measures (ProFTPD with each TLS module, and
    without one): CPU per session and idle memory."""
    add("plain_ms", per_session_cpu(srv, lambda: plain_session(srv)))
    pss, uss = plain_memory(srv)
    add("plain_pss", pss)
    add("plain_uss", uss)


def rotated(names, k):
    k %= len(names)
    return names[k:] + names[:k]


def run(servers, conc_sum):
    """Round-robin: every round starts with the next server."""
    res = {(m, n): {} for m in MODES for n in servers}
    extra = {"ceiling": {m: [] for m in MODES},
             "load": [os.getloadavg()[0]]}

    def adder(mode, name):
        return lambda key, value: res[(mode, name)].setdefault(
            key, []).append(value)

    tls_names = [n for n in TLS_SERVERS if n in servers]
    plain_names = ["plain", "mod_secftp", "mod_tls"]
    for rnd in range(ROUNDS):
        for mode in MODES:
            extra["ceiling"][mode].append(tls_pair_ceiling(mode))
            for name in rotated(tls_names, rnd):
                measure_tls(servers[name], mode, adder(mode, name))
        for name in rotated(plain_names, rnd):
            measure_plain(servers[name], adder("defaults", name))
        extra["load"].append(os.getloadavg()[0])
        print("round %d done" % (rnd + 1), file=sys.stderr, flush=True)
    for mode in MODES:
        ctx = client_ctx(mode)
        for name in rotated(tls_names, 0):
            add = adder(mode, name)
            fails, mbs, first, worst = concurrent(servers[name], ctx,
                                                  conc_sum)
            add("conc_fail", fails)
            add("conc_mbs", mbs)
            add("conc_ttfb", first)
            add("conc_ttfb_max", worst)
    return res, extra


# (label, key, higher is better)
TLS_ROWS = [
    ("RETR PROT P, MB/s", "retr_mbs", True),
    ("STOR PROT P, MB/s", "stor_mbs", True),
    ("server CPU s/GiB, RETR P", "retr_cpu", False),
    ("server CPU s/GiB, STOR P", "stor_cpu", False),
    ("server CPU ms per TLS session (AUTH, login, PROT P, LIST, QUIT)",
     "sess_ms", False),
    ("server CPU ms per resumed data connection (RETR 13 B)", "resumed_ms",
     False),
    ("idle protected session PSS, kB", "pss_kb", False),
    ("idle protected session USS, kB", "uss_kb", False),
    ("%d concurrent PROT P RETR: failures" % CONCURRENT, "conc_fail", False),
    ("%d concurrent PROT P RETR: aggregate MB/s" % CONCURRENT, "conc_mbs",
     True),
    ("%d concurrent PROT P RETR: time to first byte, median ms" % CONCURRENT,
     "conc_ttfb", False),
    ("%d concurrent PROT P RETR: time to first byte, worst ms" % CONCURRENT,
     "conc_ttfb_max", False),
]
PLAIN_ROWS = [
    ("plain session PSS, kB (idle after login)", "plain_pss"),
    ("plain session USS, kB", "plain_uss"),
    ("server CPU ms per plain session (login, LIST, QUIT)", "plain_ms"),
]


def med(values, spread=True):
    if not values:
        return "-"
    m = statistics.median(values)
    if len(values) == 1 or not spread:
        return "%.2f" % m
    return "%.2f (%.2f-%.2f)" % (m, min(values), max(values))


def against_best_peer(res, mode, key, higher):
    """mod_secftp's median over the best peer's, and the peer's name."""
    ours = res[(mode, OURS)].get(key)
    peers = [(statistics.median(res[(mode, n)][key]), n)
             for n in TLS_SERVERS if n != OURS and res[(mode, n)].get(key)]
    if not ours or not peers:
        return "-"
    best, name = max(peers) if higher else min(peers)
    if best == 0:
        return "%.2f vs %s's 0" % (statistics.median(ours), name)
    return "%.2f x %s" % (statistics.median(ours) / best, name)


def report(res, extra, names):
    tls_names = [n for n in TLS_SERVERS if n in names]
    print()
    print("FTPS benchmark, %s, %d MiB file, %d rounds, host %s" % (
        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), SIZE_MB, ROUNDS,
        socket.gethostname()))
    print("Peers: %s" % ", ".join(bench_peers.versions()))
    print("Load average (1 min) at the start and after each round: %s" %
          ", ".join("%.1f" % x for x in extra["load"]))
    for mode in MODES:
        print("Bare TLS pair (python, 16 KiB writes), %s: %s MB/s" % (
            mode, med(extra["ceiling"][mode])))
    print("Pinned suite (client side): %s" % SUITE)
    print()
    print("Negotiated suites (control / data, pinned | defaults):")
    for n in tls_names:
        print("  %s: %s" % (n, " | ".join(
            "%s / %s" % (res[(m, n)]["suite_ctrl"][0],
                         res[(m, n)]["suite_data"][0]) for m in MODES)))
    print()
    print("Medians, pinned / defaults; the last columns: mod_secftp over the "
          "best peer, pinned / defaults")
    print()
    print("| measure | %s | vs best peer, pinned | defaults |" %
          " | ".join(tls_names))
    print("|---|%s---|---|" % ("---|" * len(tls_names)))
    for label, key, higher in TLS_ROWS:
        cells = [" / ".join(med(res[(m, n)].get(key, []), False)
                            for m in MODES) for n in tls_names]
        print("| %s | %s | %s | %s |" % (
            label, " | ".join(cells),
            against_best_peer(res, "pinned", key, higher),
            against_best_peer(res, "defaults", key, higher)))
    print()
    print("| plain session (no AUTH) | no TLS module | mod_secftp | mod_tls "
          "| mod_secftp - no TLS module |")
    print("|---|---|---|---|---|")
    for label, key in PLAIN_ROWS:
        vals = [res[("defaults", n)].get(key, [])
                for n in ("plain", "mod_secftp", "mod_tls")]
        diff = statistics.median(vals[1]) - statistics.median(vals[0]) \
            if vals[0] and vals[1] else float("nan")
        print("| %s | %s | %+.2f |" % (label, " | ".join(
            med(v) for v in vals), diff))
    for mode in MODES:
        print()
        print("Spread, %s (median (min-max) over the rounds):" % mode)
        print()
        print("| measure | %s |" % " | ".join(tls_names))
        print("|---|%s" % ("---|" * len(tls_names)))
        for label, key, _ in TLS_ROWS:
            print("| %s | %s |" % (label, " | ".join(
                med(res[(mode, n)].get(key, [])) for n in tls_names)))


def main():
    os.makedirs(DATA, exist_ok=True)
    bench_peers.unpack()
    conc_sum = prepare_data()
    names = ("mod_secftp", "mod_tls", "Pure-FTPd", "vsftpd", "plain")
    servers = {}
    try:
        for n in names:
            servers[n] = make_server(n)
            servers[n].start()
        res, extra = run(servers, conc_sum)
    finally:
        for s in servers.values():
            if hasattr(s, "proc"):
                s.stop()
    report(res, extra, names)


if __name__ == "__main__":
    main()
