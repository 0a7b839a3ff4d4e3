#!/usr/bin/env python3
"""FTPS benchmark: ProFTPD + mod_secftp against ProFTPD + Debian's mod_tls,
on one machine, in one run, interleaved (A B A B ...).

  contrib/bench.py                  full run (1 GiB file, 3 rounds)
  BENCH_SIZE_MB=128 BENCH_ROUNDS=2 contrib/bench.py     a quick run

Needs: proftpd-core, proftpd-mod-crypto (mod_tls), curl, a built
./mod_secftp.so, root (servers run as nobody; CPU from a cpuacct cgroup).
Everything runs on 127.0.0.1; data lives on tmpfs (/dev/shm).

Prints one table: medians (min-max) per measure, the ratio to mod_tls,
and the SPEC section 7 target.
"""

import ftplib
import hashlib
import os
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
import harness  # noqa: E402  (certificates, modules dir, password hashes)

SIZE_MB = int(os.environ.get("BENCH_SIZE_MB", "1024"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SESSIONS = int(os.environ.get("BENCH_SESSIONS", "20"))
RESUMED = int(os.environ.get("BENCH_RESUMED", "200"))
CONCURRENT = int(os.environ.get("BENCH_CONCURRENT", "64"))
CONC_MB = int(os.environ.get("BENCH_CONCURRENT_MB", "16"))
CGROOT = "/sys/fs/cgroup/cpuacct"
USER, PASSWORD = "bench", "benchpass"

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

VARIANTS = {
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


class Bench:
    """One proftpd, in its own cpuacct cgroup."""

    def __init__(self, name):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="bench-%s-" % name, dir=DATA)
        os.chmod(self.dir, 0o755)
        self.port = harness.allocate_ports(40)
        self.home = os.path.join(DATA, "home")
        load, tls = VARIANTS[name]
        conf = CONF.format(port=self.port, pasv_lo=self.port + 1,
                           pasv_hi=self.port + 39, dir=self.dir,
                           modules=harness.module_dir(), load=load,
                           tls=tls.format(certs=harness.certs(),
                                          dir=self.dir))
        with open(os.path.join(self.dir, "proftpd.conf"), "w") as f:
            f.write(conf)
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            f.write("%s:%s:65534:65534::%s:/bin/sh\n" % (
                USER, harness.password_hash(PASSWORD), self.home))
        os.chmod(os.path.join(self.dir, "passwd"), 0o600)
        with open(os.path.join(self.dir, "group"), "w") as f:
            f.write("nogroup:x:65534:%s\n" % USER)
        self.cg = os.path.join(CGROOT, "secftp-bench-%s-%d" % (
            name, os.getpid()))
        os.makedirs(self.cg, exist_ok=True)

    def start(self):
        cmd = "echo $$ > %s/cgroup.procs && exec /usr/sbin/proftpd -n -q " \
              "-c %s/proftpd.conf" % (self.cg, self.dir)
        self.proc = subprocess.Popen(["sh", "-c", cmd],
                                     start_new_session=True,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("%s did not start: %s" % (self.name, open(
            os.path.join(self.dir, "proftpd.log")).read()[-2000:]))

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
        with open(os.path.join(self.cg, "cgroup.procs")) as f:
            pids = [int(p) for p in f.read().split()]
        return [p for p in pids if p != self.proc.pid]

    def wait_idle(self, timeout=10):
        """Waits until every session process has gone."""
        end = time.time() + timeout
        while self.sessions() and time.time() < end:
            time.sleep(0.02)


def curl(srv, *args):
    base = ["curl", "-sS", "--cacert", os.path.join(harness.certs(),
                                                     "ca.crt"),
            "-u", "%s:%s" % (USER, PASSWORD), "--max-time", "300"]
    return subprocess.run(base + list(args), capture_output=True, text=True,
                          timeout=320)


def bulk(srv, direction):
    """One 1 GiB PROT P transfer with curl: (MB/s of the data phase,
    server CPU s/GiB)."""
    srv.wait_idle()
    cpu0 = srv.cpu()
    url = "ftp://localhost:%d/" % srv.port
    fmt = "%{time_total} %{time_starttransfer} %{size_download} " \
          "%{size_upload}"
    if direction == "RETR":
        r = curl(srv, "--ssl-reqd", url + "big.bin", "-o", "/dev/null",
                 "-w", fmt)
    else:
        r = curl(srv, "--ssl-reqd", "-T", os.path.join(DATA, "home",
                                                       "big.bin"),
                 url + "up-%s.bin" % srv.name, "-w", fmt)
    if r.returncode != 0:
        raise RuntimeError("%s %s: %s" % (srv.name, direction, r.stderr))
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
    return size / 1e6 / span, cpu / (size / 2 ** 30)


class ResumingFTP(ftplib.FTP_TLS):
    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                            session=self.sock.session)
        return conn, size


def client_ctx():
    ctx = ssl.create_default_context(cafile=os.path.join(harness.certs(),
                                                         "ca.crt"))
    return ctx


def tls_session(srv, ctx, listing=True):
    f = ResumingFTP(context=ctx, timeout=30)
    f.connect("localhost", srv.port)
    f.auth()
    f.login(USER, PASSWORD)
    f.prot_p()
    if listing:
        f.retrlines("LIST small", lambda line: None)
    f.quit()


def plain_session(srv):
    f = ftplib.FTP(timeout=30)
    f.connect("127.0.0.1", srv.port)
    f.login(USER, PASSWORD)
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


def session_pid(srv):
    for _ in range(100):
        pids = srv.sessions()
        if pids:
            return pids[0]
        time.sleep(0.02)
    raise RuntimeError("no session process")


def proc_cpu(pid):
    """CPU seconds of one process: the scheduler's exact run time
    (/proc/PID/schedstat, ns) where the kernel keeps it, else utime+stime
    in clock ticks (10 ms steps, too coarse for sub-ms figures)."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        pass
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resumed_data_cpu(srv, ctx):
    """Server CPU ms per resumed PROT P data connection (RETR 13 bytes)."""
    srv.wait_idle()
    f = ResumingFTP(context=ctx, timeout=30)
    f.connect("localhost", srv.port)
    f.auth()
    f.login(USER, PASSWORD)
    f.prot_p()
    f.voidcmd("TYPE I")
    pid = session_pid(srv)
    f.retrbinary("RETR small/f0.txt", lambda b: None)
    cpu0 = proc_cpu(pid)
    for _ in range(RESUMED):
        f.retrbinary("RETR small/f0.txt", lambda b: None)
    cpu = proc_cpu(pid) - cpu0
    f.quit()
    return cpu * 1000 / RESUMED


def memory_of(pid):
    """(PSS, private) kB of a process.  PSS splits shared pages among the
    processes mapping them, so it moves with whatever else runs; private
    memory (USS: pages only this process maps) does not."""
    time.sleep(0.2)
    kb = {}
    with open("/proc/%d/smaps_rollup" % pid) as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                kb[parts[0].rstrip(":")] = int(parts[1])
    return kb["Pss"], kb["Private_Clean"] + kb["Private_Dirty"]


def idle_pss(srv, ctx):
    """Memory (kB) of a session logged in over TLS with PROT P: PSS and
    private idle after login, and PSS after one protected LIST."""
    srv.wait_idle()
    f = ResumingFTP(context=ctx, timeout=30)
    f.connect("localhost", srv.port)
    f.auth()
    f.login(USER, PASSWORD)
    f.prot_p()
    pid = session_pid(srv)
    idle, private = memory_of(pid)
    f.retrlines("LIST small", lambda line: None)
    after = memory_of(pid)[0]
    f.quit()
    return idle, private, after


def concurrent(srv, ctx, expected):
    """CONCURRENT simultaneous PROT P downloads: (failures, MB/s)."""
    srv.wait_idle(30)
    results = [None] * CONCURRENT

    def worker(i):
        try:
            f = ResumingFTP(context=ctx, timeout=120)
            f.connect("localhost", srv.port)
            f.auth()
            f.login(USER, PASSWORD)
            f.prot_p()
            h = hashlib.sha256()
            f.retrbinary("RETR conc.bin", h.update, blocksize=1 << 18)
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
    fails = sum(1 for r in results if r is not True)
    return fails, CONCURRENT * CONC_MB * 1.048576 / span


def tls_pair_ceiling():
    """A bare TLS 1.3 sender/receiver pair on loopback, 16 KiB writes,
    the same file: MB/s (the ceiling a server can approach)."""
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
        with open(os.path.join(DATA, "home", "big.bin"), "rb") as fh:
            while True:
                chunk = fh.read(16384)
                if not chunk:
                    break
                s.sendall(chunk)
        s.close()

    t = threading.Thread(target=sender)
    t.start()
    c = client_ctx().wrap_socket(socket.create_connection(
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
    home = os.path.join(DATA, "home")
    os.makedirs(os.path.join(home, "small"), exist_ok=True)
    big = os.path.join(home, "big.bin")
    if not os.path.exists(big) or os.path.getsize(big) != SIZE_MB * 2 ** 20:
        with open(big, "wb") as f:
            block = os.urandom(2 ** 20)
            for _ in range(SIZE_MB):
                f.write(block)
    conc = os.path.join(home, "conc.bin")
    with open(conc, "wb") as f:
        f.write(os.urandom(CONC_MB * 2 ** 20))
    for i in range(10):
        with open(os.path.join(home, "small", "f%d.txt" % i), "w") as f:
            f.write("hello world\n")
    for root, dirs, files in os.walk(home):
        for n in dirs + files:
            os.chown(os.path.join(root, n), 65534, 65534)
    os.chown(home, 65534, 65534)
    os.chmod(DATA, 0o755)
    with open(conc, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def med(values):
    if not values:
        return "-"
    m = statistics.median(values)
    if len(values) == 1:
        return "%.2f" % m
    return "%.2f (%.2f-%.2f)" % (m, min(values), max(values))


def main():
    os.makedirs(DATA, exist_ok=True)
    conc_sum = prepare_data()
    ctx = client_ctx()
    servers = {n: Bench(n) for n in ("mod_tls", "mod_secftp", "plain")}
    for s in servers.values():
        s.start()
    res = {n: {} for n in servers}

    def add(name, key, value):
        res[name].setdefault(key, []).append(value)

    load = [os.getloadavg()[0]]
    try:
        ceiling = [tls_pair_ceiling()]
        for rnd in range(ROUNDS):
            order = ("mod_tls", "mod_secftp") if rnd % 2 == 0 else \
                ("mod_secftp", "mod_tls")
            for name in order:
                srv = servers[name]
                mbs, cpu = bulk(srv, "RETR")
                add(name, "retr_mbs", mbs)
                add(name, "retr_cpu", cpu)
                mbs, cpu = bulk(srv, "STOR")
                add(name, "stor_mbs", mbs)
                add(name, "stor_cpu", cpu)
                add(name, "sess_ms", per_session_cpu(
                    srv, lambda: tls_session(srv, ctx)))
                add(name, "plain_ms", per_session_cpu(
                    srv, lambda: plain_session(srv)))
                add(name, "resumed_ms", resumed_data_cpu(srv, ctx))
                idle, private, after = idle_pss(srv, ctx)
                add(name, "pss_kb", idle)
                add(name, "uss_kb", private)
                add(name, "pss_list_kb", after)
                print("round %d %s done" % (rnd + 1, name), flush=True)
            add("plain", "plain_ms", per_session_cpu(
                servers["plain"], lambda: plain_session(servers["plain"])))
            ceiling.append(tls_pair_ceiling())
            load.append(os.getloadavg()[0])
        for name in ("mod_tls", "mod_secftp"):
            fails, mbs = concurrent(servers[name], ctx, conc_sum)
            add(name, "conc_fail", fails)
            add(name, "conc_mbs", mbs)
    finally:
        for s in servers.values():
            s.stop()

    report(res, ceiling, load)


def ratio(a, b):
    return "%.2f" % (statistics.median(a) / statistics.median(b))


def report(res, ceiling, load):
    t, s, p = res["mod_tls"], res["mod_secftp"], res["plain"]
    ceil = statistics.median(ceiling)
    rows = [
        ("RETR PROT P, MB/s", "retr_mbs",
         "%s x mod_tls; %.2f of TLS pair" % (
             ratio(s["retr_mbs"], t["retr_mbs"]),
             statistics.median(s["retr_mbs"]) / ceil),
         ">= 1.4x and >= 0.9 of pair"),
        ("STOR PROT P, MB/s", "stor_mbs",
         ratio(s["stor_mbs"], t["stor_mbs"]) + " x", ">= 2x"),
        ("Server CPU s/GiB, RETR P", "retr_cpu",
         ratio(s["retr_cpu"], t["retr_cpu"]) + " x", "<= 1.0 s"),
        ("Server CPU s/GiB, STOR P", "stor_cpu",
         ratio(s["stor_cpu"], t["stor_cpu"]) + " x", "<= 1.5 s"),
        ("Server CPU ms/session (AUTH..QUIT, LIST)", "sess_ms",
         ratio(s["sess_ms"], t["sess_ms"]) + " x", "<= 8 ms"),
        ("Server CPU ms/plain session, module loaded", "plain_ms",
         "+%.2f ms vs no TLS module" % (
             statistics.median(s["plain_ms"]) -
             statistics.median(p["plain_ms"])), "~ +0"),
        ("Server CPU ms/resumed data conn", "resumed_ms",
         ratio(s["resumed_ms"], t["resumed_ms"]) + " x", "<= 0.7 ms"),
        ("Idle protected session PSS, kB", "pss_kb",
         ratio(s["pss_kb"], t["pss_kb"]) + " x", "<= 1500 kB"),
        ("Idle protected session, private (USS) kB", "uss_kb",
         ratio(s["uss_kb"], t["uss_kb"]) + " x", ""),
        ("PSS after one PROT P LIST, kB", "pss_list_kb",
         ratio(s["pss_list_kb"], t["pss_list_kb"]) + " x", ""),
        ("%d concurrent PROT P RETR: failures" % CONCURRENT, "conc_fail",
         "", "0, checksums right"),
        ("%d concurrent PROT P RETR: MB/s" % CONCURRENT, "conc_mbs",
         ratio(s["conc_mbs"], t["conc_mbs"]) + " x", ""),
    ]
    print()
    print("FTPS benchmark, %s, %d MiB file, %d rounds, host %s" % (
        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), SIZE_MB, ROUNDS,
        socket.gethostname()))
    print("Load average (1 min) at the start and after each round: %s" %
          ", ".join("%.1f" % x for x in load))
    print("Bare TLS 1.3 pair (python, 16 KiB writes): %s MB/s" % med(ceiling))
    print("Plain session, ProFTPD without a TLS module: %s ms CPU" %
          med(p["plain_ms"]))
    print()
    print("| Measure | mod_tls | mod_secftp | ratio | SPEC 7 target |")
    print("|---|---|---|---|---|")
    for label, key, r, target in rows:
        print("| %s | %s | %s | %s | %s |" % (label, med(t.get(key, [])),
                                             med(s.get(key, [])), r, target))


if __name__ == "__main__":
    main()
