"""Real FTPS clients against mod_secftp and against Debian's mod_tls.

One implementation of the client x scenario matrix, used by the
integration tests (t/regress/test_interop.py) and by the script that
writes doc/interop.md (contrib/interop.py).

A Site is one Debian proftpd on loopback with one TLS module, under its
default configuration, with one port per scenario:

  explicit   AUTH TLS on the default server
  implicit   a <VirtualHost> that speaks TLS at once
  tls12      a <VirtualHost> that allows TLS 1.2 only
  tls13      a <VirtualHost> that allows TLS 1.3 only
  ccc        a <VirtualHost> that accepts CCC (mod_secftp refuses it by
             default: SecureCtrlConn clear; mod_tls accepts it anyway)

The TLS version is pinned by the server, so that every client, whatever
options it has, meets the same handshake.  mod_tls runs with its own
defaults too, which include its session-reuse requirement on data
connections (no "TLSOptions NoSessionReuseRequired").

A Plan is what a client does in a scenario: one or more control sessions,
each a list of transfers (download or upload), all in one run of the
client.  The second session of "reconnect" is a new control connection
that offers the first one's TLS session, where the client can.  A cell
passes when the client exits 0 and every transferred file has the
expected SHA-256.

Each client is driven by its own program: curl, lftp, rclone and wget by
their command line, the others by a small driver in t/regress/interop/
that reads the plan as JSON.  Every run is bounded in time.
"""

import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile

import harness
from harness import USERS

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVERS = os.path.join(HERE, "interop")
NODE_MODULES = os.environ.get(
    "SECFTP_NODE_MODULES",
    os.path.join(harness.ROOT, "build", "node", "node_modules"))

MODULES = ("mod_secftp", "mod_tls")
SCENARIOS = ("explicit", "implicit", "tls12", "tls13", "multi",
             "reconnect", "ccc")
SCENARIO_TITLES = {
    "explicit": "explicit FTPS (AUTH TLS), 1 download",
    "implicit": "implicit FTPS, 1 download",
    "tls12": "TLS 1.2 only (server-pinned), download + upload",
    "tls13": "TLS 1.3 only (server-pinned), download + upload",
    "multi": "4 transfers in one session (2 down, 2 up; 3 down where "
             "the client cannot upload)",
    "reconnect": "2nd control connection offering the 1st one's session, "
                 "then 2 transfers",
    "ccc": "CCC after login, then 3 transfers",
}
RUN_TIMEOUT = 90        # seconds for one client run (one cell)
FILES = {"d1.bin": 70000, "d2.bin": 300000, "d3.bin": 5000}


# ---------------------------------------------------------------- servers

SECFTP_VHOST = """\
  SecureEngine on
  SecureCertificate {certs}/server.crt {certs}/server.key
  SecureFTPLog {dir}/secftp-%s.log
"""
MOD_TLS_TLS = """\
  TLSEngine on
  TLSRSACertificateFile {certs}/server.crt
  TLSRSACertificateKeyFile {certs}/server.key
  TLSLog {dir}/tls-%s.log
"""
# The lines that make each scenario's vhost what it is.
VHOST_LINES = {
    "mod_secftp": {
        "implicit": "  SecureImplicit on\n",
        "tls12": "  SecureProtocol TLSv1.2\n",
        "tls13": "  SecureProtocol TLSv1.3\n",
        "ccc": "  SecureCtrlConn clear\n",
    },
    "mod_tls": {
        "implicit": "  TLSProtocol TLSv1.2 TLSv1.3\n"
                    "  TLSOptions UseImplicitSSL\n",
        "tls12": "  TLSProtocol TLSv1.2\n",
        "tls13": "  TLSProtocol TLSv1.3\n",
        "ccc": "  TLSProtocol TLSv1.2 TLSv1.3\n",
    },
}
VHOST_SCENARIOS = ("implicit", "tls12", "tls13", "ccc")


class Site:
    """One proftpd with one TLS module (mod_secftp or mod_tls), with the
    test files in alice's and bob's homes."""

    def __init__(self, module):
        self.module = module
        extra = harness.allocate_ports(16)
        ports = dict(zip(VHOST_SCENARIOS, range(extra, extra + 4)))
        base = SECFTP_VHOST if module == "mod_secftp" else MOD_TLS_TLS
        vhosts = "".join(
            harness.vhost(ports[s], (base % s) + VHOST_LINES[module][s])
            for s in VHOST_SCENARIOS)
        if module == "mod_secftp":
            self.server = harness.Server("interop-secftp", vhosts=vhosts)
        else:
            self.server = harness.Server(
                "interop-mod_tls", secure=False, modules=["mod_tls.c"],
                conf=(MOD_TLS_TLS % "explicit") +
                "TLSProtocol TLSv1.2 TLSv1.3\n", vhosts=vhosts)
        self.ports = dict(ports, explicit=self.server.port,
                          multi=self.server.port,
                          reconnect=self.server.port)
        rnd = random.Random(module)
        self.digests = {}
        for name, size in FILES.items():
            data = bytes(rnd.getrandbits(8) for _ in range(size))
            self.digests[name] = hashlib.sha256(data).hexdigest()
            for user in USERS:
                harness.put_file(self.server, user, name, data)

    def control_resumptions(self):
        """How many control connections resumed a session so far, where
        the module logs it (mod_tls), else None."""
        if self.module != "mod_tls":
            return None
        return sum(self.server.log(name).count(
            "reused previous TLS session for control connection")
            for name in os.listdir(self.server.dir)
            if name.startswith("tls-") and name.endswith(".log"))

    def refusals(self):
        """How many data connections the module refused so far for not
        resuming (from its own log)."""
        pattern = (r"refused \(522, SecureSessionReuse" if self.module ==
                   "mod_secftp" else r"did not reuse TLS session, rejecting")
        return sum(len(re.findall(pattern, self.server.log(name)))
                   for name in os.listdir(self.server.dir)
                   if name.endswith(".log"))

    def handshakes_after_ccc(self):
        """(resumed, full) data-connection handshakes after CCC so far,
        where the module logs them (mod_tls: each one a "renegotiation
        accepted" line, as the control connection has no TLS left), else
        None."""
        if self.module != "mod_tls":
            return None
        accepted = re.findall(r"renegotiation accepted.*",
                              self.server.log("tls-ccc.log"))
        resumed = sum("resumed session" in line for line in accepted)
        return resumed, len(accepted) - resumed

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, *exc):
        self.server.stop()
        return False


# ------------------------------------------------------------------ plans

class Plan:
    """What one client does in one scenario on one site."""

    def __init__(self, site, scenario, workdir, sessions):
        self.site = site
        self.scenario = scenario
        self.workdir = workdir
        self.port = site.ports[scenario]
        self.implicit = scenario == "implicit"
        self.ccc = scenario == "ccc"
        self.sessions = sessions    # [(user, [(op, local, remote), ...])]
        self.uploads = {}           # (user, name on the server) -> sha256

    def transfers(self):
        for user, ops in self.sessions:
            for op in ops:
                yield user, op

    def as_json(self):
        return {
            "host": "localhost", "port": self.port,
            "implicit": self.implicit, "ccc": self.ccc,
            "ca": harness.cert("ca.crt"), "timeout": 20,
            "sessions": [{"user": u, "password": USERS[u],
                          "ops": [list(op) for op in ops]}
                         for u, ops in self.sessions]}


def make_plan(site, scenario, workdir, client):
    """The sessions of a scenario; local files under workdir (downloads
    in s<N>/, uploads from up/, named as on the server)."""
    tag = "%s-%s" % (client.name, scenario)
    up = os.path.join(workdir, "up")
    os.makedirs(up, exist_ok=True)
    counter = [0]

    def get(session, name):
        d = os.path.join(workdir, "s%d" % session)
        os.makedirs(d, exist_ok=True)
        return ("get", os.path.join(d, name), name)

    def put(session):
        if not client.uploads:
            counter[0] += 1
            return get(session, ("d1.bin", "d2.bin", "d3.bin")[
                counter[0] % 3])
        counter[0] += 1
        name = "up-%s-%d.bin" % (tag, counter[0])
        data = os.urandom(40000 + 1000 * counter[0])
        with open(os.path.join(up, name), "wb") as f:
            f.write(data)
        return ("put", os.path.join(up, name), name)

    if scenario in ("explicit", "implicit"):
        sessions = [("alice", [get(1, "d1.bin")])]
    elif scenario in ("tls12", "tls13"):
        sessions = [("alice", [get(1, "d1.bin"), put(1)])]
    elif scenario == "multi":
        sessions = [("alice", [get(1, "d1.bin"), get(1, "d2.bin"),
                               put(1), put(1)])]
    elif scenario == "reconnect":
        sessions = [("alice", [get(1, "d1.bin")]),
                    ("bob", [get(2, "d2.bin"), put(2)])]
    else:
        sessions = [("alice", [get(1, "d1.bin"), get(1, "d2.bin"),
                               put(1)])]
    plan = Plan(site, scenario, workdir, sessions)
    for user, (op, local, remote) in plan.transfers():
        if op == "put":
            with open(local, "rb") as f:
                plan.uploads[(user, remote)] = \
                    hashlib.sha256(f.read()).hexdigest()
    return plan


def sha256_of(path):
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


def first_bad_transfer(plan):
    """(index from 1, description) of the first transfer whose file is
    missing or differs, or None when all are right."""
    for i, (user, (op, local, remote)) in enumerate(plan.transfers(), 1):
        if op == "get":
            ok = sha256_of(local) == plan.site.digests[remote]
        else:
            ok = sha256_of(os.path.join(plan.site.server.home(user),
                                        remote)) == plan.uploads[
                                            (user, remote)]
        if not ok:
            return i, "%s %s" % ("download" if op == "get" else "upload",
                                 remote)
    return None


# ---------------------------------------------------------------- results

class Cell:
    """One result: status is "pass", "fail" or "n/a"; reason says why."""

    def __init__(self, status, reason=""):
        self.status = status
        self.reason = reason
        self.unchecked = False  # passed without any session reuse

    def __repr__(self):
        return "%s%s" % (self.status, ": " + self.reason if self.reason
                         else "")


# How each module refuses a data connection that does not resume: the
# reply as the client shows it (some clients print the text alone).
REFUSALS = (
    ("522", r"\b522[ -]|\(SecureSessionReuse\)"),
    ("425 (mod_tls: session not reused)",
     r"Unable to build data connection: Operation not permitted"),
)


def refusal(output):
    for name, pattern in REFUSALS:
        if re.search(pattern, output):
            return name
    return None


ERROR_LINE = re.compile(r"curl: \(\d+\)|Fatal error|error[:_ ]|Error|"
                        r"Exception|failed|refused|denied|timed out|"
                        r"^\W*[45]\d\d [A-Z]")


def first_error_line(output):
    """The client's first complaint (later ones often follow from it)."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    for ln in lines:
        if ERROR_LINE.search(ln):
            return ln[:120]
    return lines[-1][:120] if lines else "(no output)"


def judge(plan, rc, output, refused=0):
    """The cell for a finished run; refused: how many data connections
    the server refused meanwhile for not resuming (some clients do not
    show the reply)."""
    bad = first_bad_transfer(plan)
    if bad is None and rc == 0:
        return Cell("pass")
    if bad is None:
        return Cell("fail", "exit %s after all transfers: %s" % (
            rc, first_error_line(output)))
    index, what = bad
    why = refusal(output) or (refused and "%s (in the server's log)" % (
        REFUSALS[0][0] if plan.site.module == "mod_secftp" else
        REFUSALS[1][0]))
    if why:
        return Cell("fail", "%s on transfer %d (%s)" % (why, index, what))
    return Cell("fail", "transfer %d (%s) failed: %s" % (
        index, what, first_error_line(output)))


def run_program(argv, env=None, cwd=None):
    """(exit status, stdout+stderr) of a client run, bounded in time."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True,
                           timeout=RUN_TIMEOUT, env=env, cwd=cwd,
                           errors="replace")
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        out = e.stdout or b""
        out = out.decode(errors="replace") if isinstance(out, bytes) else out
        return "timeout", out + "\n(timed out after %ds)" % RUN_TIMEOUT


# ---------------------------------------------------------------- clients

class Client:
    """A real FTPS client.  Subclasses say what it supports (na: scenario
    -> why not), how to learn its version and how to run a plan."""

    name = ""
    title = ""
    uploads = True
    never_resumes = False   # every data connection a full handshake
    variant_of = None       # a setting of another row's client
    na = {}

    def version(self):
        """(version, TLS library); raises OSError when missing."""
        raise NotImplementedError

    def argv_and_env(self, plan):
        raise NotImplementedError

    def run(self, plan):
        argv, env = self.argv_and_env(plan)
        return run_program(argv, env=env, cwd=plan.workdir)

    def present(self):
        try:
            self.version()
            return True
        except (OSError, subprocess.SubprocessError, ValueError):
            return False


def output_of(argv, env=None):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                       env=env, errors="replace")
    if p.returncode != 0:
        raise OSError("%s: exit %d: %s" % (argv[0], p.returncode,
                                           (p.stdout + p.stderr)[-300:]))
    return p.stdout + p.stderr


class JsonDriver(Client):
    """A client driven by t/regress/interop/<driver> reading the plan."""

    interpreter = ()
    driver = ""

    def env(self):
        return dict(os.environ)

    def argv_and_env(self, plan):
        path = os.path.join(plan.workdir, "plan.json")
        with open(path, "w") as f:
            json.dump(plan.as_json(), f)
        return (list(self.interpreter) +
                [os.path.join(DRIVERS, self.driver), path], self.env())


class Curl(Client):
    name = "curl"
    title = "curl"
    na = {}
    ccc_mode = "passive"    # curl's default for --ftp-ssl-ccc

    def version(self):
        first = output_of(["curl", "--version"]).splitlines()[0].split()
        return first[1], next((w for w in first if "SSL" in w or
                               "TLS" in w), "?")

    def argv_and_env(self, plan):
        # One run: every transfer a URL, separated by --next; curl keeps
        # the control connection of the same user, and its TLS session
        # cache, across them.
        argv = ["curl"]
        for i, (user, (op, local, remote)) in enumerate(plan.transfers()):
            if i:
                argv.append("--next")
            scheme = "ftps" if plan.implicit else "ftp"
            argv += ["-v", "-sS", "--max-time", "30", "--cacert",
                     harness.cert("ca.crt"),
                     "-u", "%s:%s" % (user, USERS[user])]
            if not plan.implicit:
                argv.append("--ssl-reqd")
            if plan.ccc:
                argv += ["--ftp-ssl-ccc", "--ftp-ssl-ccc-mode",
                         self.ccc_mode]
            url = "%s://localhost:%d/%s" % (scheme, plan.port, remote)
            argv += (["-o", local, url] if op == "get" else
                     ["-T", local, url])
        return argv, None


class CurlCccActive(Curl):
    """curl whose CCC sends close_notify itself.  In the default (passive)
    mode curl never completes the TLS shutdown, so OpenSSL marks the
    control session not resumable and the first data connection after CCC
    is a full handshake."""
    name = "curl-ccc-active"
    title = "curl --ftp-ssl-ccc-mode active"
    ccc_mode = "active"
    variant_of = "curl"
    na = {s: "as curl (the option changes CCC only)"
          for s in ("explicit", "implicit", "tls12", "tls13", "multi",
                    "reconnect")}


class Lftp(Client):
    name = "lftp"
    title = "lftp"

    def version(self):
        out = output_of(["lftp", "--version"])
        ver = re.search(r"Version ([\d.]+)", out).group(1)
        tls = re.search(r"(GnuTLS [\d.]+|OpenSSL [\d.]+\w*)", out)
        return ver, tls.group(1) if tls else "?"

    def argv_and_env(self, plan):
        cmds = ["set ftp:ssl-force true", "set ftp:ssl-protect-data true",
                "set ssl:ca-file %s" % harness.cert("ca.crt"),
                "set ssl:verify-certificate true",
                "set net:max-retries 1", "set net:timeout 20",
                "set cmd:fail-exit true", "set xfer:clobber true",
                "set ftp:ssl-use-ccc %s" % ("true" if plan.ccc else
                                            "false")]
        scheme = "ftps" if plan.implicit else "ftp"
        for n, (user, ops) in enumerate(plan.sessions):
            if n:
                cmds.append("close")
            cmds.append("open -u %s,%s %s://localhost:%d" % (
                user, USERS[user], scheme, plan.port))
            for op, local, remote in ops:
                cmds.append("get %s -o %s" % (remote, local) if op == "get"
                            else "put %s -o %s" % (local, remote))
        cmds.append("bye")
        return (["lftp", "-d", "-c", "; ".join(cmds)],
                dict(os.environ, HOME=plan.workdir))


class Ftplib(JsonDriver):
    name = "python-ftplib"
    title = "Python ftplib (FTP_TLS + data/control session reuse, " \
        "the harness's subclass)"
    interpreter = (sys.executable,)
    driver = "client_ftplib.py"
    na = {"implicit": "ftplib has no implicit FTPS"}

    def version(self):
        import ssl
        return "Python %s" % sys.version.split()[0], ssl.OPENSSL_VERSION

    def env(self):
        return dict(os.environ, PYTHONPATH=HERE)


class FtplibStock(Ftplib):
    name = "python-ftplib-stock"
    title = "Python ftplib (stock FTP_TLS: data connections never resume)"
    interpreter = (sys.executable,)
    never_resumes = True
    na = {"implicit": "ftplib has no implicit FTPS",
          "reconnect": "stock FTP_TLS has no session cache"}

    def argv_and_env(self, plan):
        argv, env = super().argv_and_env(plan)
        return argv + ["--stock"], env


class Php(JsonDriver):
    name = "php-ftp"
    title = "PHP ext/ftp (ftp_ssl_connect)"
    interpreter = ("php",)
    driver = "client.php"
    na = {"implicit": "ext/ftp has no implicit FTPS",
          "reconnect": "ext/ftp makes a new TLS context per connection; "
                       "no session cache",
          "ccc": "ext/ftp has no CCC"}

    def version(self):
        out = output_of(["php", "-r", 'echo PHP_VERSION, "|", '
                         'OPENSSL_VERSION_TEXT;'])
        ver, tls = out.strip().split("|")
        return "PHP " + ver, tls


class Ruby(JsonDriver):
    name = "ruby-net-ftp"
    title = "Ruby net-ftp"
    interpreter = ("ruby",)
    driver = "client.rb"
    na = {"implicit": "net-ftp 0.1.3 has no implicit FTPS",
          "ccc": "net-ftp has no CCC"}

    def version(self):
        out = output_of(["ruby", "-rnet/ftp", "-ropenssl", "-e",
                         'print "ruby #{RUBY_VERSION}, net-ftp '
                         '#{Net::FTP::VERSION}|#{OpenSSL::'
                         'OPENSSL_LIBRARY_VERSION}"'])
        return tuple(out.strip().split("|"))


class Perl(JsonDriver):
    name = "perl-net-ftp"
    title = "Perl Net::FTP + IO::Socket::SSL"
    interpreter = ("perl",)
    driver = "client.pl"
    na = {}

    def version(self):
        out = output_of(["perl", "-MNet::FTP", "-MIO::Socket::SSL",
                         "-MNet::SSLeay", "-e",
                         'print "Net::FTP $Net::FTP::VERSION, IO::Socket::'
                         'SSL $IO::Socket::SSL::VERSION|", '
                         'Net::SSLeay::SSLeay_version(0)'])
        return tuple(out.strip().split("|"))


class PerlSessionKey(Perl):
    name = "perl-net-ftp-key"
    title = "Perl Net::FTP + IO::Socket::SSL, with the control " \
        "connection's session key for every socket"

    def argv_and_env(self, plan):
        argv, env = super().argv_and_env(plan)
        return argv + ["--session-key"], env


class Node(JsonDriver):
    name = "node-basic-ftp"
    title = "Node basic-ftp"
    interpreter = ("node",)
    driver = "client.js"
    na = {"ccc": "basic-ftp has no CCC"}

    def env(self):
        return dict(os.environ, NODE_PATH=NODE_MODULES)

    def version(self):
        out = output_of(["node", "-e",
                         'const p=require("basic-ftp/package.json");'
                         'process.stdout.write("basic-ftp "+p.version+'
                         '", node "+process.version+"|OpenSSL "+'
                         'process.versions.openssl)'], env=self.env())
        return tuple(out.strip().split("|"))


class Rclone(Client):
    name = "rclone"
    title = "rclone (Go)"
    na = {"reconnect": "rclone keeps its TLS session cache in memory for "
                       "one run; its own reconnections happen inside "
                       "the other scenarios",
          "ccc": "rclone's FTP backend has no CCC"}

    def version(self):
        out = output_of(["rclone", "version"])
        ver = re.search(r"rclone (v\S+)", out).group(1)
        go = re.search(r"go/version: (\S+)", out)
        return ver, "Go crypto/tls (%s)" % (go.group(1) if go else "?")

    def remote(self, plan, user):
        obscured = output_of(["rclone", "obscure", USERS[user]]).strip()
        return ":ftp,host=localhost,port=%d,user=%s,pass=%s,%s=true," \
            "no_check_certificate=true:" % (
                plan.port, user, obscured,
                "tls" if plan.implicit else "explicit_tls")

    def run(self, plan):
        # One rclone run per direction per session (rclone copies one
        # way); a run lists, then transfers over its pooled connections.
        out_all = ""
        env = dict(os.environ, RCLONE_CONFIG=os.path.join(plan.workdir,
                                                          "rclone.conf"))
        flags = ["--transfers", "1", "--checkers", "1", "--retries", "1",
                 "--low-level-retries", "1", "--contimeout", "10s",
                 "--timeout", "20s", "-v"]
        for user, ops in plan.sessions:
            remote = self.remote(plan, user)
            for kind in ("get", "put"):
                files = [(loc, rem) for op, loc, rem in ops if op == kind]
                if not files:
                    continue
                listing = os.path.join(plan.workdir, "files-%s-%s" % (
                    user, kind))
                with open(listing, "w") as f:
                    f.write("".join(rem + "\n" for _, rem in files))
                local_dir = os.path.dirname(files[0][0])
                src, dst = ((remote, local_dir) if kind == "get" else
                            (local_dir, remote))
                rc, out = run_program(
                    ["rclone", "copy", src, dst, "--files-from", listing]
                    + flags, env=env, cwd=plan.workdir)
                out_all += out
                if rc != 0:
                    return rc, out_all
        return 0, out_all


class Wget(Client):
    name = "wget"
    title = "wget"
    uploads = False
    na = {"reconnect": "wget keeps no TLS session between control "
                       "connections",
          "ccc": "wget has no CCC (--ftps-clear-data-connection is "
                 "PROT C)"}

    def version(self):
        out = output_of(["wget", "--version"])
        ver = re.search(r"Wget ([\d.]+)", out).group(1)
        tls = re.search(r"\+ssl/(\w+)", out)
        return ver, tls.group(1) if tls else "?"

    def argv_and_env(self, plan):
        # Downloads only; several URLs in one run, data connections
        # resuming the control session (--ftps-resume-ssl, the default).
        user, ops = plan.sessions[0]
        argv = ["wget", "-d", "--tries=1", "--timeout=20",
                "--ca-certificate=%s" % harness.cert("ca.crt"),
                "--user=%s" % user, "--password=%s" % USERS[user],
                "-P", os.path.dirname(ops[0][1])]
        if plan.implicit:
            argv.append("--ftps-implicit")
        argv += ["ftps://localhost:%d/%s" % (plan.port, remote)
                 for _, _, remote in ops]
        return argv, None


CLIENTS = [Curl(), CurlCccActive(), Lftp(), Ftplib(), FtplibStock(), Php(), Ruby(), Perl(),
           PerlSessionKey(), Rclone(), Node(), Wget()]


def client_named(name):
    return next(c for c in CLIENTS if c.name == name)


# ------------------------------------------------------------------- runs

def run_cell(client, site, scenario):
    """Runs one client through one scenario on one site."""
    if scenario in client.na:
        return Cell("n/a", client.na[scenario])
    workdir = tempfile.mkdtemp(prefix="%s-%s-" % (client.name, scenario),
                               dir=site.server.dir)
    os.chmod(workdir, 0o755)
    plan = make_plan(site, scenario, workdir, client)
    before = site.control_resumptions()
    data_before = site.handshakes_after_ccc() if plan.ccc else None
    refused_before = site.refusals()
    rc, output = client.run(plan)
    with open(os.path.join(workdir, "output.log"), "w") as f:
        f.write(output)
    cell = judge(plan, rc, output, site.refusals() - refused_before)
    if cell.status == "pass" and data_before is not None:
        resumed, full = (a - b for a, b in zip(
            site.handshakes_after_ccc(), data_before))
        if full:
            # mod_tls stops checking after CCC: a pass that needed a full
            # handshake on a data connection is one that mod_secftp must
            # refuse (SPEC 6.1), so it does not count.
            cell.unchecked = True
            cell.reason = "%d of %d data connections after CCC were full " \
                "handshakes, which mod_tls accepts there" % (
                    full, full + resumed)
    if scenario == "reconnect" and before is not None:
        # Whether the reconnect really resumed (mod_tls logs it).
        resumed = site.control_resumptions() > before
        cell.reason = "; ".join(filter(None, [cell.reason, (
            "2nd control connection resumed" if resumed else
            "2nd control connection not resumed (full handshake)")]))
    cell.log = os.path.join(workdir, "output.log")
    return cell


def run_client(client, sites, scenarios=SCENARIOS):
    """{(scenario, module): Cell} for one client on each site."""
    return {(scenario, site.module): run_cell(client, site, scenario)
            for site in sites for scenario in scenarios}


def counts_as_pass(cell):
    """A pass that proves the client works under a session-reuse check
    (not one that mod_tls let through without any resumption)."""
    return cell.status == "pass" and not cell.unchecked


def regressions(results):
    """[(scenario, mod_secftp's cell)] where mod_tls passes and mod_secftp
    does not.  results: {(scenario, module): Cell}."""
    return [(s, results[(s, "mod_secftp")]) for s in SCENARIOS
            if (s, "mod_tls") in results and
            counts_as_pass(results[(s, "mod_tls")]) and
            results[(s, "mod_secftp")].status != "pass"]
