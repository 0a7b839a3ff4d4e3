"""contrib/demo.sh: ports from the environment (explicit, implicit,
passive), log files that get lines, and nothing stopped that it did not
start (it runs beside another proftpd on the same host)."""

import ftplib
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

from harness import (ROOT, Server, allocate_ports, check, check_eq, run,
                     run_dir, test)

DEMO = os.path.join(ROOT, "contrib", "demo.sh")


def wait_port(port, proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        check(proc.poll() is None, "demo.sh exited (%s)" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    check(False, "demo did not listen on %d" % port)


def stop_group(proc):
    """Stops the demo we started (its process group), bounded."""
    for sig in (signal.SIGINT, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            pass


@test
def demo_ports_logs_and_no_foreign_kills():
    with open(DEMO) as f:
        script = f.read()
    check(not re.search(r"\b(pkill|killall)\b", script),
          "demo.sh must not kill processes by name")
    base = allocate_ports(16)
    port, implicit, low, high = base, base + 1, base + 4, base + 15
    d = tempfile.mkdtemp(prefix="demo-", dir=run_dir())
    # Another proftpd on this host: the demo must leave it running.
    with Server("demo_bystander") as other:
        env = dict(os.environ, DEMO_DIR=d, DEMO_PORT=str(port),
                   DEMO_IMPLICIT_PORT=str(implicit),
                   DEMO_PASSIVE_PORTS="%d %d" % (low, high))
        with open(d + ".out", "w") as out:
            proc = subprocess.Popen([DEMO], env=env, stdout=out,
                                    stderr=subprocess.STDOUT,
                                    start_new_session=True)
        try:
            wait_port(port, proc)
            wait_port(implicit, proc)
            with open(d + ".out") as f:
                banner = f.read()
            for want in ("port %d" % port, "implicit FTPS: port %d" %
                         implicit, "passive data ports: %d-%d" % (low, high),
                         "%s/proftpd.log" % d, "%s/secftp.log" % d):
                check(want in banner, "banner lacks %r:\n%s" % (want,
                                                                banner))
            r = run(["curl", "-sS", "--ssl-reqd", "--cacert",
                     os.path.join(d, "certs", "ca.crt"), "-u",
                     "demo:demo-password",
                     "ftp://localhost:%d/welcome.txt" % port])
            check_eq(r.stdout, "Hello from mod_secftp.\n", "download")
            f = ftplib.FTP_TLS(timeout=10)
            f.context.load_verify_locations(os.path.join(d, "certs",
                                                         "ca.crt"))
            f.connect("localhost", port)
            f.login("demo", "demo-password")
            f.prot_p()
            pasv_port = f.makepasv()[1]
            check(low <= pasv_port <= high, "PASV port %d outside %d-%d" %
                  (pasv_port, low, high))
            f.quit()
            deadline = time.time() + 10
            while time.time() < deadline:
                logs = {name: os.path.getsize(os.path.join(d, name))
                        if os.path.exists(os.path.join(d, name)) else 0
                        for name in ("proftpd.log", "secftp.log",
                                     "xfer.log")}
                if all(logs.values()):
                    break
                time.sleep(0.2)
            check(all(logs.values()), "log files named by the banner stay "
                  "empty: %r" % logs)
        finally:
            stop_group(proc)
        check(other.proc.poll() is None, "the other proftpd was stopped")
        socket.create_connection(("127.0.0.1", other.port), timeout=5).close()
