"""Issue 13 (scrub): a session of a server that cannot use another
server's TLS context (a plain vhost on another port) must not keep that
context's private key in its memory.  The memory of a live plain session
is dumped (gcore) and searched for the private key's prime as OpenSSL
holds it (BIGNUM limbs, little-endian); the daemon's own memory is the
control that the search finds the key where it is.
"""

import ftplib
import os
import re
import subprocess
import time

from harness import Server, USERS, cert, check, test
import stress

PLAIN_VHOST = """
<VirtualHost 127.0.0.1>
  Port {port2}
  AuthOrder mod_auth_file.c
  AuthUserFile {dir}/passwd
  AuthGroupFile {dir}/group
  RequireValidShell off
  DefaultRoot ~
</VirtualHost>
"""


def prime_le(key_path):
    """The first 32 bytes of the key's first prime, little-endian."""
    text = subprocess.run(["openssl", "pkey", "-in", key_path, "-noout",
                           "-text"], capture_output=True, text=True,
                          check=True, timeout=30).stdout
    m = re.search(r"prime1:\n((?:\s+[0-9a-f:]+\n)+)", text)
    check(m is not None, "no prime in the key: " + text[:200])
    value = bytes.fromhex(re.sub(r"[\s:]", "", m.group(1)))
    return value.lstrip(b"\x00")[::-1][:32]


def memory_holds(pid, needle, where):
    """TRUE when needle is in the live memory of process pid: every
    readable private or anonymous mapping, read through /proc/PID/mem (a
    core dump would take minutes under ASan, whose shadow maps terabytes
    of address space, which this skips as never-touched reservations)."""
    found = False
    with open("/proc/%d/maps" % pid) as maps, \
            open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            if "r" not in fields[1] or hi - lo > (1 << 30):
                continue
            try:
                mem.seek(lo)
                chunk = mem.read(hi - lo)
            except (OSError, ValueError, OverflowError):
                continue
            if needle in chunk:
                found = True
                break
    return found


@test
def plain_session_holds_no_other_servers_key():
    needle = prime_le(cert("server.key"))
    with Server("scrub", vhosts=PLAIN_VHOST) as srv:
        check(memory_holds(srv.proc.pid, needle, srv.dir),
              "control: the daemon's memory does not show the key")
        before = set(stress.children(srv.proc.pid))
        f = ftplib.FTP(timeout=20)
        f.connect("127.0.0.1", srv.port2)
        f.login("alice", USERS["alice"])
        deadline = time.time() + 10
        new = set()
        while not new and time.time() < deadline:
            new = set(stress.children(srv.proc.pid)) - before
            time.sleep(0.05)
        check(new, "no session process")
        pid = max(new)
        held = memory_holds(pid, needle, srv.dir)
        f.voidcmd("NOOP")
        f.quit()
        check(not held, "the plain session's memory holds the private key "
              "of the TLS server")
