"""The RPM spec parses (rpmspec) and builds the module with prxs
(rpmbuild --nodeps: Debian has no proftpd-devel RPM, its prxs stands in),
and the package holds what the spec promises.  The Debian package and the
static build are t/run-tests stages (contrib/dist/build-deb.sh --test,
contrib/static-build.sh)."""

import os
import shutil
import subprocess
import tarfile
import tempfile

from harness import ROOT, check, check_eq, run, test

SPEC = os.path.join(ROOT, "contrib", "dist", "rpm", "proftpd-mod-secftp.spec")


def tracked_files():
    out = subprocess.run(["git", "ls-files", "--cached", "--others",
                          "--exclude-standard"], cwd=ROOT, timeout=30,
                         capture_output=True, text=True, check=True)
    return [f for f in out.stdout.splitlines()
            if os.path.isfile(os.path.join(ROOT, f))]


@test
def rpm_spec_builds_with_prxs():
    check(shutil.which("rpmbuild") is not None, "rpmbuild not installed "
          "(apt-get install rpm)")
    parsed = run(["rpmspec", "-P", SPEC], timeout=60).stdout
    check("prxs -c -I lib mod_secftp.c lib/secftp/*.c" in parsed,
          "spec does not build with prxs")
    version = run(["rpmspec", "-q", "--qf", "%{VERSION}\n", SPEC],
                  timeout=60).stdout.split()[0]
    top = tempfile.mkdtemp(prefix="secftp-rpm-")
    try:
        os.makedirs(os.path.join(top, "SOURCES"))
        tarball = os.path.join(top, "SOURCES",
                               "mod_secftp-%s.tar.gz" % version)
        with tarfile.open(tarball, "w:gz") as tar:
            for f in tracked_files():
                tar.add(os.path.join(ROOT, f),
                        arcname="mod_secftp-%s/%s" % (version, f))
        proc = subprocess.run(
            ["rpmbuild", "--nodeps", "--define", "_topdir " + top, "-bb",
             SPEC], capture_output=True, text=True, timeout=300)
        check_eq(proc.returncode, 0, "rpmbuild exit status; output:\n%s" %
                 (proc.stdout + proc.stderr)[-3000:])
        rpms = [os.path.join(d, f) for d, _, files in
                os.walk(os.path.join(top, "RPMS")) for f in files
                if f.endswith(".rpm") and "debug" not in f]
        check_eq(len(rpms), 1, "binary RPMs: %r" % rpms)
        files = subprocess.run(["rpm", "-qlp", rpms[0]], capture_output=True,
                               text=True, timeout=60).stdout.split()
        for want in ("/usr/libexec/proftpd/mod_secftp.so",
                     "/usr/share/proftpd-mod-secftp/secftp.conf",
                     "/usr/share/proftpd-mod-secftp/migrate-zos.py",
                     "/usr/share/proftpd-mod-secftp/migrate-mod_tls.py"):
            check(want in files, "RPM lacks %s: %r" % (want, files))
        check(any(f.endswith("/mod_secftp.html") for f in files),
              "RPM lacks the manual")
        for doc in sorted(os.listdir(os.path.join(ROOT, "doc"))):
            if doc.endswith(".md"):
                check(any(f.endswith("/" + doc) for f in files),
                      "RPM lacks doc/%s" % doc)
        check("/etc/proftpd/conf.d/secftp.conf" in files,
              "RPM lacks conf.d/secftp.conf: %r" % files)
        configs = subprocess.run(["rpm", "-qpc", rpms[0]],
                                 capture_output=True, text=True,
                                 timeout=60).stdout.split()
        check("/etc/proftpd/conf.d/secftp.conf" in configs,
              "conf.d/secftp.conf is not %%config: %r" % configs)
        deps = subprocess.run(["rpm", "-qpR", rpms[0]], capture_output=True,
                              text=True, timeout=60).stdout
        check("proftpd" in deps, "RPM does not require proftpd: %s" % deps)
    finally:
        shutil.rmtree(top, ignore_errors=True)
