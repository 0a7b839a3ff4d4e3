"""Issue 13 (fail closed): if routing a stream through TLS ever fails, the
stream must not stay clear.  The failure is injected into a live session
with gdb: secftp_netio_attach() is made to return -1 once.

- Control connection: after AUTH TLS and the handshake, the session is
  closed (and says why in SecureFTPLog); no reply ever goes out in clear.
- Data connection: after the data handshake, the transfer is refused
  (522) and no byte of the file crosses the data connection in clear.
"""

import re
import socket
import subprocess
import tempfile
import time

from harness import USERS, Server, check, put_file, test, TestFailure
import stress

MARKER = b"FAIL-CLOSED-MARKER-"


class Fault:
    """gdb attached to pid: the next call of func returns value, then gdb
    detaches.  Used as a context manager; hit tells whether it fired."""

    def __init__(self, pid, func, value):
        script = ("set confirm off\nset pagination off\n"
                  "break %s\ncommands 1\nreturn (int) %d\ndetach\nquit\nend\n"
                  "continue\n" % (func, value))
        self.script = tempfile.NamedTemporaryFile("w", suffix=".gdb")
        self.script.write(script)
        self.script.flush()
        self.proc = subprocess.Popen(
            ["gdb", "-q", "-nx", "-batch", "-p", str(pid), "-x",
             self.script.name], stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.out = b""
        deadline = time.time() + 30
        while b"Breakpoint 1 at" not in self.out:
            line = self.proc.stdout.readline()
            if not line or time.time() > deadline:
                raise TestFailure("gdb did not attach: %r" % self.out)
            self.out += line

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.out += self.proc.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.out += self.proc.communicate()[0]
        self.script.close()

    @property
    def hit(self):
        return b"Breakpoint 1," in self.out


def session_pid(srv, before):
    deadline = time.time() + 10
    while time.time() < deadline:
        new = set(stress.children(srv.proc.pid)) - before
        if new:
            # the newest: a probe connection of the harness may still be
            # on its way out
            return max(new)
        time.sleep(0.05)
    raise TestFailure("no session process")


def raw_until_eof(sock):
    data = b""
    sock.settimeout(10)
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data, True
            data += chunk
    except socket.timeout:
        return data, False
    except ConnectionResetError:
        return data, True


def clear_replies(raw):
    return re.findall(rb"(?:^|\n)\d\d\d[ -][^\r\n]*", raw)


@test
def ctrl_attach_failure_closes_the_connection():
    with Server("fault_ctrl_attach") as srv:
        before = set(stress.children(srv.proc.pid))
        sock = stress.connect(srv.port)
        check(sock.recv(4096).startswith(b"220"), "greeting")
        with Fault(session_pid(srv, before), "secftp_netio_attach", -1) as f:
            sock.sendall(b"AUTH TLS\r\n")
            check(sock.recv(4096).startswith(b"234"), "AUTH TLS")
            conn = stress.TLSConn(sock).handshake()
            try:
                conn.send(b"USER alice\r\n")
            except OSError:
                pass
            raw, eof = raw_until_eof(sock)
        check(f.hit, "the fault was not injected: %r" % f.out[-500:])
        check(not clear_replies(raw), "replies in clear after a failed "
              "attach: %r" % clear_replies(raw))
        check(eof, "the connection stayed open")
        check("unable to protect the control connection" in srv.log(),
              "not logged: %s" % srv.log()[-500:])


@test
def data_attach_failure_refuses_the_transfer():
    with Server("fault_data_attach") as srv:
        put_file(srv, "alice", "m.bin", MARKER * 5000)
        before = set(stress.children(srv.proc.pid))
        sock = stress.connect(srv.port)
        check(sock.recv(4096).startswith(b"220"), "greeting")
        sock.sendall(b"AUTH TLS\r\n")
        check(sock.recv(4096).startswith(b"234"), "AUTH TLS")
        ctrl = stress.TLSConn(sock).handshake()
        for line, want in (("USER alice", 331), ("PASS " + USERS["alice"],
                           230), ("PBSZ 0", 200), ("PROT P", 200),
                           ("TYPE I", 200)):
            code, text = ctrl.cmd(line)
            check(code == want, "%s: %s" % (line, text))
        code, text = ctrl.cmd("PASV")
        nums = text[text.index("(") + 1:text.index(")")].split(",")
        data = stress.connect(int(nums[4]) * 256 + int(nums[5]))
        with Fault(session_pid(srv, before), "secftp_netio_attach", -1) as f:
            ctrl.send(b"RETR m.bin\r\n")
            dconn = stress.TLSConn(data, ctx=ctrl.ctx,
                                   session=ctrl.obj.session)
            try:
                dconn.handshake()
            except (OSError, EOFError, Exception):
                pass
            raw, _ = raw_until_eof(data)
            replies = []
            while True:
                code, text = ctrl.reply()
                replies.append(text)
                if code != 150:
                    break
        check(f.hit, "the fault was not injected: %r" % f.out[-500:])
        check(MARKER not in raw, "the file went out in clear")
        check(replies[-1].startswith("522"), "transfer not refused: %r"
              % replies)
        check_ok = ctrl.cmd("NOOP")[0] == 200
        check(check_ok, "session unusable after the refusal")
        check("unable to route the data connection through TLS" in srv.log(),
              "not logged")
