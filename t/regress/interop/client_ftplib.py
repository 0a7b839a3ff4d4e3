#!/usr/bin/env python3
"""Runs an interop plan (t/regress/interop.py) with Python's ftplib.

  client_ftplib.py plan.json            FTP_TLS whose data connections
                                        resume the control session, and
                                        whose 2nd control connection
                                        resumes the 1st one's session
  client_ftplib.py plan.json --stock    ftplib.FTP_TLS as shipped
"""

import ftplib
import json
import ssl
import sys

from harness import ReusingFTP_TLS


class SessionCachingFTP(ReusingFTP_TLS):
    """Offers a previous control connection's session on AUTH TLS."""

    cached = None

    def auth(self):
        resp = self.voidcmd("AUTH TLS")
        self.sock = self.context.wrap_socket(
            self.sock, server_hostname=self.host, session=self.cached)
        self.file = self.sock.makefile(mode="r", encoding=self.encoding)
        return resp


def main():
    plan = json.load(open(sys.argv[1]))
    stock = "--stock" in sys.argv[2:]
    ctx = ssl.create_default_context(cafile=plan["ca"])
    cached = None
    for s in plan["sessions"]:
        f = (ftplib.FTP_TLS if stock else SessionCachingFTP)(
            context=ctx, timeout=plan["timeout"])
        f.cached = cached
        f.connect(plan["host"], plan["port"])
        f.auth()
        f.login(s["user"], s["password"])
        f.prot_p()
        if plan["ccc"]:
            f.ccc()
        for op, local, remote in s["ops"]:
            if op == "get":
                with open(local, "wb") as out:
                    f.retrbinary("RETR " + remote, out.write)
            else:
                with open(local, "rb") as src:
                    f.storbinary("STOR " + remote, src)
        cached = getattr(f.sock, "session", None) or \
            getattr(f, "_ctrl_session", None)
        f.quit()


if __name__ == "__main__":
    main()
