"""Integration harness: a real Debian proftpd with the freshly built
mod_secftp.so on 127.0.0.1 high ports, driven by real clients.

A test is a function decorated with @test in a t/regress/test_*.py file.
It gets nothing; it builds a Server (which writes its own proftpd.conf,
users and home directories), starts it, talks to it, and asserts.  The
server is always stopped by process group, within a bounded time.

Environment:
  SECFTP_MODULE      the module to load (default: ./mod_secftp.so)
  SECFTP_PRELOAD     a library to LD_PRELOAD into proftpd (ASan runtime)
  SECFTP_VALGRIND    run proftpd under valgrind (value: extra options)
  SECFTP_TEST_TMP    where run directories go (default: a fresh /tmp dir)
"""

import ftplib
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODULE = os.path.abspath(os.environ.get("SECFTP_MODULE",
                                        os.path.join(ROOT, "mod_secftp.so")))
PROFTPD = "/usr/sbin/proftpd"
SYSTEM_MODULES = "/usr/lib/proftpd"

USERS = {"alice": "alice-secret", "bob": "bob-secret"}
NOBODY_UID = 65534
NOBODY_GID = 65534

TESTS = []

_lock = threading.Lock()
_run_dir = None
_hashes = {}


def test(fn):
    """Registers fn as an integration test."""
    TESTS.append(fn)
    return fn


class TestFailure(AssertionError):
    pass


def check(cond, msg):
    """Asserts cond; msg says what was expected and what came instead."""
    if not cond:
        raise TestFailure(msg)


def check_eq(got, want, what):
    check(got == want, "%s: expected %r, got %r" % (what, want, got))


def run_dir():
    """The directory of this run: certificates, modules, per-test dirs."""
    global _run_dir
    with _lock:
        if _run_dir is None:
            base = os.environ.get("SECFTP_TEST_TMP")
            if base:
                os.makedirs(base, exist_ok=True)
                _run_dir = base
            else:
                _run_dir = tempfile.mkdtemp(prefix="secftp-tests-")
            os.chmod(_run_dir, 0o755)
        return _run_dir


def certs():
    """The throwaway CA and certificates (contrib/certs.sh), made once."""
    d = os.path.join(run_dir(), "certs")
    with _lock:
        if not os.path.exists(os.path.join(d, "client.crt")):
            subprocess.run([os.path.join(ROOT, "contrib", "certs.sh"), d],
                           check=True, timeout=120)
    return d


def cert(name):
    return os.path.join(certs(), name)


def module_dir():
    """A ModulePath with mod_secftp.so next to Debian's own modules."""
    d = os.path.join(run_dir(), "modules")
    with _lock:
        if not os.path.isdir(d):
            os.makedirs(d + ".tmp", exist_ok=True)
            for name in os.listdir(SYSTEM_MODULES):
                if name.endswith(".so") and name != "mod_secftp.so":
                    os.symlink(os.path.join(SYSTEM_MODULES, name),
                               os.path.join(d + ".tmp", name))
            os.symlink(MODULE, os.path.join(d + ".tmp", "mod_secftp.so"))
            os.rename(d + ".tmp", d)
    return d


def password_hash(password):
    with _lock:
        if password not in _hashes:
            out = subprocess.run(["openssl", "passwd", "-6", password],
                                 check=True, capture_output=True, text=True,
                                 timeout=30)
            _hashes[password] = out.stdout.strip()
        return _hashes[password]


_port_lock = threading.Lock()


def _port_block_free(start, count):
    for port in range(start, start + count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True


# Test servers take blocks of ports below the kernel's ephemeral range
# (32768 and up by default), where no client connection's own port can
# take a listening or passive port away.  A block is reserved for the
# whole machine by a file named after it, holding the owner's pid: tests
# running in parallel (several runs, several worktrees) never share one.
PORT_LOW, PORT_HIGH = 20000, 32768
PORT_RESERVATIONS = "/tmp/secftp-test-ports"


def _reserve_block(start):
    os.makedirs(PORT_RESERVATIONS, mode=0o1777, exist_ok=True)
    path = os.path.join(PORT_RESERVATIONS, str(start))
    for _ in range(2):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                with open(path) as f:
                    owner = int(f.read().strip() or "0")
                if owner > 0:
                    os.kill(owner, 0)
                    return False
            except ProcessLookupError:
                pass
            except (OSError, ValueError):
                return False
            # The owner is gone: the block is free again.
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            continue
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        return True
    return False


def allocate_ports(count=16):
    """A block of free consecutive loopback ports, reserved for this
    process, chosen at random."""
    import random
    blocks = (PORT_HIGH - PORT_LOW) // count
    with _port_lock:
        for _ in range(500):
            start = PORT_LOW + count * random.randrange(blocks)
            if _port_block_free(start, count) and _reserve_block(start):
                return start
    raise RuntimeError("no free port block")


BASE_CONF = """\
ServerType standalone
ServerName "mod_secftp test"
ServerIdent on "mod_secftp test server"
DefaultServer on
DefaultAddress 127.0.0.1
SocketBindTight on
Port {port}
PassivePorts {pasv_lo} {pasv_hi}
User nobody
Group nogroup
MaxInstances 200
UseIPv6 on
UseReverseDNS off
WtmpLog off
PidFile {dir}/proftpd.pid
ScoreboardFile {dir}/proftpd.scoreboard
SystemLog {dir}/proftpd.log
TransferLog {dir}/xfer.log
TimeoutIdle 60
TimeoutLogin 60
DeleteAbortedStores off

ModulePath {modules}
ModuleControlsACLs insmod,rmmod allow user root
LoadModule mod_secftp.c
{load_modules}

<IfModule mod_delay.c>
  DelayEngine off
</IfModule>
<IfModule mod_ident.c>
  IdentLookups off
</IfModule>

AuthOrder mod_auth_file.c
AuthUserFile {dir}/passwd
AuthGroupFile {dir}/group
RequireValidShell off
DefaultRoot ~
AllowOverwrite on
TraceLog {dir}/trace.log
Trace secftp:20 {trace}

{global_conf}
"""

SECURE_CONF = """\
SecureEngine on
SecureCertificate {cert} {key}
SecureFTPLog {dir}/secftp.log
"""


def vhost(port, lines):
    """A <VirtualHost> on 127.0.0.1, port (a number or "{port2}"), with
    the test accounts; lines (its TLS directives) go inside it."""
    return """
<VirtualHost 127.0.0.1>
  Port %s
%s
  AuthOrder mod_auth_file.c
  AuthUserFile {dir}/passwd
  AuthGroupFile {dir}/group
  RequireValidShell off
  DefaultRoot ~
  AllowOverwrite on
  <IfModule mod_delay.c>
    DelayEngine off
  </IfModule>
</VirtualHost>
""" % (port, lines)


def implicit_vhost(extra="", log="secftp-implicit.log"):
    """A <VirtualHost> on {port2} that speaks implicit FTPS, with the test
    accounts; extra lines go inside it."""
    return vhost("{port2}", """\
  SecureEngine on
  SecureImplicit on
  SecureCertificate {certs}/server.crt {certs}/server.key
  SecureFTPLog {dir}/%s
%s""" % (log, extra))


class Server:
    """A proftpd with mod_secftp, configured for one test.

    conf     directives for the default server, after the TLS defaults
    secure   False to leave out the default SecureEngine/SecureCertificate
    vhosts   text placed after the default server (e.g. <VirtualHost>)
    modules  extra modules to LoadModule (e.g. ["mod_tls.c"])
    """

    def __init__(self, name, conf="", secure=True, vhosts="", modules=(),
                 trace=""):
        self.name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        self.dir = tempfile.mkdtemp(prefix=self.name + "-", dir=run_dir())
        os.chmod(self.dir, 0o755)
        self.base = allocate_ports(16)
        self.port = self.base
        self.port2 = self.base + 1      # for a second vhost (implicit FTPS)
        self.pasv = (self.base + 4, self.base + 15)
        self.proc = None
        self.conf_text = None
        self._write_users()
        secure_conf = SECURE_CONF.format(cert=cert("server.crt"), key=cert("server.key"),
                                         dir=self.dir) if secure else ""
        self.conf_text = BASE_CONF.format(
            port=self.port, pasv_lo=self.pasv[0], pasv_hi=self.pasv[1],
            dir=self.dir, modules=module_dir(),
            load_modules="\n".join("LoadModule %s" % m for m in modules),
            trace=trace, global_conf="") + secure_conf + conf + "\n" + vhosts
        self.conf_text = self.conf_text.replace("{dir}", self.dir)
        self.conf_text = self.conf_text.replace("{port2}", str(self.port2))
        self.conf_text = self.conf_text.replace("{certs}", certs())
        self.conf_path = os.path.join(self.dir, "proftpd.conf")
        with open(self.conf_path, "w") as f:
            f.write(self.conf_text)

    def home(self, user):
        return os.path.join(self.dir, "home", user)

    def _write_users(self):
        lines = []
        for user, password in USERS.items():
            home = self.home(user)
            os.makedirs(home, exist_ok=True)
            with open(os.path.join(home, "hello.txt"), "w") as f:
                f.write("hello from %s\n" % user)
            for path in (home, os.path.join(home, "hello.txt")):
                os.chown(path, NOBODY_UID, NOBODY_GID)
            lines.append("%s:%s:%d:%d::%s:/bin/sh" % (
                user, password_hash(password), NOBODY_UID, NOBODY_GID, home))
        os.chmod(os.path.join(self.dir, "home"), 0o755)
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            f.write("\n".join(lines) + "\n")
        with open(os.path.join(self.dir, "group"), "w") as f:
            f.write("nogroup:x:%d:alice,bob\n" % NOBODY_GID)
        os.chmod(os.path.join(self.dir, "passwd"), 0o600)

    def _command(self):
        cmd = [PROFTPD, "-n", "-q", "-c", self.conf_path]
        if os.environ.get("SECFTP_VALGRIND") is not None:
            cmd = ["valgrind", "--log-file=%s/valgrind.%%p.log" % self.dir,
                   "--trace-children=yes"] + \
                os.environ["SECFTP_VALGRIND"].split() + cmd
        return cmd

    def _env(self):
        env = dict(os.environ)
        if os.environ.get("SECFTP_PRELOAD"):
            env["LD_PRELOAD"] = os.environ["SECFTP_PRELOAD"]
        return env

    def _spawn(self):
        """Starts proftpd in its own process group, stderr to a file."""
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        with open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen(
                self._command(), stdout=subprocess.DEVNULL, stderr=err,
                start_new_session=True, env=self._env())

    def start(self, timeout=20):
        """Starts proftpd and waits until it accepts connections."""
        self._spawn()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure("proftpd exited at startup (%d): %s" % (
                    self.proc.returncode, self.startup_output()))
            try:
                socket.create_connection(("127.0.0.1", self.port),
                                         timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise TestFailure("proftpd did not listen on %d within %ds: %s" % (
            self.port, timeout, self.startup_output()))

    def start_expecting_failure(self, timeout=20):
        """Starts proftpd expecting it to refuse to start; returns its
        messages (stderr and SystemLog)."""
        self._spawn()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise TestFailure("proftpd started although it should not have")
        check(self.proc.returncode != 0,
              "proftpd exited 0 although the configuration is bad")
        return self.startup_output()

    def startup_output(self):
        text = ""
        for name in ("stderr.log", "proftpd.log"):
            path = os.path.join(self.dir, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    text += f.read()
        return text

    def stop(self):
        """Stops proftpd and its sessions, by process group, bounded:
        SIGTERM, then SIGKILL for whatever is left."""
        if self.proc is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def log(self, name="secftp.log"):
        path = os.path.join(self.dir, name)
        if not os.path.exists(path):
            return ""
        with open(path, errors="replace") as f:
            return f.read()

    def wait_log(self, pattern, name="secftp.log", timeout=5):
        """Waits for a line matching pattern in a log; returns the match."""
        deadline = time.time() + timeout
        while True:
            m = re.search(pattern, self.log(name))
            if m or time.time() > deadline:
                return m
            time.sleep(0.05)


def client_context(ca=True, cert_name=None, **kw):
    """A client SSLContext trusting the test CA (and optionally presenting
    a client certificate)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca:
        ctx.load_verify_locations(cert("ca.crt"))
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if cert_name:
        ctx.load_cert_chain(cert(cert_name + ".crt"), cert(cert_name + ".key"))
    for k, v in kw.items():
        setattr(ctx, k, v)
    return ctx


class ReusingFTP_TLS(ftplib.FTP_TLS):
    """FTP_TLS whose data connections resume the control session, as
    RFC 4217 section 10 expects (Python's stock class does not)."""

    _ctrl_session = None

    def ccc(self):
        # After CCC the control socket has no session: keep it, as a
        # client must to resume it on later data connections.
        self._ctrl_session = self.sock.session
        return super().ccc()

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            session = getattr(self.sock, "session", None) or \
                self._ctrl_session
            conn = self.context.wrap_socket(conn,
                                            server_hostname=self.host,
                                            session=session)
        return conn, size


def protected_client(srv, user="alice", version=None, ctx=None, port=None,
                     cls=ReusingFTP_TLS):
    """Logged in with PROT P; data connections resume the control session.
    version pins the TLS version (ssl.TLSVersion)."""
    ctx = ctx or client_context()
    if version is not None:
        ctx.minimum_version = ctx.maximum_version = version
    f = cls(context=ctx, timeout=20)
    f.connect("127.0.0.1", port or srv.port)
    f.auth()
    f.login(user, USERS[user])
    f.prot_p()
    return f


def trusted_dir(name):
    """A directory for a SecurePassPhraseProvider program or file: every
    directory up to / owned by root and writable by nobody else (issue
    13), so under the build directory, never under the run directory in
    /tmp."""
    base = os.path.join(ROOT, "build")
    if not _trusted_chain(base):
        # A checkout under /tmp, say: a root-owned place of its own.
        base = "/var/lib/mod_secftp-tests"
    d = os.path.join(base, "trusted", name)
    os.makedirs(d, mode=0o755, exist_ok=True)
    os.chmod(os.path.join(base, "trusted"), 0o755)
    os.chmod(d, 0o755)
    return d


def _trusted_chain(path):
    """TRUE when every existing directory from path up to / is owned by
    root and writable by nobody else."""
    path = os.path.abspath(path)
    while True:
        if os.path.exists(path):
            st = os.stat(path)
            if st.st_uid != 0 or st.st_mode & 0o022:
                return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def put_file(srv, user, name, data):
    """Writes a file into user's home, owned by the account."""
    path = os.path.join(srv.home(user), name)
    with open(path, "wb") as fh:
        fh.write(data)
    os.chown(path, NOBODY_UID, NOBODY_GID)
    return path


def ftps(server, user=None, password=None, port=None, context=None,
         timeout=10):
    """An FTP_TLS client after AUTH TLS (and login, if user is given)."""
    f = ReusingFTP_TLS(context=context or client_context(), timeout=timeout)
    f.connect("127.0.0.1", port or server.port)
    f.auth()
    if user:
        f.login(user, password or USERS[user])
    return f


class Raw:
    """A raw control connection: send any bytes, read replies, start TLS."""

    def __init__(self, port, timeout=10, implicit_ctx=None):
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=timeout)
        if implicit_ctx is not None:
            self.sock = implicit_ctx.wrap_socket(
                self.sock, server_hostname="localhost")
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def _line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError("connection closed; buffered %r" % self.buf)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode(errors="replace")

    def reply(self):
        """One whole reply: (code, text of all lines)."""
        first = self._line()
        lines = [first]
        if len(first) > 3 and first[3] == "-":
            code = first[:3]
            while True:
                line = self._line()
                lines.append(line)
                if line.startswith(code + " "):
                    break
        return int(first[:3]), "\n".join(lines)

    def starttls(self, ctx=None):
        check(self.buf == b"", "unexpected bytes before TLS: %r" % self.buf)
        self.sock = (ctx or client_context()).wrap_socket(
            self.sock, server_hostname="localhost")

    def closed(self, timeout=5):
        """True when the server closes the connection within timeout."""
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(4096)
                if not data:
                    return True
        except (ConnectionError, ssl.SSLError):
            return True
        except socket.timeout:
            return False
        except OSError:
            return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def run(argv, timeout=30, **kw):
    """Runs a client program, bounded in time; returns CompletedProcess.
    proftpd itself (proftpd -t) gets the sanitizer runtime, as Server
    does, when the module under test needs it."""
    if (argv and os.path.basename(argv[0]) == "proftpd" and
            os.environ.get("SECFTP_PRELOAD") and "env" not in kw):
        kw["env"] = dict(os.environ, LD_PRELOAD=os.environ["SECFTP_PRELOAD"])
    try:
        return subprocess.run(argv, capture_output=True, text=True,
                              timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        raise TestFailure("%s timed out after %ds: %s" % (
            argv[0], timeout, (e.stderr or b"")[-2000:]))


def curl(*args, timeout=30):
    return run(["curl", "-sS", "--max-time", str(timeout - 2)] + list(args),
               timeout=timeout)


def lftp(server, commands, user="alice", port=None, extra_settings="",
         timeout=30):
    """Runs lftp with certificate verification against the test CA."""
    script = ("set ftp:ssl-force true; set ftp:ssl-protect-data true; "
              "set ssl:ca-file %s; set ssl:verify-certificate true; "
              "set net:max-retries 1; set net:timeout 10; %s "
              "open -u %s,%s ftp://localhost:%d; %s; bye") % (
                  cert("ca.crt"), extra_settings, user, USERS[user],
                  port or server.port, commands)
    return run(["lftp", "-c", script], timeout=timeout,
               env=dict(os.environ, HOME=run_dir()))


def cleanup():
    """Removes the run directory unless SECFTP_KEEP is set."""
    if _run_dir and not os.environ.get("SECFTP_KEEP") \
            and not os.environ.get("SECFTP_TEST_TMP"):
        shutil.rmtree(_run_dir, ignore_errors=True)
