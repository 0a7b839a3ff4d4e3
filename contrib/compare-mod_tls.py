#!/usr/bin/env python3
"""Sends the same control-channel inputs to mod_secftp and to Debian's
mod_tls (proftpd-mod-crypto) and prints their replies side by side, as a
Markdown table.

  contrib/compare-mod_tls.py > doc/compare-mod_tls.md

Both run in the same Debian proftpd, one at a time, on loopback ports,
through the integration-test harness (t/regress/harness.py): build
mod_secftp.so first (make).  Only the first line of each reply is shown.
"""

import os
import ssl
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "t", "regress"))

import harness  # noqa: E402
from harness import Raw, Server, USERS, client_context  # noqa: E402

SECFTP = {
    "base": "SecureCtrlConn clear\n",
    "required": "SecureCtrlConn clear\nSecureFTP required\n",
}

MOD_TLS_BASE = """\
TLSEngine on
TLSRSACertificateFile {certs}/server.crt
TLSRSACertificateKeyFile {certs}/server.key
TLSProtocol TLSv1.2 TLSv1.3
TLSOptions NoSessionReuseRequired
TLSLog {dir}/tls.log
"""
MOD_TLS = {
    "base": MOD_TLS_BASE,
    "required": MOD_TLS_BASE + "TLSRequired on\n",
}

LOGIN = ["USER alice", "PASS " + USERS["alice"]]

# (title, configuration, steps).  "TLS" starts the handshake after a 234;
# "UNWRAP" exchanges close_notify after a CCC/REIN 200/220.
SCENARIOS = [
    ("Before AUTH", "base",
     ["FEAT", "PBSZ 0", "PROT P", "CCC", "AUTH", "AUTH GSSAPI",
      "AUTH KERBEROS_V4"]),
    ("AUTH TLS, then protection commands", "base",
     ["AUTH TLS", "TLS", "PROT P", "PBSZ abc", "PBSZ 4294967296",
      "PBSZ 1024", "PROT S", "PROT E", "PROT X", "PROT", "PROT p",
      "PROT C", "AUTH TLS", "CCC"]),
    ("CCC after login", "base",
     ["AUTH TLS", "TLS"] + LOGIN + ["PBSZ 0", "PROT P", "CCC", "UNWRAP",
                                    "PWD", "PBSZ 0", "PROT C", "AUTH TLS"]),
    ("REIN after login", "base",
     ["AUTH TLS", "TLS"] + LOGIN + ["REIN", "UNWRAP", "PWD", "USER bob"]),
    ("AUTH after a clear login", "base",
     LOGIN + ["AUTH TLS", "TLS", "PWD"]),
    ("Protection required (SecureFTP required / TLSRequired on)",
     "required",
     ["SYST", "USER alice", "PASS " + USERS["alice"], "LIST", "AUTH TLS",
      "TLS"] + LOGIN),
    ("Another protocol's command", "base", ["GET / HTTP/1.1"]),
]


def play(srv, steps):
    """Runs the steps; returns one reply (first line) per step."""
    replies = []
    c = Raw(srv.port, timeout=5)
    try:
        c.reply()
        for step in steps:
            try:
                if step == "TLS":
                    c.starttls(client_context())
                    replies.append("(handshake: %s)" % c.sock.version())
                elif step == "UNWRAP":
                    c.sock = c.sock.unwrap()
                    replies.append("(close_notify exchanged)")
                else:
                    code, text = c.cmd(step)
                    replies.append(text.split("\n")[0])
            except (EOFError, ConnectionError, ssl.SSLError, OSError) as e:
                replies.append("(connection closed: %s)" % type(e).__name__)
                replies.extend(["-"] * (len(steps) - len(replies)))
                break
    finally:
        c.close()
    return replies


def run_all(make_server):
    results = {}
    for conf in ("base", "required"):
        srv = make_server(conf)
        with srv:
            for title, which, steps in SCENARIOS:
                if which == conf:
                    results[title] = play(srv, steps)
    return results


def cell(text):
    return text.replace("|", "\\|") if text else ""


def main():
    ours = run_all(lambda conf: Server("cmp-secftp-" + conf,
                                       conf=SECFTP[conf]))
    theirs = run_all(lambda conf: Server("cmp-mod_tls-" + conf,
                                         conf=MOD_TLS[conf], secure=False,
                                         modules=["mod_tls.c"]))
    print("# Control-channel replies: mod_secftp and mod_tls\n")
    print("Produced by `contrib/compare-mod_tls.py` (same ProFTPD, same "
          "inputs, first reply line only).\nmod_secftp runs with "
          "`SecureCtrlConn clear`; mod_tls with its defaults plus "
          "`TLSOptions NoSessionReuseRequired`.\n")
    for title, _, steps in SCENARIOS:
        print("## %s\n" % title)
        print("| Input | mod_secftp | mod_tls |")
        print("|---|---|---|")
        for step, a, b in zip(steps, ours[title], theirs[title]):
            shown = "PASS (password)" if step.startswith("PASS ") else step
            print("| `%s` | %s | %s |" % (cell(shown), cell(a), cell(b)))
        print()
    harness.cleanup()


if __name__ == "__main__":
    main()
