#!/usr/bin/env python3
"""The fleet's failure modes, measured (doc/fleet.md, "Failure modes").

Two ProFTPD nodes on loopback share a redis-server through a relay that
plays the network (t/regress/test_fleet_outage.py).  For each mode: what a
client sees while it lasts (login time: connect, AUTH TLS, handshake,
USER, PASS; median and worst of 12 logins alternating nodes and TLS 1.2 /
1.3), whether a session made on node A resumes on node B meanwhile, how
long after the end of the mode it does again, and what SecureFTPLog says.
Then the concurrent soak (64 sessions, 60 s), with Redis healthy and
flapping.  Timeouts: SecureRedisTimeouts 300 300 2s.

  contrib/bench-fleet-outage.py [--no-soak]   (as root, from the source tree)
"""

import argparse
import os
import re
import signal
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "t", "regress"))

import harness  # noqa: E402
import test_fleet as tf  # noqa: E402
import test_fleet_outage as to  # noqa: E402


def logins(nodes, n=12):
    contexts = (tf.tls_ctx("1.2", tickets=False), tf.tls_ctx("1.3"))
    times = []
    for i in range(n):
        f, secs = to.timed_login(nodes[i % 2], contexts[(i // 2) % 2])
        times.append(secs)
        f.quit()
    return times


def resumes(a, b):
    ctx = tf.tls_ctx("1.2", tickets=False)
    sess, _, _ = tf.connect(a, ctx)
    return tf.connect(b, ctx, sess)[1]


def log_lines(nodes, seen):
    lines = []
    for srv in nodes:
        text = srv.log()
        for line in text.splitlines()[seen.get(srv.name, 0):]:
            if re.search(r"Redis|ticket key|SecureCertMap", line):
                lines.append("%s: %s" % (srv.name, line.split(": ", 1)[-1]))
        seen[srv.name] = len(text.splitlines())
    return lines


def mode(name, nodes, start, end, seen):
    a, b = nodes
    start()
    try:
        times = logins(nodes)
        during = resumes(a, b)
    finally:
        end()
    t0 = time.monotonic()
    try:
        after = "%.2f s" % to.cross_node_resumes_within(a, b, 30)
    except AssertionError:
        after = "not within 30 s"
    print("%-22s login median %4.0f ms, worst %4.0f ms; A->B resumption "
          "meanwhile: %s; again after the end: %s" % (
              name, statistics.median(times) * 1000, max(times) * 1000,
              "yes" if during else "no", after), flush=True)
    for line in log_lines(nodes, seen):
        print("    " + line)
    return t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-soak", action="store_true")
    args = ap.parse_args()
    try:
        with tf.Redis("bench_r1") as r1:
            replica = tf.Redis("bench_r2", args=[
                "--replicaof", "127.0.0.1", str(r1.port)]).start()
            relay = to.Relay(r1.port)
            kf = tf.key_file("bench_outage")
            address = "127.0.0.1:%d" % relay.port
            seen = {}
            with to.outage_node("bo_a", address, kf) as a, \
                    to.outage_node("bo_b", address, kf) as b:
                nodes = (a, b)
                nothing = (lambda: None)
                mode("healthy", nodes, nothing, nothing, seen)
                mode("down (killed)", nodes, r1.stop, r1.start, seen)
                time.sleep(1)   # the replica catches up with the new r1
                mode("hung (SIGSTOP)", nodes,
                     lambda: os.kill(r1.proc.pid, signal.SIGSTOP),
                     lambda: os.kill(r1.proc.pid, signal.SIGCONT), seen)
                mode("black-holed", nodes,
                     lambda: setattr(relay, "holed", True),
                     lambda: setattr(relay, "holed", False), seen)
                mode("slow (100 ms/reply)", nodes,
                     lambda: setattr(relay, "delay", 0.1),
                     lambda: setattr(relay, "delay", 0.0), seen)
                mode("slow (500 ms/reply)", nodes,
                     lambda: setattr(relay, "delay", 0.5),
                     lambda: setattr(relay, "delay", 0.0), seen)
                mode("restarted empty", nodes,
                     lambda: (r1.stop(), r1.start()), nothing, seen)
                time.sleep(1)
                mode("failed over (replica)", nodes,
                     lambda: (replica.cli("REPLICAOF", "NO", "ONE"),
                              relay.fail_over(replica.port)),
                     nothing, seen)
            relay.close()
            replica.stop()
        if not args.no_soak:
            for flap in (False, True):
                times, transfers, failures = to.soak(
                    flap, name="bench_soak%d" % flap)
                print("soak, 64 sessions, 60 s, Redis %-8s: %d sessions, "
                      "%d transfers, %d failed; login p50 %.0f ms, p99 %.0f "
                      "ms, worst %.0f ms" % (
                          "flapping" if flap else "healthy", len(times),
                          transfers, len(failures),
                          to.percentile(times, 0.5) * 1000,
                          to.percentile(times, 0.99) * 1000,
                          times[-1] * 1000), flush=True)
    finally:
        harness.cleanup()


if __name__ == "__main__":
    main()
