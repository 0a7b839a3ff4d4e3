"""Shared helpers of the hardening tools (t/soak.py, t/valgrind.sh,
t/fuzz/wire.py, test_faults.py): crash detection in a server's logs,
per-process figures from /proc, a TLS client whose raw socket stays
reachable (to send garbage below TLS), and one full FTPS session.

Not a test file (run.py only collects test_*.py).
"""

import ftplib
import hashlib
import io
import os
import re
import socket
import ssl

import harness

# A session or daemon that died of a signal other than our own SIGTERM
# (ProFTPD logs "ProFTPD terminating (signal N)" from its handler), or
# aborted, or printed a stack trace.
CRASH_RE = re.compile(
    r"terminating \(signal (?!15\))\d+\)|received SIGABRT|STACK TRACE|"
    r"Killed by signal")

# Any ASan/UBSan/LSan report (the runtime writes to the daemon's stderr,
# which every session inherits).
SANITIZER_RE = re.compile(
    r"ERROR: (Address|Leak)Sanitizer|runtime error:|"
    r"SUMMARY: (Address|Undefined)")


def crash_report(srv):
    """Lines of srv's SystemLog and stderr that show a crash or a sanitizer
    report; empty when the run was clean."""
    found = []
    for name, regex in (("proftpd.log", CRASH_RE),
                        ("stderr.log", CRASH_RE),
                        ("stderr.log", SANITIZER_RE)):
        for line in srv.log(name).splitlines():
            if regex.search(line):
                found.append("%s: %s" % (name, line))
    return found


def children(pid):
    """The pids whose parent is pid (the sessions of a daemon)."""
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may contain spaces: the ppid follows its ')'.
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            kids.append(int(entry))
    return kids


def describe(pid):
    """pid, proctitle and kernel wait channel, to say where it is stuck."""
    parts = [str(pid)]
    for name in ("cmdline", "wchan"):
        try:
            with open("/proc/%d/%s" % (pid, name), "rb") as f:
                parts.append(f.read().replace(b"\0", b" ").decode(
                    errors="replace").strip())
        except OSError:
            pass
    return " ".join(parts)


def session_pid(srv, client_port):
    """The pid of the session process serving the control connection whose
    client end is 127.0.0.1:client_port (found through the socket inode)."""
    inode = None
    want = ":%04X" % client_port
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1].endswith(":%04X" % srv.port) and \
                    fields[2].endswith(want):
                inode = fields[9]
                break
    if inode is None:
        return None
    target = "socket:[%s]" % inode
    for pid in children(srv.proc.pid):
        try:
            for fd in os.listdir("/proc/%d/fd" % pid):
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == target:
                    return pid
        except OSError:
            continue
    return None


def proc_stats(pid):
    """{'rss': kB, 'pss': kB, 'fds': n} of a live process, or None."""
    try:
        stats = {"rss": 0, "pss": 0, "fds": len(os.listdir(
            "/proc/%d/fd" % pid))}
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    stats["rss"] = int(line.split()[1])
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    stats["pss"] = int(line.split()[1])
        return stats
    except (OSError, ValueError):
        return None


def client_hello(ctx=None):
    """The bytes of a real ClientHello, made in memory (for mutation)."""
    ctx = ctx or harness.client_context(ca=False)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


class TLSConn:
    """TLS over a plain socket through memory BIOs: the socket stays ours,
    so raw bytes can be sent below the TLS layer at any time."""

    def __init__(self, sock, ctx=None, session=None):
        self.sock = sock
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.ctx = ctx = ctx or harness.client_context(ca=False)
        self.obj = ctx.wrap_bio(self.incoming, self.outgoing,
                                server_hostname="localhost", session=session)
        self.buf = b""

    def _flush(self):
        data = self.outgoing.read()
        if data:
            self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            self.incoming.write_eof()
            raise EOFError("connection closed")
        self.incoming.write(chunk)

    def handshake(self):
        while True:
            try:
                self.obj.do_handshake()
                self._flush()
                return self
            except ssl.SSLWantReadError:
                self._flush()
                self._fill()

    def send(self, data):
        self.obj.write(data)
        self._flush()

    def raw_send(self, data):
        self.sock.sendall(data)

    def recv(self):
        while True:
            try:
                data = self.obj.read(65536)
                if not data:
                    raise EOFError("TLS closed")
                return data
            except ssl.SSLWantReadError:
                self._fill()

    def line(self):
        while b"\n" not in self.buf:
            self.buf += self.recv()
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode(errors="replace")

    def reply(self):
        first = self.line()
        text = [first]
        if len(first) > 3 and first[3] == "-":
            while not text[-1].startswith(first[:3] + " "):
                text.append(self.line())
        return int(first[:3]), "\n".join(text)

    def cmd(self, line):
        self.send(line.encode() + b"\r\n")
        return self.reply()

    def read_all(self):
        """Everything up to the server's close_notify; then closes (the
        server's lingering close waits for our end of the connection)."""
        data = b""
        try:
            while True:
                data += self.recv()
        except (EOFError, ssl.SSLZeroReturnError):
            self.close()
            return data

    def close(self):
        try:
            self.obj.unwrap()
            self._flush()
        except (ssl.SSLError, OSError, EOFError):
            pass
        self.sock.close()


def port_busy_retried(transfer):
    """Runs transfer(); once more if PASV got ProFTPD core's 425 "Address
    already in use" (it picks passive ports at random and does not retry
    one still closing), as real clients do.  Nothing has moved by then:
    the 425 answers PASV, before any data connection."""
    try:
        return transfer()
    except ftplib.error_temp as e:
        if not str(e).startswith("425") or "already in use" not in str(e):
            raise
        return transfer()


def full_session(srv, user="alice", upload=b"", name=None, timeout=20,
                 readback=True):
    """One whole FTPS session: AUTH TLS, login, PBSZ/PROT P, LIST, RETR of
    hello.txt, STOR of upload (verified by reading it back, or else in the
    user's home on disk), QUIT.
    Returns the number of bytes moved; raises on any failure."""
    f = harness.ftps(srv, user, timeout=timeout)
    try:
        f.prot_p()
        moved = 0
        listing = []
        port_busy_retried(lambda: f.retrlines("LIST", listing.append))
        harness.check(any("hello.txt" in l for l in listing),
                      "LIST lacks hello.txt: %r" % listing)
        chunks = []
        port_busy_retried(lambda: f.retrbinary("RETR hello.txt",
                                                chunks.append))
        moved += sum(len(c) for c in chunks)
        if upload:
            name = name or "up-%d.bin" % os.getpid()
            port_busy_retried(lambda: f.storbinary("STOR " + name,
                                                   io.BytesIO(upload)))
            if readback:
                back = []
                port_busy_retried(lambda: f.retrbinary("RETR " + name,
                                                       back.append))
                got = b"".join(back)
            else:
                with open(os.path.join(srv.home(user), name), "rb") as fh:
                    got = fh.read()
            harness.check(hashlib.sha256(got).digest() ==
                          hashlib.sha256(upload).digest(),
                          "%s came back different (%d of %d bytes)" % (
                              name, len(got), len(upload)))
            moved += (2 if readback else 1) * len(upload)
        f.quit()
        return moved
    finally:
        f.close()


def connect(port, timeout=10):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)
