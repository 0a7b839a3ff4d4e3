"""contrib/bench.py runs the whole field at a tiny size: every server
(mod_secftp, mod_tls, Pure-FTPd, vsftpd) answers every measure in both
modes, the pin holds on every server, and no concurrent download fails.
Nothing here looks at a speed: figures come from the benchmark itself,
run by hand (README, doc/benchmarks.md)."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

from harness import ROOT, check, check_eq, test

SERVERS = ["mod_secftp", "mod_tls", "Pure-FTPd", "vsftpd"]
SUITE = "TLS_AES_256_GCM_SHA384"
CONCURRENT = "4"
# bench's row labels name the number of concurrent downloads it reads
# from the environment when imported.
os.environ["BENCH_CONCURRENT"] = CONCURRENT
sys.path.insert(0, os.path.join(ROOT, "contrib"))
import bench  # noqa: E402


def run_smoke():
    data = tempfile.mkdtemp(prefix="secftp-bench-smoke-", dir="/dev/shm")
    try:
        return run_bench(data)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def run_bench(data):
    env = dict(os.environ, BENCH_DIR=data,
               BENCH_SIZE_MB="4", BENCH_ROUNDS="1", BENCH_SESSIONS="2",
               BENCH_RESUMED="3", BENCH_CONCURRENT=CONCURRENT,
               BENCH_CONCURRENT_MB="1", BENCH_SUITE=SUITE)
    # The benchmark measures the ordinary build (./mod_secftp.so), also
    # when the suite runs under the sanitizer or valgrind stages.
    for name in ("SECFTP_TEST_TMP", "SECFTP_MODULE", "SECFTP_PRELOAD",
                 "SECFTP_VALGRIND"):
        env.pop(name, None)
    proc = subprocess.run([sys.executable,
                           os.path.join(ROOT, "contrib", "bench.py")],
                          env=env, capture_output=True, text=True,
                          timeout=170)
    check(proc.returncode == 0, "bench.py failed: %s" % proc.stderr[-3000:])
    return proc.stdout


def table_rows(out, header_start):
    """{first cell: [other cells]} of the markdown table whose header
    starts with header_start."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.startswith(header_start))
    rows = {"header": [c.strip() for c in lines[start].strip("|")
                       .split("|")]}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


@test
def test_bench_smoke_has_every_server_and_measure():
    out = run_smoke()
    main = table_rows(out, "| measure |")
    check_eq(main["header"][1:1 + len(SERVERS)], SERVERS, "server columns")
    for label, _, _ in bench.TLS_ROWS:
        check(label in main, "measure missing: %s\n%s" % (label, out))
        cells = main[label][:len(SERVERS)]
        for server, cell in zip(SERVERS, cells):
            check(re.fullmatch(r"-?[0-9.]+ / -?[0-9.]+", cell) is not None,
                  "%s, %s: no figure for both modes: %r" % (label, server,
                                                            cell))
    for server, cell in zip(SERVERS, main["%s concurrent PROT P RETR: "
                                          "failures" % CONCURRENT]):
        check_eq(cell, "0.00 / 0.00", "failed downloads on %s" % server)

    plain = table_rows(out, "| plain session (no AUTH) |")
    for label, _ in bench.PLAIN_ROWS:
        check(label in plain and len(plain[label]) == 4,
              "plain measure missing: %s\n%s" % (label, out))

    # Under the pin every server negotiates the pinned suite, on the
    # control connection and on curl's data connection.
    for server in SERVERS:
        m = re.search(r"^  %s: (.*) \| (.*)$" % re.escape(server), out, re.M)
        check(m is not None, "no negotiated suite for %s" % server)
        check_eq(m.group(1), "TLSv1.3 %s / TLSv1.3 %s" % (SUITE, SUITE),
                 "pinned suites of %s" % server)


@test
def test_bench_ab_smoke_pairs_two_builds():
    """contrib/bench-ab.py with the same build on both sides: every row
    has both builds' figures and a B/A ratio (its value is not judged)."""
    data = tempfile.mkdtemp(prefix="secftp-bench-ab-", dir="/dev/shm")
    env = dict(os.environ, BENCH_DIR=data, BENCH_SIZE_MB="4",
               BENCH_SUITE=SUITE)
    for name in ("SECFTP_TEST_TMP", "SECFTP_MODULE", "SECFTP_PRELOAD",
                 "SECFTP_VALGRIND"):
        env.pop(name, None)
    so = os.path.join(ROOT, "mod_secftp.so")
    try:
        proc = subprocess.run([sys.executable,
                               os.path.join(ROOT, "contrib", "bench-ab.py"),
                               so, so, "2"], env=env, capture_output=True,
                              text=True, timeout=170)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    check(proc.returncode == 0, "bench-ab.py failed: %s" %
          proc.stderr[-3000:])
    check("TLSv1.3 %s" % SUITE in proc.stderr,
          "the pinned suite was not negotiated: %s" % proc.stderr)
    for direction in ("RETR", "STOR"):
        for what in ("MB/s", "CPU s/GiB"):
            m = re.search(r"^%s %s +A [0-9.]+ \([0-9.]+-[0-9.]+\)  "
                          r"B [0-9.]+ \([0-9.]+-[0-9.]+\)  B/A [0-9.]+ " %
                          (direction, re.escape(what)), proc.stdout, re.M)
            check(m is not None, "no %s %s row: %s" % (direction, what,
                                                         proc.stdout))
