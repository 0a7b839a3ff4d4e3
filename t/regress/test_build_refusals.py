"""The compile-time refusals of mod_secftp.h are real: a build against a
ProFTPD older than 1.3.8, a ProFTPD without OpenSSL, or an OpenSSL older
than 3.0 stops with our #error, and nothing else does.

Each case compiles mod_secftp.h against ProFTPD's real headers, seen
through a small wrapper header that changes one fact (#include_next keeps
everything else real).  A control case, with a wrapper that changes
nothing, must compile cleanly: so a refusal cannot come from the wrapper.
"""

import os
import subprocess
import tempfile

from harness import ROOT, check, test

PROFTPD_INC = os.environ.get("PROFTPD_INC", "/usr/include/proftpd")

ERR_PROFTPD = "mod_secftp requires ProFTPD 1.3.8 or later"
ERR_NO_OPENSSL = "mod_secftp requires a ProFTPD built with OpenSSL"
ERR_OPENSSL = "mod_secftp requires OpenSSL 3.0 or later"
ALL_ERRORS = (ERR_PROFTPD, ERR_NO_OPENSSL, ERR_OPENSSL)


def compile_header(conf_after="", opensslv_after=""):
    """Compiles '#include "mod_secftp.h"' with conf.h (ProFTPD) and
    openssl/opensslv.h wrapped; returns (exit status, compiler output)."""
    with tempfile.TemporaryDirectory(prefix="secftp-refusal-") as fake:
        os.makedirs(os.path.join(fake, "openssl"))
        with open(os.path.join(fake, "conf.h"), "w") as f:
            f.write('#include_next "conf.h"\n' + conf_after)
        with open(os.path.join(fake, "openssl", "opensslv.h"), "w") as f:
            f.write("#include_next <openssl/opensslv.h>\n" + opensslv_after)
        argv = ["gcc", "-fsyntax-only", "-std=gnu99", "-DLINUX",
                "-DPR_SHARED_MODULE", "-DHAVE_CONFIG_H",
                "-I", fake, "-I", ROOT, "-I", os.path.join(ROOT, "lib"),
                "-isystem", PROFTPD_INC, "-x", "c", "-"]
        proc = subprocess.run(argv, input='#include "mod_secftp.h"\n',
                              capture_output=True, text=True, timeout=60)
        return proc.returncode, proc.stdout + proc.stderr


def expect_refusal(want, **wrap):
    status, out = compile_header(**wrap)
    check(status != 0, "compiled, but should stop with %r" % want)
    check("#error" in out and want in out,
          "no #error %r in the compiler output:\n%s" % (want, out[-3000:]))
    for other in ALL_ERRORS:
        if other != want:
            check(other not in out, "unexpected #error %r:\n%s" % (
                other, out[-3000:]))


@test
def refusal_control_real_headers_compile():
    status, out = compile_header("/* unchanged */\n", "/* unchanged */\n")
    check(status == 0, "mod_secftp.h does not compile through the "
          "pass-through wrappers:\n%s" % out[-3000:])


@test
def refusal_proftpd_older_than_1_3_8():
    expect_refusal(ERR_PROFTPD, conf_after=(
        "#undef PROFTPD_VERSION_NUMBER\n"
        "#define PROFTPD_VERSION_NUMBER 0x0001030704\n"))


@test
def refusal_proftpd_without_openssl():
    expect_refusal(ERR_NO_OPENSSL, conf_after="#undef PR_USE_OPENSSL\n")


@test
def refusal_openssl_older_than_3():
    expect_refusal(ERR_OPENSSL, opensslv_after=(
        "#undef OPENSSL_VERSION_NUMBER\n"
        "#define OPENSSL_VERSION_NUMBER 0x1010117fL\n"))
