"""Operations: the manual's LogFormat example, used as written, gives
ExtendedLog lines that carry the TLS protocol, the cipher, the PROT level
and the authentication method (the SECFTP_* session notes)."""

import html
import os
import re
import time

from harness import ROOT, Server, check, ftps, test


def manual_logformat():
    """The LogFormat line of the manual's ExtendedLog example."""
    with open(os.path.join(ROOT, "doc", "mod_secftp.html"),
              encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^\s*(LogFormat secftp .*)$", text, re.M)
    check(m is not None, "no 'LogFormat secftp' example in the manual")
    return html.unescape(m.group(1).strip())


@test
def ops_extendedlog_carries_tls_facts():
    conf = "%s\nExtendedLog {dir}/access.log ALL secftp\n" % \
        manual_logformat()
    with Server("ops_extendedlog", conf=conf) as srv:
        f = ftps(srv, "alice")
        f.prot_p()
        data = []
        f.retrbinary("RETR hello.txt", data.append)
        check(b"".join(data) == b"hello from alice\n", "download content")
        version, cipher = f.sock.version(), f.sock.cipher()[0]
        f.quit()
        path = os.path.join(srv.dir, "access.log")
        deadline, lines = time.time() + 5, []
        while time.time() < deadline:
            if os.path.exists(path):
                with open(path) as log:
                    lines = [ln for ln in log if '"RETR hello.txt"' in ln]
                if lines:
                    break
            time.sleep(0.1)
        check(lines, "no RETR line in the ExtendedLog")
        line = lines[-1]
        for want in (" 226 ", " %s " % version, " %s " % cipher, "prot=P",
                     "auth=password"):
            check(want in line, "ExtendedLog line lacks %r: %r" % (want,
                                                                  line))
