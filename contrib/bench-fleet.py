#!/usr/bin/env python3
"""Reconnect cost on node B of a session made on node A, with and without
the fleet's shared cache (SecureSessionCache redis vs internal).

Starts a redis-server and two ProFTPD nodes on loopback high ports (the
integration harness does the configuration), makes one session on node A,
then reconnects N times to node B offering that session, and prints one
line per case: how many resumed, the client-side handshake time (median
and 90th percentile), and node B's server CPU per connection (user+system
time of its reaped session processes, whole session: fork, AUTH TLS, NOOP,
QUIT).

  contrib/bench-fleet.py [-n 200]       (as root, from the source tree)
"""

import argparse
import os
import socket
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "t", "regress"))

import harness  # noqa: E402
import test_fleet  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


def children_cpu(pid):
    """User+system seconds of pid's reaped children."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / CLK_TCK


def reconnect(srv, ctx, session):
    """One control connection resuming session: (handshake secs, reused)."""
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"AUTH TLS\r\n")
    f.readline()
    t0 = time.perf_counter()
    tls = ctx.wrap_socket(s, server_hostname="localhost", session=session)
    elapsed = time.perf_counter() - t0
    tls.sendall(b"NOOP\r\n")
    tls.recv(1024)
    reused = tls.session_reused
    tls.sendall(b"QUIT\r\n")
    try:
        tls.recv(1024)
    except OSError:
        pass
    tls.close()
    return elapsed, reused


def wait_reaped(srv, timeout=5):
    """Waits until node B has no session process left."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        kids = [p for p in os.listdir("/proc") if p.isdigit()]
        busy = False
        for p in kids:
            try:
                with open("/proc/%s/stat" % p) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if ppid == srv.proc.pid:
                busy = True
                break
        if not busy:
            return
        time.sleep(0.05)


def run_case(label, a, b, ctx, n):
    session, _, _ = test_fleet.connect(a, ctx)
    reconnect(b, ctx, session)          # warm-up: Redis connection, keys
    wait_reaped(b)
    cpu0 = children_cpu(b.proc.pid)
    times, resumed = [], 0
    for _ in range(n):
        elapsed, reused = reconnect(b, ctx, session)
        times.append(elapsed * 1000)
        resumed += bool(reused)
    wait_reaped(b)
    cpu = (children_cpu(b.proc.pid) - cpu0) * 1000 / n
    times.sort()
    print("%-44s resumed %3d/%d  handshake median %.2f ms p90 %.2f ms  "
          "server CPU %.2f ms/conn" % (
              label, resumed, n, statistics.median(times),
              times[int(len(times) * 0.9)], cpu), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=200, help="reconnections")
    args = ap.parse_args()

    cases = [("TLS 1.3 ticket", test_fleet.tls_ctx("1.3")),
             ("TLS 1.2 session id", test_fleet.tls_ctx("1.2", tickets=False))]
    try:
        with test_fleet.Redis("bench") as redis:
            kf = test_fleet.key_file("bench")
            with test_fleet.node("bench_a", redis, kf, lifetime=3600) as a, \
                    test_fleet.node("bench_b", redis, kf,
                                    lifetime=3600) as b:
                for name, ctx in cases:
                    run_case("node B, %s, shared cache (redis)" % name, a, b,
                             ctx, args.n)
        with harness.Server("bench_ia") as a, \
                harness.Server("bench_ib") as b:
            for name, ctx in cases:
                run_case("node B, %s, no shared cache" % name, a, b, ctx,
                         args.n)
    finally:
        harness.cleanup()


if __name__ == "__main__":
    main()
