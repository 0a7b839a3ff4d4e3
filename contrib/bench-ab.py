#!/usr/bin/env python3
"""Two builds of mod_secftp side by side, for one change on the data path:
server CPU per GiB and MB/s of PROT P RETR and STOR, round-robin, the
same pinned suite (BENCH_SUITE) for both.

  contrib/bench-ab.py A.so B.so [ROUNDS]

Each build runs in its own ProFTPD (contrib/bench.py's configuration)
and cpuacct cgroup; every round starts with the other build, and the
printed ratios are B over A, pair by pair, with their median.  The
environment of contrib/bench.py applies (BENCH_SIZE_MB, BENCH_DIR).
"""

import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import harness  # noqa: E402  (bench put t/regress on the path)


def module_dir_for(so):
    """A ModulePath holding Debian's modules and this build."""
    d = tempfile.mkdtemp(prefix="bench-ab-modules-", dir=bench.DATA)
    for name in os.listdir(harness.SYSTEM_MODULES):
        if name.endswith(".so") and name != "mod_secftp.so":
            os.symlink(os.path.join(harness.SYSTEM_MODULES, name),
                       os.path.join(d, name))
    os.symlink(os.path.abspath(so), os.path.join(d, "mod_secftp.so"))
    os.chmod(d, 0o755)
    return d


class Build(bench.ProFTPD):
    def __init__(self, label, so):
        real = harness.module_dir
        harness.module_dir = lambda: module_dir_for(so)
        try:
            super().__init__("mod_secftp")
        finally:
            harness.module_dir = real
        self.label = label
        # A cgroup of its own: both builds are "mod_secftp" to bench.py,
        # and a shared cgroup would count the other daemon as a session.
        os.rmdir(self.cg)
        self.cg = "%s-%s" % (self.cg, label)
        os.makedirs(self.cg, exist_ok=True)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    os.makedirs(bench.DATA, exist_ok=True)
    bench.prepare_data()
    builds = [Build("A", sys.argv[1]), Build("B", sys.argv[2])]
    res = {(b.label, k): [] for b in builds
           for k in ("RETR", "STOR")}
    cpu = {(b.label, k): [] for b in builds for k in ("RETR", "STOR")}
    try:
        for b in builds:
            b.start()
        for rnd in range(rounds):
            order = builds if rnd % 2 == 0 else builds[::-1]
            for direction in ("RETR", "STOR"):
                for b in order:
                    mbs, c, suite = bench.bulk(b, "pinned", direction)
                    res[(b.label, direction)].append(mbs)
                    cpu[(b.label, direction)].append(c)
            print("round %d done (%s)" % (rnd + 1, suite), file=sys.stderr,
                  flush=True)
    finally:
        for b in builds:
            if hasattr(b, "proc"):
                b.stop()
    print("%d MiB, %d rounds, suite pinned %s; medians (min-max)" % (
        bench.SIZE_MB, rounds, bench.SUITE))
    for direction in ("RETR", "STOR"):
        for what, table in (("MB/s", res), ("CPU s/GiB", cpu)):
            a, b = table[("A", direction)], table[("B", direction)]
            ratios = [y / x for x, y in zip(a, b)]
            print("%s %-9s A %s  B %s  B/A %.3f (%.3f-%.3f)" % (
                direction, what, bench.med(a), bench.med(b),
                statistics.median(ratios), min(ratios), max(ratios)))


if __name__ == "__main__":
    main()
