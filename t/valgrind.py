#!/usr/bin/env python3
"""Valgrind stage: Debian's proftpd with mod_secftp under memcheck, driven
through full FTPS sessions (AUTH TLS, login, PBSZ/PROT P, LIST, RETR,
STOR checked on disk, QUIT), a few in parallel.

  t/valgrind.py [--sessions 200] [--jobs 3] [--time 480]

Every process (the daemon and each session, which valgrind follows across
fork) writes its own valgrind.<pid>.log.  The stage fails on any memcheck
error: invalid reads/writes, uses of uninitialised values, bad frees, and
definite leaks (--errors-for-leak-kinds=definite).  ProFTPD's pools are
never "definitely lost" (they stay reachable from the pool tree), so a
definite leak is a real one; possible/reachable blocks are not errors.
t/valgrind.supp holds the few suppressions, each explained.

Ends with "valgrind: N passed, N failed" (one check per session, plus one
for the logs).
"""

import argparse
import concurrent.futures
import glob
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "regress"))

import harness  # noqa: E402
import stress  # noqa: E402

SUPP = os.path.join(harness.ROOT, "t", "valgrind.supp")
OPTIONS = ("--tool=memcheck --leak-check=full --show-leak-kinds=definite "
           "--errors-for-leak-kinds=definite --track-origins=no "
           "--num-callers=30 --child-silent-after-fork=no --vgdb=no "
           "--suppressions=%s" % SUPP)

ERRORS_RE = re.compile(r"ERROR SUMMARY: (\d+) errors")
DEFINITE_RE = re.compile(r"definitely lost: ([\d,]+) bytes")


class ValgrindServer(harness.Server):
    """Sessions fork from a daemon running as nobody and each opens its own
    valgrind.<pid>.log, so the logs go to a world-writable directory of
    their own (ProFTPD refuses one for its scoreboard)."""

    def _command(self):
        self.vg_dir = os.path.join(self.dir, "valgrind")
        os.makedirs(self.vg_dir, exist_ok=True)
        os.chmod(self.vg_dir, 0o1777)
        return ["valgrind", "--log-file=%s/valgrind.%%p.log" % self.vg_dir,
                "--trace-children=yes"] + OPTIONS.split() + \
            [harness.PROFTPD, "-n", "-q", "-c", self.conf_path]


def cheap_password_hash(password):
    """MD5-crypt instead of SHA-512-crypt for this run: 5000 rounds of
    SHA-512 under memcheck cost a second per login, in glibc, not in the
    code under test."""
    out = harness.subprocess.run(["openssl", "passwd", "-1", password],
                                 check=True, capture_output=True, text=True,
                                 timeout=30)
    return out.stdout.strip()


def scan_logs(srv):
    """(processes, errors, definitely lost bytes, texts of bad logs)."""
    procs = errors = lost = 0
    bad = []
    for path in sorted(glob.glob(os.path.join(srv.vg_dir, "valgrind.*.log"))):
        with open(path, errors="replace") as f:
            text = f.read()
        m = ERRORS_RE.search(text)
        if not m:
            continue        # a process still starting when stopped
        procs += 1
        n = int(m.group(1))
        d = DEFINITE_RE.search(text)
        d = int(d.group(1).replace(",", "")) if d else 0
        errors += n
        lost += d
        if n or d:
            bad.append((path, text))
    return procs, errors, lost, bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=int(os.environ.get(
        "VALGRIND_SESSIONS", "200")))
    ap.add_argument("--jobs", type=int, default=3)
    ap.add_argument("--time", type=float, default=float(os.environ.get(
        "VALGRIND_TIME", "480")))
    args = ap.parse_args()

    harness.password_hash = cheap_password_hash
    srv = ValgrindServer("valgrind")
    print("== valgrind: %d sessions, %d in parallel, module %s" % (
        args.sessions, args.jobs, harness.MODULE), flush=True)
    srv.start(timeout=60)
    ok = failed = 0
    failures = []
    moved = 0
    deadline = time.time() + args.time
    start = time.time()

    def one(i):
        if time.time() > deadline:
            return None
        payload = os.urandom(1000 + (i * 7919) % 16000)
        return stress.full_session(srv, upload=payload, name="vg-%d.bin" % i,
                                   timeout=60, readback=False)

    try:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            futures = [pool.submit(one, i) for i in range(args.sessions)]
            for fut in concurrent.futures.as_completed(futures):
                try:
                    res = fut.result()
                except Exception as e:      # noqa: BLE001 -- reported
                    failed += 1
                    failures.append(repr(e))
                    continue
                if res is None:
                    continue        # out of time: not run, not counted
                ok += 1
                moved += res
        # Let the last sessions exit (and write their leak reports).
        end = time.time() + 60
        while stress.children(srv.proc.pid) and time.time() < end:
            time.sleep(0.5)
    finally:
        srv.stop()
        # SIGTERM lets the daemon write its summary; give it a moment.
        time.sleep(1)

    elapsed = time.time() - start
    procs, errors, lost, bad = scan_logs(srv)
    print("valgrind: %d sessions completed, %d failed, %d bytes moved, "
          "%.0fs" % (ok, failed, moved, elapsed))
    print("valgrind: %d processes checked, %d memcheck errors, %d bytes "
          "definitely lost" % (procs, errors, lost))
    for f in failures[:5]:
        print("valgrind: session failure: %s" % f)
    for path, text in bad[:3]:
        print("----- %s\n%s" % (path, text[-6000:]))
    log_ok = procs > ok and errors == 0 and lost == 0
    if ok < args.sessions:
        print("valgrind: only %d of %d sessions ran within %.0fs" % (
            ok, args.sessions, args.time))
        failed += args.sessions - ok - failed
    if not os.environ.get("SECFTP_KEEP"):
        harness.cleanup()
    print("valgrind: %d passed, %d failed" % (ok + (1 if log_ok else 0),
                                             failed + (0 if log_ok else 1)))
    return 0 if failed == 0 and log_ok else 1


if __name__ == "__main__":
    sys.exit(main())
