"""The control channel (SPEC 3.1-3.3): CCC, REIN, AUTH after login, STAT,
FEAT, SecureFTP / SecureDataConn before AUTH, implicit FTPS details, with
raw sockets where a stock client cannot send the input, and curl, lftp,
ftplib and openssl s_client where one can."""

import os
import socket
import struct
import time

from harness import (Raw, Server, USERS, cert, check, check_eq, client_context,
                     curl, ftps, implicit_vhost, lftp, test)

CLEAR = "SecureCtrlConn clear\n"

# curl and lftp do not resume the control session on data connections
# after CCC (they drop it with the control TLS), so with the default
# SecureSessionReuse required their data connections get 522.
CLEAR_NO_REUSE = CLEAR + "SecureSessionReuse allowed\n"

IMPLICIT_VHOST = implicit_vhost("  SecureCtrlConn clear\n"
                                "  SecureHandshakeTimeout 2")


def login_tls(srv, user="alice"):
    """A Raw connection after AUTH TLS and login."""
    c = Raw(srv.port)
    check_eq(c.reply()[0], 220, "greeting")
    check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH TLS")
    c.starttls()
    check_eq(c.cmd("USER " + user)[0], 331, "USER")
    check_eq(c.cmd("PASS " + USERS[user])[0], 230, "PASS")
    return c


def plain_socket(tls_sock):
    """The TCP connection under a TLS socket, TLS left without a word."""
    s = socket.socket(fileno=os.dup(tls_sock.fileno()))
    s.settimeout(10)
    tls_sock.close()
    return s


def skip_tls_records(c):
    """Reads and drops whole TLS records at the head of the stream (the
    server's close_notify); returns how many."""
    n = 0
    while True:
        while len(c.buf) < 1:
            c.buf += c.sock.recv(4096)
        if c.buf[0] not in (20, 21, 22, 23):
            return n
        while len(c.buf) < 5:
            c.buf += c.sock.recv(4096)
        length = struct.unpack(">H", c.buf[3:5])[0]
        while len(c.buf) < 5 + length:
            c.buf += c.sock.recv(4096)
        c.buf = c.buf[5 + length:]
        n += 1


def retr_private(c, name):
    """RETR over a PASV data connection protected with TLS that resumes
    the control connection's session."""
    check_eq(c.cmd("TYPE I")[0], 200, "TYPE I")
    code, text = c.cmd("PASV")
    check_eq(code, 227, "PASV")
    nums = text[text.index("(") + 1:text.index(")")].split(",")
    port = int(nums[4]) * 256 + int(nums[5])
    d = socket.create_connection(("127.0.0.1", port), 10)
    c.send("RETR %s\r\n" % name)
    check_eq(c.reply()[0], 150, "RETR")
    d = c.sock.context.wrap_socket(d, server_hostname="localhost",
                                   session=c.sock.session)
    data = b""
    while True:
        chunk = d.recv(65536)
        if not chunk:
            break
        data += chunk
    d.close()
    check_eq(c.reply()[0], 226, "RETR done")
    return data


# CCC

@test
def ccc_refusals():
    with Server("ccc_refusals") as srv:
        with Raw(srv.port) as c:
            c.reply()
            code, text = c.cmd("CCC")
            check_eq(code, 533, "CCC on a clear connection, before login")
            check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH")
            c.starttls()
            code, text = c.cmd("CCC")
            check_eq(code, 534, "CCC before login")
            c.cmd("USER alice")
            c.cmd("PASS " + USERS["alice"])
            code, text = c.cmd("CCC")
            check_eq(code, 534, "CCC with SecureCtrlConn private")
            check("SecureCtrlConn" in text, "reply does not name the "
                  "directive: " + text)
            check_eq(c.cmd("NOOP")[0], 200, "still protected, still usable")
        check(srv.wait_log(r"CCC refused from 127\.0\.0\.1 by policy "
                           r"SecureCtrlConn: 534"),
              "no policy line in SecureFTPLog: " + srv.log())


@test
def ccc_draft_500_rein_502_auth_534():
    conf = CLEAR + "SecureRFCLevel draft\n"
    with Server("draft", conf=conf) as srv:
        with Raw(srv.port) as c:
            c.reply()
            code, text = c.cmd("FEAT")
            check(" CCC" not in text.split("\n"), "FEAT lists CCC at draft")
            check_eq(c.cmd("USER alice")[0], 331, "USER in the clear")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS")
            code, text = c.cmd("AUTH TLS")
            check_eq(code, 534, "AUTH after login at draft")
            check("SecureRFCLevel" in text, "reply names no directive: "
                  + text)
            code, text = c.cmd("CCC")
            check_eq(code, 500, "CCC at draft")
            code, text = c.cmd("REIN")
            check_eq(code, 502, "REIN at draft")
            check_eq(c.cmd("PWD")[0], 257, "still logged in")
        log = srv.log()
        for verb in ("AUTH", "CCC", "REIN"):
            check("%s refused from 127.0.0.1 by policy SecureRFCLevel" % verb
                  in log, "no log line for %s: %s" % (verb, log))


@test
def ccc_ftplib_bidirectional():
    with Server("ccc_ftplib", conf=CLEAR) as srv:
        f = ftps(srv, "alice")
        f.prot_p()
        resp = f.ccc()          # 200, then unwrap(): close_notify both ways
        check(resp.startswith("200"), "CCC: " + resp)
        check(f.sock.version() is None, "control still TLS")
        check_eq(f.pwd(), "/", "PWD in the clear after CCC")
        # Data keeps PROT P; the data connection resumes the old session.
        names = f.nlst()
        check("hello.txt" in names, "listing after CCC: %r" % names)
        for line, want in (("PBSZ 0", "503"), ("PROT C", "503"),
                           ("AUTH TLS", "534")):
            try:
                resp = f.sendcmd(line)
            except Exception as e:  # ftplib raises error_perm on 5xx
                resp = str(e)
            check(resp.startswith(want), "%s after CCC: %s" % (line, resp))
        f.quit()
        check(srv.wait_log("CCC from 127.0.0.1: control connection now "
                           r"clear \(close_notify exchanged\); data "
                           "protection stays PROT P"), srv.log())


@test
def ccc_client_goes_on_in_clear_at_once():
    """A client that sends its next command in the clear right after the
    200, without close_notify: the command must not be lost."""
    with Server("ccc_impatient", conf=CLEAR) as srv:
        c = login_tls(srv)
        c.send("CCC\r\n")
        code, text = c.reply()
        check_eq(code, 200, "CCC")
        c.sock = plain_socket(c.sock)
        c.send("PWD\r\n")
        skipped = skip_tls_records(c)
        check_eq(skipped, 0, "TLS records before the clear reply")
        code, text = c.reply()
        check_eq(code, 257, "first clear command after CCC: " + text)
        check_eq(c.cmd("NOOP")[0], 200, "NOOP in the clear")
        c.close()
        check(srv.wait_log("CCC from 127.0.0.1: control connection now "
                           r"clear \(the client sent no close_notify\)"),
              "the log claims a close_notify exchange: " + srv.log())


@test
def ccc_nonotify_drops_tls_silently():
    conf = CLEAR + "SecureRFCLevel ccc_nonotify\n"
    with Server("ccc_nonotify", conf=conf) as srv:
        c = login_tls(srv)
        code, text = c.cmd("CCC")
        check_eq(code, 200, "CCC")
        c.sock = plain_socket(c.sock)
        c.send("PWD\r\n")
        first = c.sock.recv(1)
        check_eq(first, b"2", "first byte after CCC (no close_notify)")
        c.buf = first
        check_eq(c.reply()[0], 257, "PWD after CCC")
        c.close()
        check(srv.wait_log("without close_notify, SecureRFCLevel "
                           "ccc_nonotify"), srv.log())


@test
def ccc_curl():
    with Server("ccc_curl", conf=CLEAR_NO_REUSE) as srv:
        for mode in ("passive", "active"):
            r = curl("--ssl-reqd", "--ftp-ssl-ccc", "--ftp-ssl-ccc-mode",
                     mode, "--cacert", cert("ca.crt"), "-u",
                     "alice:" + USERS["alice"],
                     "ftp://localhost:%d/hello.txt" % srv.port)
            check_eq(r.returncode, 0, "curl --ftp-ssl-ccc %s exit (%s)" % (
                mode, r.stderr))
            check_eq(r.stdout, "hello from alice\n", "file via curl CCC")
        check(srv.wait_log("CCC from 127.0.0.1"), "no CCC in the log")


@test
def feat_ccc_both_ways():
    with Server("feat_ccc", conf=CLEAR, vhosts=IMPLICIT_VHOST) as srv:
        with Raw(srv.port) as c:
            c.reply()
            check(" CCC" in c.cmd("FEAT")[1].split("\n"),
                  "FEAT lacks CCC with SecureCtrlConn clear")
            c.cmd("AUTH TLS")
            c.starttls()
            c.cmd("USER alice")
            c.cmd("PASS " + USERS["alice"])
            check(" CCC" in c.cmd("FEAT")[1].split("\n"),
                  "FEAT lacks CCC after login")
        with Raw(srv.port2, implicit_ctx=client_context()) as c:
            c.reply()
            check(" CCC" not in c.cmd("FEAT")[1].split("\n"),
                  "FEAT lists CCC on the implicit port")


# REIN and AUTH after login

@test
def rein_rfc4217_logs_out_and_clears():
    conf = "SecureFTP required\n"
    with Server("rein", conf=conf) as srv:
        c = login_tls(srv)
        check_eq(c.cmd("PROT P")[0], 503, "PROT before PBSZ")
        c.cmd("PBSZ 0")
        check_eq(c.cmd("PROT P")[0], 200, "PROT P")
        code, text = c.cmd("REIN")           # read over TLS: sent protected
        check_eq(code, 220, "REIN")
        c.sock = c.sock.unwrap()             # close_notify both ways
        code, text = c.cmd("PWD")
        check_eq(code, 530, "PWD after REIN, clear connection")
        check("SecureFTP" in text, "530 does not name SecureFTP: " + text)
        check_eq(c.cmd("PBSZ 0")[0], 503, "PBSZ after REIN, before AUTH")
        check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH again")
        c.starttls()
        check_eq(c.cmd("LIST")[0], 530, "LIST while logged out")
        code, text = c.cmd("USER bob")
        check_eq(code, 530, "USER of another account")
        check("reconnect" in text, "reason not given: " + text)
        check_eq(c.cmd("PASS x")[0], 503, "PASS without a USER")
        check_eq(c.cmd("USER alice")[0], 331, "USER alice again")
        check_eq(c.cmd("PASS wrong")[0], 530, "wrong password")
        check_eq(c.cmd("PWD")[0], 530, "still logged out")
        check_eq(c.cmd("USER alice")[0], 331, "USER alice again")
        check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS again")
        check_eq(c.cmd("PWD")[0], 257, "PWD after login again")
        check_eq(c.cmd("PROT P")[0], 503, "PBSZ state was reset")
        c.close()
        log = srv.log()
        check("REIN: user alice logged out" in log, log)
        check("login again as alice failed" in log, log)
        check("user alice logged in again" in log, log)


@test
def rein_then_plain_login_when_allowed():
    with Server("rein_plain") as srv:
        c = login_tls(srv)
        check_eq(c.cmd("REIN")[0], 220, "REIN")
        c.sock = c.sock.unwrap()
        check_eq(c.cmd("USER alice")[0], 331, "USER in the clear")
        check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS")
        check_eq(c.cmd("PWD")[0], 257, "PWD")
        c.close()


@test
def auth_after_login_rfc4217_logs_out():
    with Server("auth_relogin") as srv:
        with Raw(srv.port) as c:
            c.reply()
            c.cmd("USER alice")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "clear login")
            c.cmd("TYPE I")
            check_eq(c.cmd("REST 6")[0], 350, "REST")
            check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH after login")
            c.starttls()
            code, text = c.cmd("PWD")
            check_eq(code, 530, "PWD after AUTH, before login again")
            check_eq(c.cmd("USER alice")[0], 331, "USER")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS")
            check_eq(c.cmd("PWD")[0], 257, "PWD")
            check_eq(c.cmd("PBSZ 0")[0], 200, "PBSZ")
            check_eq(c.cmd("PROT P")[0], 200, "PROT P")
            # The REST offset did not survive: the whole file comes back.
            check_eq(retr_private(c, "hello.txt"), b"hello from alice\n",
                     "RETR after login again")
        check("AUTH after login: user alice logged out" in srv.log(),
              srv.log())


# SecureFTP required / SecureDataConn private before AUTH

def _pre_auth(name, conf, directive):
    with Server(name, conf=conf) as srv:
        with Raw(srv.port) as c:
            c.reply()
            for line in ("USER alice", "PASS " + USERS["alice"], "LIST",
                         "PWD", "REIN"):
                code, text = c.cmd(line)
                check_eq(code, 530, line + " before AUTH")
                check(directive in text, "%s: reply does not name %s: %s" % (
                    line, directive, text))
            for line, want in (("SYST", 215), ("NOOP", 200), ("FEAT", 211),
                               ("HELP", 214), ("CLNT test", 200),
                               ("PBSZ 0", 503), ("PROT P", 503),
                               ("CCC", 533)):
                check_eq(c.cmd(line)[0], want, line + " before AUTH")
            check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH")
            c.starttls()
            check_eq(c.cmd("USER alice")[0], 331, "USER after AUTH")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS")
        check(srv.wait_log("USER refused from 127.0.0.1 by policy %s: 530"
                           % directive), srv.log())


@test
def secureftp_required_before_auth():
    _pre_auth("ftp_required", "SecureFTP required\n", "SecureFTP")


@test
def securedataconn_private_before_auth():
    _pre_auth("dataconn_private", "SecureDataConn private\n",
              "SecureDataConn")


@test
def order_of_refusals_names_secureftp_first():
    conf = "SecureFTP required\nSecureDataConn private\n"
    with Server("order", conf=conf) as srv:
        with Raw(srv.port) as c:
            c.reply()
            code, text = c.cmd("USER alice")
            check_eq(code, 530, "USER")
            check("SecureFTP" in text and "SecureDataConn" not in text,
                  "reply should name SecureFTP only: " + text)


@test
def curl_and_lftp_under_secureftp_required():
    with Server("required_clients", conf="SecureFTP required\n") as srv:
        r = curl("--ssl-reqd", "--cacert", cert("ca.crt"), "-u",
                 "alice:" + USERS["alice"], "ftp://localhost:%d/" % srv.port)
        check_eq(r.returncode, 0, "curl --ssl-reqd (%s)" % r.stderr)
        r = lftp(srv, "ls")
        check_eq(r.returncode, 0, "lftp (%s)" % r.stderr)
        r = curl("-u", "alice:" + USERS["alice"],
                 "ftp://localhost:%d/" % srv.port)
        check(r.returncode != 0, "plain curl logged in: " + r.stdout)


# STAT

@test
def stat_shows_protection():
    with Server("stat") as srv:
        c = login_tls(srv)
        c.cmd("PBSZ 0")
        c.cmd("PROT P")
        code, text = c.cmd("STAT")
        check_eq(code, 211, "STAT")
        for needle in ("Control connection: protected, TLSv1.3, TLS_",
                       "Data protection: PROT P (Private)",
                       "RFC level: rfc4217", "End of status"):
            check(needle in text, "STAT lacks %r: %s" % (needle, text))
        c.close()


# Implicit FTPS

@test
def implicit_auth_ccc_534_pbsz_prot():
    with Server("implicit_cmds", vhosts=IMPLICIT_VHOST) as srv:
        with Raw(srv.port2, implicit_ctx=client_context()) as c:
            check_eq(c.reply()[0], 220, "protected greeting")
            code, text = c.cmd("AUTH TLS")
            check_eq(code, 534, "AUTH on implicit")
            check("SecureImplicit" in text, text)
            c.cmd("USER alice")
            c.cmd("PASS " + USERS["alice"])
            code, text = c.cmd("CCC")
            check_eq(code, 534, "CCC on implicit")
            check("SecureImplicit" in text, text)
            check_eq(c.cmd("PBSZ 0")[0], 200, "PBSZ")
            check_eq(c.cmd("PROT C")[0], 200, "PROT C")
            check_eq(c.cmd("PROT P")[0], 200, "PROT P")
            code, text = c.cmd("STAT")
            check("(implicit FTPS)" in text, text)


@test
def implicit_silent_or_plaintext_client_does_not_wedge():
    with Server("implicit_wedge", vhosts=IMPLICIT_VHOST) as srv:
        silent = socket.create_connection(("127.0.0.1", srv.port2), 10)
        talker = socket.create_connection(("127.0.0.1", srv.port2), 10)
        talker.sendall(b"USER alice\r\n")
        start = time.time()
        # Meanwhile the daemon serves others, on both ports.
        f = ftps(srv, "alice")
        check("hello.txt" in f.nlst(), "explicit client not served")
        f.quit()
        r = curl("--cacert", cert("ca.crt"), "-u", "alice:" +
                 USERS["alice"], "ftps://localhost:%d/hello.txt" % srv.port2)
        check_eq(r.stdout, "hello from alice\n", "implicit client served")
        for s, what in ((silent, "silent"), (talker, "plaintext")):
            # SecureHandshakeTimeout is 2s: by now, or within a few
            # seconds on a slow machine, the server has closed both.
            s.settimeout(max(2.0, start + 9 - time.time()))
            data, closed = b"", False
            try:
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        closed = True
                        break
                    data += chunk
            except ConnectionError:
                closed = True
            except socket.timeout:
                pass
            check(b"230" not in data and b"331" not in data,
                  "%s client got a reply: %r" % (what, data))
            check(closed, "the handshake timeout did not close the %s "
                  "client" % what)
            s.close()


@test
def auth_ssl_and_tls_p_imply_prot_p():
    with Server("auth_ssl") as srv:
        for mech in ("SSL", "TLS-P", "tls-c"):
            with Raw(srv.port) as c:
                c.reply()
                check_eq(c.cmd("AUTH " + mech)[0], 234, "AUTH " + mech)
                c.starttls()
                c.cmd("USER alice")
                c.cmd("PASS " + USERS["alice"])
                want = "PROT C" if mech == "tls-c" else "PROT P"
                text = c.cmd("STAT")[1]
                check("Data protection: " + want in text,
                      "AUTH %s: %s" % (mech, text))
                if mech != "tls-c":
                    check_eq(retr_private(c, "hello.txt"),
                             b"hello from alice\n", "RETR after AUTH " + mech)
    with Server("auth_ssl_never", conf="SecureDataConn never\n") as srv:
        with Raw(srv.port) as c:
            c.reply()
            check_eq(c.cmd("AUTH SSL")[0], 234, "AUTH SSL")
            c.starttls()
            c.cmd("USER alice")
            c.cmd("PASS " + USERS["alice"])
            text = c.cmd("STAT")[1]
            check("Data protection: PROT C" in text,
                  "AUTH SSL under SecureDataConn never: " + text)


@test
def rein_on_implicit_port_stays_protected():
    with Server("rein_implicit", vhosts=IMPLICIT_VHOST) as srv:
        with Raw(srv.port2, implicit_ctx=client_context()) as c:
            c.reply()
            c.cmd("USER alice")
            c.cmd("PASS " + USERS["alice"])
            c.cmd("PROT C")
            check_eq(c.cmd("REIN")[0], 220, "REIN")
            check_eq(c.cmd("PWD")[0], 530, "logged out")
            c.cmd("USER alice")
            check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "login again")
            text = c.cmd("STAT")[1]
            check("Data protection: PROT P" in text and "implicit" in text,
                  "implicit state not restored: " + text)


@test
def ccc_lftp():
    with Server("ccc_lftp", conf=CLEAR_NO_REUSE) as srv:
        r = lftp(srv, "cat hello.txt", extra_settings="set ftp:ssl-use-ccc "
                 "yes;")
        check_eq(r.returncode, 0, "lftp with CCC (%s)" % r.stderr)
        check_eq(r.stdout, "hello from alice\n", "file via lftp after CCC")
        check(srv.wait_log("CCC from 127.0.0.1"), "lftp sent no CCC: "
              + srv.log())


@test
def rein_and_auth_after_login_return_to_the_login_directory():
    """SPEC 6.1: REIN and AUTH after login reset the session as at
    connection open, working directory included."""
    with Server("rein_cwd") as srv:
        os.makedirs(os.path.join(srv.home("alice"), "sub"), exist_ok=True)
        os.chown(os.path.join(srv.home("alice"), "sub"), 65534, 65534)
        c = Raw(srv.port)
        check_eq(c.reply()[0], 220, "greeting")
        check_eq(c.cmd("USER alice")[0], 331, "USER in the clear")
        check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS")
        code, home = c.cmd("PWD")
        check_eq(code, 257, "PWD at login")
        check_eq(c.cmd("CWD sub")[0], 250, "CWD sub")
        check(c.cmd("PWD")[1] != home, "CWD did not move")
        # AUTH after login (rfc4217): logged out, back home after login.
        check_eq(c.cmd("AUTH TLS")[0], 234, "AUTH after login")
        c.starttls()
        check_eq(c.cmd("USER alice")[0], 331, "USER again")
        check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS again")
        check_eq(c.cmd("PWD"), (257, home), "PWD after AUTH and login")
        check_eq(c.cmd("CWD sub")[0], 250, "CWD sub again")
        # REIN likewise.
        check_eq(c.cmd("REIN")[0], 220, "REIN")
        c.sock = c.sock.unwrap()
        check_eq(c.cmd("USER alice")[0], 331, "USER after REIN")
        check_eq(c.cmd("PASS " + USERS["alice"])[0], 230, "PASS after REIN")
        check_eq(c.cmd("PWD"), (257, home), "PWD after REIN and login")
        c.close()
