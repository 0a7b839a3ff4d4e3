#!/usr/bin/env python3
"""Server CPU cost of one protected transfer, in instructions (callgrind).

  contrib/transfer-cost.py [MODULE.so] [TLS version: 1.3|1.2] [ccc]

Runs the test harness's ProFTPD under valgrind --tool=callgrind, logs in
once with a client whose data connections resume the control session, and
makes 5, then 45, resumed RETRs of a 1 KiB file.  The session process's
instruction count for 45 minus that for 5, divided by 40, is the cost of
one transfer (handshake resumption, ticket, data, close), free of the
login's.  With "ccc" the client clears the control connection first (the
fresh ticket then rides on the data connection).  Needs valgrind and root (the sessions run as nobody); everything
stays on 127.0.0.1.  doc/session-reuse.md has the figures.
"""

import glob
import io
import os
import re
import ssl
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "t", "regress"))

if len(sys.argv) > 1:
    os.environ["SECFTP_MODULE"] = os.path.abspath(sys.argv[1])
# The session process writes its profile after chroot: into the home.
os.environ["SECFTP_VALGRIND"] = ("--tool=callgrind "
                                 "--callgrind-out-file=/cg.%p")

import harness  # noqa: E402

VERSIONS = {"1.3": ssl.TLSVersion.TLSv1_3, "1.2": ssl.TLSVersion.TLSv1_2}


def session_instructions(transfers, version, ccc):
    """Instructions of the session process for one login and transfers
    RETRs."""
    srv = harness.Server("transfer_cost",
                         conf="SecureCtrlConn clear\n" if ccc else "")
    # valgrind's log of the session process (which runs as nobody) goes
    # into the run directory.
    os.chown(srv.dir, harness.NOBODY_UID, harness.NOBODY_GID)
    with srv:
        daemon = srv.proc.pid
        harness.put_file(srv, "alice", "k.bin", b"k" * 1024)
        f = harness.protected_client(srv, version=version)
        if ccc:
            f.ccc()
        f.voidcmd("TYPE I")
        for _ in range(transfers):
            f.retrbinary("RETR k.bin", io.BytesIO().write)
        f.quit()
        deadline = time.time() + 30
        paths = []
        while time.time() < deadline and not paths:
            time.sleep(0.5)
            paths = glob.glob(os.path.join(srv.home("alice"), "cg.*"))
    totals = []
    for path in paths:
        with open(path) as fh:
            m = re.search(r"^(?:summary|totals): (\d+)", fh.read(), re.M)
        if m:
            totals.append(int(m.group(1)))
        os.unlink(path)
    # The daemon's own profile went to /cg.<pid>, outside the chroot.
    if os.path.exists("/cg.%d" % daemon):
        os.unlink("/cg.%d" % daemon)
    if not totals:
        sys.exit("no callgrind profile of the session process")
    return max(totals)


def main():
    version = sys.argv[2] if len(sys.argv) > 2 else "1.3"
    ccc = len(sys.argv) > 3 and sys.argv[3] == "ccc"
    few, many = 5, 45
    a = session_instructions(few, VERSIONS[version], ccc)
    b = session_instructions(many, VERSIONS[version], ccc)
    print("TLS %s%s: %d transfers %d, %d transfers %d instructions; "
          "per transfer %d" % (version, " after CCC" if ccc else "", few, a,
                               many, b,
                               (b - a) // (many - few)))
    harness.cleanup()


if __name__ == "__main__":
    main()
