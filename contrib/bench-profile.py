#!/usr/bin/env python3
"""Where one benchmark measure spends a server's CPU: perf (cpu-clock, a
software event, so it works where the VM has no hardware counters)
follows the server's master and every session it forks, while
contrib/bench.py's own code runs the measure.

  contrib/bench-profile.py SERVER MEASURE [pinned|defaults]

SERVER: mod_secftp, mod_tls, Pure-FTPd, vsftpd.  MEASURE: retr, stor,
session (BENCH_SESSIONS protected sessions), resumed (BENCH_RESUMED
resumed data connections), concurrent (BENCH_CONCURRENT downloads at
once).  Prints perf's report by shared object and
its top symbols; the perf.data stays in the server's directory.  With
BENCH_PROFILER=strace: the server's system calls (strace -c -f) instead;
BENCH_PROFILER=callers: who calls BENCH_SYMBOL (default libc's memmove;
perf with call graphs).
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def run_measure(srv, measure, mode):
    ctx = bench.client_ctx(mode)
    if measure in ("retr", "stor"):
        return bench.bulk(srv, mode, measure.upper())[:2]
    if measure == "session":
        return bench.per_session_cpu(srv,
                                     lambda: bench.tls_session(srv, ctx))
    if measure == "resumed":
        return bench.resumed_data_cpu(srv, ctx)
    if measure == "concurrent":
        return bench.concurrent(srv, ctx, bench.prepare_data())
    raise SystemExit("unknown measure %s" % measure)


def report(data, sort):
    out = subprocess.run(["perf", "report", "-i", data, "--no-children",
                          "--sort", sort, "--stdio", "-g", "none",
                          "--percent-limit", "1"],
                         capture_output=True, text=True)
    return "\n".join(line for line in out.stdout.splitlines()
                     if line.strip() and not line.startswith("#"))


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    name, measure = sys.argv[1], sys.argv[2]
    mode = sys.argv[3] if len(sys.argv) > 3 else "pinned"
    os.makedirs(bench.DATA, exist_ok=True)
    bench.bench_peers.unpack()
    bench.prepare_data()
    srv = bench.make_server(name)
    srv.start()
    data = os.path.join(srv.dir, "perf.data")
    profiler = os.environ.get("BENCH_PROFILER", "perf")
    use_strace = profiler == "strace"
    if use_strace:
        cmd = ["strace", "-c", "-f", "-o", data + ".strace"]
    else:
        cmd = ["perf", "record", "-q", "-e", "cpu-clock", "-o", data]
        if profiler == "callers":
            cmd += ["--call-graph", "dwarf,16384"]
    try:
        prof = subprocess.Popen(cmd + ["-p", str(srv.proc.pid)],
                                stderr=subprocess.DEVNULL)
        time.sleep(1)
        figure = run_measure(srv, measure, mode)
        prof.send_signal(signal.SIGINT)
        prof.wait(30)
    finally:
        srv.stop()
    print("%s %s (%s): %s" % (name, measure, mode, figure))
    if use_strace:
        with open(data + ".strace") as f:
            print(f.read())
        return
    if profiler == "callers":
        out = subprocess.run(["perf", "report", "-i", data, "--no-children",
                              "--symbols", os.environ.get(
                                  "BENCH_SYMBOL",
                                  "__memmove_avx512_unaligned_erms"),
                              "--stdio", "-G", "--percent-limit", "1"],
                             capture_output=True, text=True)
        print(out.stdout)
        return
    print(report(data, "dso"))
    print(report(data, "dso,sym"))


if __name__ == "__main__":
    main()
