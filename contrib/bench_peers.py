"""The field for contrib/bench.py: Debian's Pure-FTPd and vsftpd.

Both packages conflict with proftpd-core, so they are never installed:
`apt-get download` fetches the .deb files and `dpkg-deb -x` unpacks them
into build/bench-field/ of the source tree.  The daemons run there, in
the foreground, on loopback high ports, with the configurations written
below and the benchmark's throwaway certificate; they are never started
as services.

Each peer keeps its own TLS defaults: the configurations name only the
certificate, the ports, the account and what a benchmark needs (no
connection limits below the 64 concurrent sessions, no DNS look-ups).
"""

import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FIELD = os.path.join(ROOT, "build", "bench-field")
UNPACKED = os.path.join(FIELD, "root")
# libwrap0 is vsftpd's one library that a ProFTPD machine lacks.
PACKAGES = ("pure-ftpd", "vsftpd", "libwrap0")


def unpack():
    """Downloads and unpacks the peers' packages once; returns the root
    of the unpacked tree."""
    stamp = os.path.join(FIELD, "unpacked")
    if os.path.exists(stamp):
        return UNPACKED
    os.makedirs(FIELD, exist_ok=True)
    debs = os.path.join(FIELD, "debs")
    os.makedirs(debs, exist_ok=True)
    subprocess.run(["apt-get", "download", "-q"] + list(PACKAGES), cwd=debs,
                   check=True, capture_output=True, timeout=300)
    for name in sorted(os.listdir(debs)):
        if name.endswith(".deb"):
            subprocess.run(["dpkg-deb", "-x", os.path.join(debs, name),
                            UNPACKED], check=True, timeout=120)
    open(stamp, "w").close()
    return UNPACKED


def versions():
    """'name version' of every unpacked package, for the report."""
    debs = os.path.join(FIELD, "debs")
    out = []
    for name in sorted(os.listdir(debs)):
        if name.endswith(".deb") and not name.startswith("libwrap"):
            out.append(" ".join(name.split("_")[:2]))
    return out


def library_env():
    return {"LD_LIBRARY_PATH": os.path.join(UNPACKED, "usr", "lib",
                                            "x86_64-linux-gnu")}


def pureftpd_command(srv, certs, home, user, password_hash):
    """Pure-FTPd with one virtual user (PureDB) mapped to nobody, TLS
    accepted but not required (-Y 1), like the other servers."""
    passwd = os.path.join(srv.dir, "pureftpd.passwd")
    with open(passwd, "w") as f:
        # account:hash:uid:gid:gecos:home, then 12 empty limit fields.
        f.write("%s:%s:65534:65534::%s/./%s\n" % (user, password_hash,
                                                  home, ":" * 12))
    os.chmod(passwd, 0o600)
    pdb = os.path.join(srv.dir, "pureftpd.pdb")
    subprocess.run([os.path.join(UNPACKED, "usr", "bin", "pure-pw"), "mkdb",
                    pdb, "-f", passwd], check=True, timeout=30,
                   capture_output=True)
    return [os.path.join(UNPACKED, "usr", "sbin", "pure-ftpd"),
            "-S", "127.0.0.1,%d" % srv.port,
            "-p", "%d:%d" % (srv.pasv_lo, srv.pasv_hi),
            "-l", "puredb:" + pdb, "-E", "-A", "-H",
            "-c", "1000", "-C", "1000", "-m", "1000",
            "-Y", "1", "-2", "%s/server.crt,%s/server.key" % (certs, certs)]


VSFTPD_CONF = """\
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port={port}
background=NO
pasv_min_port={pasv_lo}
pasv_max_port={pasv_hi}
max_clients=300
max_per_ip=300
anonymous_enable=YES
no_anon_password=YES
ftp_username=daemon
anon_root={home}
local_enable=NO
write_enable=YES
anon_upload_enable=YES
anon_other_write_enable=YES
secure_chroot_dir={empty}
xferlog_enable=NO
vsftpd_log_file={dir}/vsftpd.log
ssl_enable=YES
allow_anon_ssl=YES
rsa_cert_file={certs}/server.crt
rsa_private_key_file={certs}/server.key
"""


def vsftpd_command(srv, certs, home):
    """vsftpd with anonymous access to the same tree.  Its local users
    need PAM configuration in /etc, which a benchmark must not touch, so
    vsftpd skips the crypt(3) password check that the other servers do
    (doc/benchmarks.md gives the cost of that check).  The anonymous
    account is daemon, not nobody: vsftpd changes into the account's home
    before its chroot, and nobody's home does not exist."""
    empty = os.path.join(srv.dir, "empty")
    os.makedirs(empty, mode=0o755, exist_ok=True)
    conf = os.path.join(srv.dir, "vsftpd.conf")
    with open(conf, "w") as f:
        f.write(VSFTPD_CONF.format(port=srv.port, pasv_lo=srv.pasv_lo,
                                   pasv_hi=srv.pasv_hi, home=home,
                                   empty=empty, dir=srv.dir, certs=certs))
    return [os.path.join(UNPACKED, "usr", "sbin", "vsftpd"), conf]
