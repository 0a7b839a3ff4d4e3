"""Issue 13: SecurePassPhraseProvider runs as root, so every directory up
to / must be owned by root and writable by nobody else (no symbolic
link on the way); the program is opened once and run from that
descriptor, with a minimal environment, no inherited descriptor above 2
and a bounded run time.  Every refusal names the reason.
"""

import os
import shutil
import subprocess

import harness
from harness import Server, cert, check, test

PASSPHRASE = "provider-pass-13"


def trusted_base(name):
    d = harness.trusted_dir("keys-" + name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d, mode=0o755)
    os.chmod(d, 0o755)
    return d


def encrypted_key(srv):
    enc = os.path.join(srv.dir, "server.enc.key")
    subprocess.run(["openssl", "pkey", "-in", cert("server.key"), "-aes256",
                    "-passout", "pass:" + PASSPHRASE, "-out", enc],
                   check=True, timeout=60)
    return enc


def program(d, body, name="provider.sh"):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, 0o700)
    return path


def server(name, provider):
    srv = Server(name, secure=False)
    with open(srv.conf_path, "a") as f:
        f.write("SecureEngine on\nSecureFTPLog %s/secftp.log\n"
                "SecurePassPhraseProvider %s\nSecureCertificate %s %s\n"
                % (srv.dir, provider, cert("server.crt"), encrypted_key(srv)))
    return srv


def refused(name, provider, *needles):
    out = server(name, provider).start_expecting_failure()
    for needle in needles:
        check(needle in out, "%s: startup message lacks %r: %s"
              % (name, needle, out[-800:]))


@test
def provider_directories_must_be_trusted():
    base = trusted_base("dirs")
    ok = program(base, "printf '%%s\\n' '%s'\n" % PASSPHRASE)
    # group- and other-writable directories on the way
    for mode, why in ((0o775, "is writable by its group"),
                      (0o757, "is writable by others")):
        d = os.path.join(base, "w%o" % mode)
        os.makedirs(d)
        os.chmod(d, mode)
        refused("prov_dir_%o" % mode, program(d, "echo x\n"), d, why)
    # not owned by root
    d = os.path.join(base, "nobody")
    os.makedirs(d)
    os.chown(d, harness.NOBODY_UID, harness.NOBODY_GID)
    refused("prov_owner", program(d, "echo x\n"), d, "is not owned by root")
    # a symbolic link on the way that root did not make, and under /tmp
    # (world-writable)
    link = os.path.join(base, "link")
    os.symlink(base, link)
    os.lchown(link, harness.NOBODY_UID, harness.NOBODY_GID)
    refused("prov_link", os.path.join(link, "provider.sh"), link,
            "a symbolic link not owned by root")
    tmp = harness.run_dir()
    refused("prov_tmp", program(os.path.join(tmp), "echo x\n",
                                name="tmp-provider.sh"), "is writable by")
    # the trusted one works, also through a link root made (as Debian's
    # /bin -> usr/bin)
    with server("prov_ok", ok):
        pass
    rootlink = os.path.join(base, "rootlink")
    os.symlink(".", rootlink)
    with server("prov_rootlink", os.path.join(rootlink, "provider.sh")):
        pass


@test
def provider_runs_with_nothing_inherited():
    base = trusted_base("env")
    out = os.path.join(harness.run_dir(), "provider-env.txt")
    prog = program(base, "env > %s.env\nfor f in /proc/$$/fd/*; do "
                   "readlink $f; done > %s.fd\nprintf '%%s\\n' '%s'\n"
                   % (out, out, PASSPHRASE))
    os.environ["SECFTP_CANARY_13"] = "leaked"
    try:
        with server("prov_env", prog):
            pass
    finally:
        del os.environ["SECFTP_CANARY_13"]
    env = open(out + ".env").read().split("\n")
    names = sorted(set(l.split("=", 1)[0] for l in env if "=" in l))
    check(not set(names) - {"PATH", "PWD"}, "provider environment: %r"
          % names)
    fds = [l for l in open(out + ".fd").read().split("\n") if l]
    # 0-2 (stdin /dev/null, stdout, the daemon's stderr), the script and
    # the shell's own copies; never a socket or one of the daemon's logs
    check(not any(l.startswith("socket:") or
                  l.endswith(("secftp.log", "proftpd.log", "trace.log",
                              "xfer.log", "proftpd.pid")) for l in fds),
          "descriptors inherited: %r" % fds)


@test
def provider_run_time_is_bounded():
    base = trusted_base("slow")
    prog = program(base, "printf '%%s\\n' '%s'\nexec sleep 300\n"
                   % PASSPHRASE)
    refused("prov_slow", prog, "killed")
