"""Fault injection: clients that vanish at the worst moments, a key file
that disappears after startup, restarts (SIGHUP) with good and bad
configurations, and commands pipelined inside one TLS record.

Each fault must end with a log line saying what happened, no crash (the
SystemLog and stderr are scanned), no partial upload reported as complete
(no 226, TransferLog status 'i'), no session left behind, and the daemon
still serving a normal FTPS session afterwards.
"""

import os
import shutil
import signal
import time

from harness import (Server, USERS, cert, check, check_eq, test,
                     TestFailure)
import stress

FAST = "SecureHandshakeTimeout 3\n"


def open_protected(srv, login=True):
    """A logged-in control connection with PBSZ 0 and PROT P, through
    memory BIOs (so the test can drop it without close_notify)."""
    sock = stress.connect(srv.port)
    greeting = sock.recv(4096)
    check(greeting.startswith(b"220"), "greeting: %r" % greeting)
    sock.sendall(b"AUTH TLS\r\n")
    reply = b""
    while b"\n" not in reply:
        reply += sock.recv(4096)
    check(reply.startswith(b"234"), "AUTH TLS reply: %r" % reply)
    ctrl = stress.TLSConn(sock).handshake()
    if login:
        check_eq(ctrl.cmd("USER alice")[0], 331, "USER")
        check_eq(ctrl.cmd("PASS " + USERS["alice"])[0], 230, "PASS")
        check_eq(ctrl.cmd("PBSZ 0")[0], 200, "PBSZ")
        check_eq(ctrl.cmd("PROT P")[0], 200, "PROT P")
        check_eq(ctrl.cmd("TYPE I")[0], 200, "TYPE I")
    return ctrl


def pasv(ctrl):
    """A TCP data connection after PASV (TLS not started yet)."""
    code, text = ctrl.cmd("PASV")
    check_eq(code, 227, "PASV")
    nums = text[text.index("(") + 1:text.index(")")].split(",")
    return stress.connect(int(nums[4]) * 256 + int(nums[5]))


def data_tls(ctrl, sock):
    """TLS on a data connection, resuming the control session."""
    return stress.TLSConn(sock, ctx=ctrl.ctx,
                          session=ctrl.obj.session).handshake()


def wait_no_sessions(srv, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not stress.children(srv.proc.pid):
            return
        time.sleep(0.1)
    raise TestFailure("sessions still running %ds after the fault: %s" % (
        timeout, "; ".join(stress.describe(p)
                           for p in stress.children(srv.proc.pid))))


def still_serving(srv):
    """The aftermath every fault test checks."""
    check(srv.proc.poll() is None, "the daemon exited")
    stress.full_session(srv, upload=b"still serving\n" * 1000,
                        name="after-fault.bin")
    report = stress.crash_report(srv)
    check(not report, "crash or sanitizer report: %s" % report)


def xfer_status(srv, name):
    """Completion status ('c' or 'i') of the TransferLog lines for name."""
    statuses = []
    for line in srv.log("xfer.log").splitlines():
        fields = line.split()
        if len(fields) > 8 and fields[8].endswith(name):
            statuses.append(fields[-1])
    return statuses


def write_home_file(srv, name, size):
    path = os.path.join(srv.home("alice"), name)
    with open(path, "wb") as f:
        f.write(os.urandom(size))
    os.chown(path, 65534, 65534)
    return path


@test
def pipelined_commands_in_one_tls_record():
    # Regression: 2500 commands in one TLS record used to leave decrypted
    # bytes in OpenSSL, which the poll callback reported as a timeout, and
    # the session spun at full CPU without answering.
    with Server("pipelined") as srv:
        ctrl = open_protected(srv)
        ctrl.sock.settimeout(15)
        ctrl.send(b"NOOP\r\n" * 2500)
        for i in range(2500):
            code, _ = ctrl.reply()
            check_eq(code, 200, "reply %d to pipelined NOOP" % i)
        check_eq(ctrl.cmd("QUIT")[0], 221, "QUIT")
        ctrl.close()
        still_serving(srv)


@test
def vanish_mid_control_handshake():
    with Server("vanish_hs", conf=FAST) as srv:
        hello = stress.client_hello()
        for cut in (0, 5, len(hello) // 2, len(hello) - 1):
            sock = stress.connect(srv.port)
            sock.recv(4096)
            sock.sendall(b"AUTH TLS\r\n")
            sock.recv(4096)
            sock.sendall(hello[:cut])
            sock.close()
        wait_no_sessions(srv)
        check(srv.wait_log(r"control TLS handshake with \S+ failed"),
              "no log line for the broken handshakes: %s" % srv.log())
        still_serving(srv)


def send_cut(data, payload, short=100):
    """Sends payload over TLS but leaves out the last bytes of its last
    record, then drops the TCP connection: a cut inside a record."""
    data.obj.write(payload)
    raw = data.outgoing.read()
    data.sock.sendall(raw[:len(raw) - short])
    data.sock.close()


def start_upload(srv, name):
    ctrl = open_protected(srv)
    sock = pasv(ctrl)
    ctrl.send(b"STOR %s\r\n" % name.encode())
    check_eq(ctrl.reply()[0], 150, "STOR " + name)
    return ctrl, data_tls(ctrl, sock)


@test
def vanish_mid_upload():
    # SPEC: an upload cut inside a TLS record is never answered 226; one
    # that ends on a record boundary without close_notify is accepted and
    # logged.
    with Server("vanish_up", conf=FAST) as srv:
        # 1. Cut inside a record, the control connection stays.
        ctrl, data = start_upload(srv, "cut.bin")
        send_cut(data, os.urandom(256 * 1024))
        ctrl.sock.settimeout(15)
        code, text = ctrl.reply()
        check(code != 226 and code >= 400,
              "upload cut inside a record answered %r" % text)
        check_eq(ctrl.cmd("NOOP")[0], 200, "control after the truncation")
        ctrl.close()
        check(srv.wait_log(r"cut inside a TLS record"),
              "no log line for the cut upload: %s" % srv.log())

        # 2. Ends on a record boundary without close_notify: accepted,
        #    and said so in the log.
        ctrl, data = start_upload(srv, "boundary.bin")
        data.send(os.urandom(64 * 1024))
        data.sock.close()
        ctrl.sock.settimeout(15)
        ctrl.reply()
        ctrl.close()
        check(srv.wait_log(r"ended without close_notify"),
              "no log line for the missing close_notify: %s" % srv.log())

        # 3. The whole client vanishes inside a record.
        ctrl, data = start_upload(srv, "gone.bin")
        send_cut(data, os.urandom(256 * 1024))
        ctrl.sock.close()

        wait_no_sessions(srv)
        for name in ("cut.bin", "gone.bin"):
            statuses = xfer_status(srv, name)
            check("c" not in statuses,
                  "%s logged as complete: %s" % (name, statuses))
        still_serving(srv)


@test
def vanish_mid_download():
    with Server("vanish_down", conf=FAST) as srv:
        write_home_file(srv, "big.bin", 32 * 1024 * 1024)
        ctrl = open_protected(srv)
        sock = pasv(ctrl)
        ctrl.send(b"RETR big.bin\r\n")
        check_eq(ctrl.reply()[0], 150, "RETR")
        data = data_tls(ctrl, sock)
        got = 0
        while got < 128 * 1024:
            got += len(data.recv())
        data.sock.close()
        ctrl.sock.close()
        wait_no_sessions(srv)
        statuses = xfer_status(srv, "big.bin")
        check("c" not in statuses,
              "interrupted download logged as complete: %s" % statuses)
        still_serving(srv)


@test
def vanish_between_150_and_data_handshake():
    # TimeoutLinger: ProFTPD waits that long for the client to close a
    # data connection it gave up on; the default 10s would dominate.
    with Server("vanish_150", conf=FAST + "TimeoutLinger 1\n") as srv:
        # 1. The data connection is open but never starts TLS: the
        #    handshake timeout refuses it, the control session goes on.
        ctrl = open_protected(srv)
        sock = pasv(ctrl)
        ctrl.send(b"RETR hello.txt\r\n")
        check_eq(ctrl.reply()[0], 150, "RETR")
        ctrl.sock.settimeout(15)
        start = time.time()
        code, text = ctrl.reply()
        check(code >= 400, "stalled data handshake answered %r" % text)
        check(time.time() - start < 7,
              "refusal took %.1fs (SecureHandshakeTimeout 3)" % (
                  time.time() - start))
        sock.close()
        check_eq(ctrl.cmd("NOOP")[0], 200, "control after the refusal")
        ctrl.close()
        check(srv.wait_log(r"data connection from \S+ refused"),
              "no log line for the stalled data handshake")

        # 2. Everything vanishes right after the 150.
        ctrl = open_protected(srv)
        sock = pasv(ctrl)
        ctrl.send(b"STOR never.bin\r\n")
        check_eq(ctrl.reply()[0], 150, "STOR")
        sock.close()
        ctrl.sock.close()
        wait_no_sessions(srv)
        check("c" not in xfer_status(srv, "never.bin"),
              "upload without data logged as complete")
        still_serving(srv)


def _own_certificate(name):
    """A server whose certificate and key are copies it may lose."""
    srv = Server(name, secure=False, conf="""
SecureEngine on
SecureCertificate {dir}/own.crt {dir}/own.key
SecureFTPLog {dir}/secftp.log
SecureHandshakeTimeout 3
""")
    shutil.copy(cert("server.crt"), os.path.join(srv.dir, "own.crt"))
    shutil.copy(cert("server.key"), os.path.join(srv.dir, "own.key"))
    os.chmod(os.path.join(srv.dir, "own.key"), 0o600)
    return srv


@test
def key_file_gone_after_startup():
    # Contexts are built in the daemon before any session forks, so the
    # key file is not read again per session.
    srv = _own_certificate("key_gone")
    with srv:
        stress.full_session(srv)
        os.remove(os.path.join(srv.dir, "own.key"))
        os.remove(os.path.join(srv.dir, "own.crt"))
        for _ in range(5):
            stress.full_session(srv, upload=b"x" * 10000)
        still_serving(srv)


@test
def restart_with_same_configuration():
    # core.restart frees every context and core.postparse builds them
    # again: TLS must work after a SIGHUP, several times over.
    with Server("restart_ok") as srv:
        for i in range(3):
            os.kill(srv.proc.pid, signal.SIGHUP)
            check(srv.wait_log(r"received SIGHUP", name="proftpd.log"),
                  "no SIGHUP in the SystemLog")
            time.sleep(0.5)
            stress.full_session(srv, upload=b"restart %d\n" % i)
        still_serving(srv)


@test
def restart_with_invalid_configuration():
    # The key file is gone when the daemon re-reads its configuration.
    # The daemon must not go on serving without a TLS context: it stops,
    # saying why (as ProFTPD does for any bad configuration), and the
    # sessions it had already forked keep working.
    srv = _own_certificate("restart_bad")
    with srv:
        ctrl = open_protected(srv)
        os.remove(os.path.join(srv.dir, "own.key"))
        os.kill(srv.proc.pid, signal.SIGHUP)
        try:
            srv.proc.wait(timeout=10)
        except Exception:
            raise TestFailure("daemon still running on an unusable "
                              "configuration: %s" % srv.log("proftpd.log"))
        # (ProFTPD reports the parse error to syslog: during a restart
        # its SystemLog is closed.)
        report = stress.crash_report(srv)
        check(not report, "crash on restart: %s" % report)
        # The established session is a separate process: it goes on.
        sock = pasv(ctrl)
        ctrl.send(b"LIST\r\n")
        check_eq(ctrl.reply()[0], 150, "LIST after the daemon stopped")
        listing = data_tls(ctrl, sock).read_all()
        check(b"hello.txt" in listing, "listing: %r" % listing)
        check_eq(ctrl.reply()[0], 226, "LIST done")
        check_eq(ctrl.cmd("QUIT")[0], 221, "QUIT")
        ctrl.close()
