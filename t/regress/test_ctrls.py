"""ftpdctl secftp: status, sessions, cache and reload-certmap through
ProFTPD's mod_ctrls, run with the real ftpdctl, and SecureControlsACLs
(without one, only root may run an action)."""

import os
import re
import shutil
import signal
import subprocess
import time

from harness import (NOBODY_GID, NOBODY_UID, ROOT, Raw, Server, cert,
                     check, check_eq, client_context, ftps, implicit_vhost,
                     run, test)
from pki import CA

FTPDCTL = "/usr/bin/ftpdctl"

CONTROLS = """
ControlsEngine on
ControlsSocket {dir}/ctrls.sock
ControlsInterval 1
ControlsLog {dir}/ctrls.log
Trace secftp.ctrls:20
"""


def ftpdctl(srv, *args, as_nobody=False):
    """The lines ftpdctl printed for 'secftp ARGS' (its 'ftpdctl: '
    prefixes removed)."""
    check(shutil.which(FTPDCTL) is not None,
          "ftpdctl is missing (Debian package proftpd-core)")
    argv = [FTPDCTL, "-s", os.path.join(srv.dir, "ctrls.sock"), "secftp"] + \
        list(args)
    if as_nobody:
        argv = ["setpriv", "--reuid=%d" % NOBODY_UID,
                "--regid=%d" % NOBODY_GID, "--clear-groups"] + argv
    r = run(argv, timeout=60)
    out = r.stdout + r.stderr
    return [re.sub(r"^ftpdctl: ?", "", ln) for ln in out.splitlines()
            if ln.strip()]


def openssl_field(path, option):
    r = run(["openssl", "x509", "-noout", option, "-in", path])
    return r.stdout.strip().split("=", 1)[1]


def sha256_fingerprint(path):
    return run(["openssl", "x509", "-noout", "-fingerprint", "-sha256",
                "-in", path]).stdout.strip().split("=", 1)[1]


def scratch_dir(name):
    """A fresh directory (a Server's, never started)."""
    return Server(name, secure=False).dir


def block(lines, vhost):
    """The status lines of one vhost."""
    out, inside = [], False
    for ln in lines:
        if ln.startswith("vhost "):
            inside = ("'%s'" % vhost) in ln
        if inside:
            out.append(ln)
    return out


@test
def ctrls_status_shows_every_certificate_and_its_expiry():
    vhost = implicit_vhost(
        "  ServerName implicit.test\n"
        "  SecureCertificate {certs}/server-ec.crt {certs}/server-ec.key\n")
    with Server("ctrls_status", conf=CONTROLS, vhosts=vhost) as srv:
        lines = ftpdctl(srv, "status")
        text = "\n".join(lines)
        main = block(lines, "mod_secftp test")
        implicit = block(lines, "implicit.test")
        check(main and implicit, "both vhosts listed:\n" + text)
        check(re.search(r"127\.0\.0\.1:%d \(implicit FTPS\)" % srv.port2,
                        implicit[0]), "implicit vhost's address: " +
              implicit[0])
        for lines_of, name, keytype in ((main, "server", r"RSA 2048 bits"),
                                        (implicit, "server-ec",
                                         r"EC 256 bits")):
            block_text = "\n".join(lines_of)
            path = cert(name + ".crt")
            check(re.search(r"certificate: %s \(%s\)" % (re.escape(path),
                                                        keytype), block_text),
                  "%s and its key type in:\n%s" % (path, block_text))
            fp = sha256_fingerprint(path)
            check("fingerprint: sha256:" + fp in block_text,
                  "fingerprint %s in:\n%s" % (fp, block_text))
            check("subject:     CN=localhost,O=mod_secftp demo" in block_text,
                  "RFC 4514 subject in:\n" + block_text)
            check("issuer:      CN=mod_secftp demo CA,O=mod_secftp demo" in
                  block_text, "issuer in:\n" + block_text)
            end = time.strptime(openssl_field(path, "-enddate"),
                                "%b %d %H:%M:%S %Y GMT")
            want = time.strftime("%Y-%m-%d %H:%M:%S UTC", end)
            # This certificate's lines: up to the next certificate.
            own = block_text.split("certificate: %s " % path, 1)[1]
            own = re.split(r"\n  \S", own, 1)[0]
            m = re.search(r"notAfter:    (.*) \((\d+) days left\)", own)
            check(m is not None and m.group(1) == want,
                  "notAfter %s in:\n%s" % (want, own))
            days = int((time.mktime(end) - time.mktime(time.gmtime())) //
                       86400)
            check(abs(int(m.group(2)) - days) <= 1,
                  "days left %s, expected about %d" % (m.group(2), days))
            check("notBefore:" in block_text, "notBefore in " + block_text)
            check("protocols: TLSv1.2 TLSv1.3" in block_text,
                  "protocols in " + block_text)
            check(re.search(r"suites: +TLS_AES_\S+", block_text),
                  "suites in " + block_text)
            check(lines_of[-1] == "  in service: yes",
                  "in service, last line: " + lines_of[-1])


@test
def ctrls_status_names_a_certificate_renewed_on_disk():
    """After a renewal on disk, status says the file holds another
    certificate than the one served, until a reload."""
    d = scratch_dir("ctrls_renew_files")
    shutil.copy(cert("server.crt"), os.path.join(d, "ftp.crt"))
    shutil.copy(cert("server.key"), os.path.join(d, "ftp.key"))
    conf = CONTROLS + ("SecureEngine on\nSecureCertificate %s/ftp.crt "
                       "%s/ftp.key\n" % (d, d))
    with Server("ctrls_renew2", secure=False, conf=conf) as srv:
        check(not any("now holds another" in ln
                      for ln in ftpdctl(srv, "status")),
              "nothing renewed yet")
        # Renewed: the same key, a new certificate.
        run(["openssl", "req", "-new", "-x509", "-key", cert("server.key"),
             "-subj", "/CN=renewed", "-days", "90", "-out",
             os.path.join(d, "ftp.crt")], check=True)
        lines = ftpdctl(srv, "status")
        check(any(re.search(r"on disk: .*/ftp\.crt now holds another "
                            r"certificate .*reload \(SIGHUP\)", ln)
                  for ln in lines), "renewal noted:\n" + "\n".join(lines))


@test
def ctrls_sessions_lists_each_protected_session():
    conf = CONTROLS + "SecureLogin optional\nSecureCACertificate " + \
        cert("ca.crt") + "\n"
    with Server("ctrls_sessions", conf=conf) as srv:
        check(ftpdctl(srv, "sessions") == ["0 protected sessions"],
              "no sessions at first")
        a = ftps(srv, "alice")
        a.prot_p()
        b = ftps(srv, "bob", context=client_context(cert_name="client"))
        plain = Raw(srv.port)
        plain.reply()
        try:
            lines = ftpdctl(srv, "sessions")
            text = "\n".join(lines)
            check("2 protected sessions" in lines,
                  "two protected sessions (not the clear one):\n" + text)
            ra = [ln for ln in lines if "user 'alice'" in ln]
            rb = [ln for ln in lines if "user 'bob'" in ln]
            check(len(ra) == 1 and len(rb) == 1, "one row each:\n" + text)
            want = "vhost 'mod_secftp test' client 127.0.0.1 %s %s PROT P " \
                "control TLS" % (a.sock.version(), a.sock.cipher()[0])
            check(want in ra[0], "alice: %r in %r" % (want, ra[0]))
            check(ra[0].endswith("cert '-'"), "alice has no certificate: "
                  + ra[0])
            check("PROT C" in rb[0], "bob is PROT C: " + rb[0])
            check(rb[0].endswith(
                "cert 'CN=demo,UID=demo,OU=Users,O=mod_secftp demo'"),
                "bob's certificate subject: " + rb[0])
            pid = int(re.match(r"pid (\d+) ", ra[0]).group(1))
            with open("/proc/%d/stat" % pid) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            check_eq(ppid, srv.proc.pid, "alice's row names her session "
                     "process")
            # PROT changes the row; the session's end removes it.
            b.prot_p()
            check(any("user 'bob'" in ln and "PROT P" in ln
                      for ln in ftpdctl(srv, "sessions")), "bob now PROT P")
            a.quit()
            deadline = time.time() + 10
            while time.time() < deadline:
                lines = ftpdctl(srv, "sessions")
                if "1 protected session" in lines:
                    break
                time.sleep(0.2)
            check("1 protected session" in lines and
                  not any("alice" in ln for ln in lines),
                  "alice's row gone after QUIT:\n" + "\n".join(lines))
        finally:
            plain.close()
            b.close()


@test
def ctrls_cache_reports_mode_and_key_ages():
    vhost = implicit_vhost("  ServerName nocache.test\n"
                           "  SecureSessionCache off\n")
    conf = CONTROLS + "SecureTicketKeyLifetime 1h\n"
    with Server("ctrls_cache", conf=conf, vhosts=vhost) as srv:
        lines = ftpdctl(srv, "cache")
        text = "\n".join(lines)
        main = "\n".join(block(lines, "mod_secftp test"))
        other = "\n".join(block(lines, "nocache.test"))
        check("SecureSessionCache internal" in main, "internal:\n" + text)
        check("ticket keys: this node's" in main and "lifetime 3600s" in
              main, "node keys, 1h:\n" + main)
        period = int(time.time()) // 3600
        m = re.search(r"current key: period (\d+), age (\d+)m(\d+)s", main)
        check(m is not None and abs(int(m.group(1)) - period) <= 1,
              "current period about %d:\n%s" % (period, main))
        age = int(m.group(2)) * 60 + int(m.group(3))
        check(abs(age - int(time.time()) % 3600) <= 120 or
              int(m.group(1)) != period, "key age %ds" % age)
        check("previous key: period %d" % (int(m.group(1)) - 1) in main,
              "previous key:\n" + main)
        check("SecureSessionCache off" in other and
              "per session process" in other, "off vhost:\n" + other)


def certmap_conf(srv_dir):
    return CONTROLS + ("SecureLogin optional\nSecureCACertificate %s\n"
                       "SecurePassword optional\nSecureCertMap %s/certmap\n"
                       % (cert("ca.crt"), srv_dir))


def cert_user_reply(srv, user):
    f = ftps(srv, context=client_context(cert_name="client"))
    try:
        return f.sendcmd("USER " + user)[:3]
    except Exception as e:  # ftplib raises on 3xx/5xx replies it dislikes
        return str(e)[:3]
    finally:
        f.close()


@test
def ctrls_reload_certmap_applies_to_new_sessions():
    fp = sha256_fingerprint(cert("client.crt"))
    d = scratch_dir("ctrls_certmap_files")
    with open(os.path.join(d, "certmap"), "w") as f:
        f.write("cert sha256:%s alice\n" % fp)
    with Server("ctrls_certmap", conf=certmap_conf(d)) as srv:
        check_eq(cert_user_reply(srv, "alice"), "232", "mapped to alice")
        check_eq(cert_user_reply(srv, "bob"), "331", "bob needs a password")
        with open(os.path.join(d, "certmap"), "w") as f:
            f.write("# moved\ncert sha256:%s bob\n" % fp)
        lines = ftpdctl(srv, "reload-certmap")
        check(any(re.search(r"vhost 'mod_secftp test': \S+/certmap "
                            r"reloaded, 1 rules", ln) for ln in lines),
              "reloaded:\n" + "\n".join(lines))
        check_eq(cert_user_reply(srv, "bob"), "232", "now mapped to bob")
        check_eq(cert_user_reply(srv, "alice"), "331", "alice no longer")
        with open(os.path.join(d, "certmap"), "w") as f:
            f.write("cert sha256:%s bob\nnonsense here\n" % fp)
        lines = ftpdctl(srv, "reload-certmap")
        check(any(re.search(r"certmap:2: .*the previous map stays in use",
                            ln) for ln in lines),
              "bad map refused with its line:\n" + "\n".join(lines))
        check_eq(cert_user_reply(srv, "bob"), "232", "previous map kept")
        check("reload-certmap" in srv.startup_output(),
              "SystemLog records the reloads")


@test
def ctrls_acls_root_only_by_default_and_as_configured():
    conf = CONTROLS + "SecureControlsACLs status,cache allow user nobody\n"
    with Server("ctrls_acls", conf=conf) as srv:
        check(any("in service: yes" in ln
                  for ln in ftpdctl(srv, "status", as_nobody=True)),
              "nobody may run status (allowed)")
        check(any("SecureSessionCache" in ln
                  for ln in ftpdctl(srv, "cache", as_nobody=True)),
              "nobody may run cache (allowed)")
        for action in ("sessions", "reload-certmap"):
            lines = ftpdctl(srv, action, as_nobody=True)
            check(lines == ["secftp %s: access denied (SecureControlsACLs)"
                            % action], "nobody refused %s: %r" %
                  (action, lines))
            check(not any("access denied" in ln
                          for ln in ftpdctl(srv, action)),
                  "root may still run " + action + " (no ACL for it)")
        # An ACL replaces the root-only default for the actions it names.
        check(ftpdctl(srv, "status") ==
              ["secftp status: access denied (SecureControlsACLs)"],
              "root is not in the status ACL")
        check(re.search(r"refused action 'sessions' to UID %d" % NOBODY_UID,
                        open(os.path.join(srv.dir, "trace.log")).read()),
              "trace names the refusal")
    with Server("ctrls_acls_default", conf=CONTROLS) as srv:
        for action in ("status", "sessions", "cache", "reload-certmap"):
            check(ftpdctl(srv, action, as_nobody=True) ==
                  ["secftp %s: access denied (SecureControlsACLs)" % action],
                  "by default nobody is refused " + action)
        check(ftpdctl(srv, "nonesuch")[0].startswith(
            "secftp: unknown action 'nonesuch'"), "unknown action named")


@test
def ctrls_acls_directive_refuses_unknown_actions():
    srv = Server("ctrls_acls_bad", conf=CONTROLS +
                 "SecureControlsACLs status,reboot allow user root\n")
    out = srv.start_expecting_failure()
    check("unknown action 'reboot'" in out, "startup error names the "
          "action: " + out)


def module_has(directive):
    """Whether the mod_secftp.so under test knows directive."""
    with open(os.path.join(ROOT, "mod_secftp.so"), "rb") as f:
        return directive.encode() + b"\0" in f.read()


@test
def ctrls_status_names_an_expired_certificate_out_of_service():
    """A vhost whose only certificate has expired is out of service, and
    status says why with the date; the other vhost is in service.  Serving
    on with an expired certificate comes with SecureCertificateWarning
    (branch wp-ops); before that merge, startup refuses the certificate,
    and this test checks that instead."""
    d = scratch_dir("ctrls_expired_files")
    ca = CA(os.path.join(d, "ca"), "/O=Example Corp/CN=Old CA")
    crt, key = ca.issue("old", "/O=Example Corp/CN=old.example.test",
                        start="20200101000000Z", end="20200201000000Z")
    os.chmod(key, 0o600)
    vhost = implicit_vhost("  ServerName old.example.test\n").replace(
        "SecureCertificate {certs}/server.crt {certs}/server.key",
        "SecureCertificate %s %s" % (crt, key))
    srv = Server("ctrls_expired", conf=CONTROLS, vhosts=vhost)
    if not module_has("SecureCertificateWarning"):
        out = srv.start_expecting_failure()
        check("expired" in out and crt in out, "startup names the expired "
              "certificate: " + out)
        return
    with srv:
        lines = ftpdctl(srv, "status")
        old = "\n".join(block(lines, "old.example.test"))
        check(re.search(r"in service: no \(certificate %s has expired "
                        r"\(notAfter 2020-02-01 00:00:00 UTC\)\)" %
                        re.escape(crt), old), "out of service, why:\n" + old)
        check(re.search(r"notAfter:    2020-02-01 00:00:00 UTC \(-\d+ days "
                        r"left\)", old), "negative days left:\n" + old)
        check(block(lines, "mod_secftp test")[-1] == "  in service: yes",
              "the other vhost serves:\n" + "\n".join(lines))


@test
def ctrls_sessions_show_implicit_and_ccc():
    """An implicit FTPS session is listed under its vhost with PROT P; a
    session after CCC shows its control connection clear."""
    vhost = implicit_vhost("  ServerName implicit.test\n")
    with Server("ctrls_sessions2", conf=CONTROLS + "SecureCtrlConn clear\n",
                vhosts=vhost) as srv:
        imp = Raw(srv.port2, implicit_ctx=client_context())
        f = ftps(srv, "alice")
        try:
            check_eq(imp.reply()[0], 220, "implicit greeting")
            check_eq(imp.cmd("USER bob")[0], 331, "USER")
            check_eq(imp.cmd("PASS bob-secret")[0], 230, "PASS")
            f.prot_p()
            check_eq(f.sendcmd("CCC")[:3], "200", "CCC")
            f.sock = f.sock.unwrap()
            f.file = f.sock.makefile("r", encoding="latin-1")
            check_eq(f.sendcmd("NOOP")[:3], "200", "NOOP after CCC")
            lines = ftpdctl(srv, "sessions")
            text = "\n".join(lines)
            check(any("user 'bob' vhost 'implicit.test'" in ln and
                      "PROT P control TLS" in ln for ln in lines),
                  "implicit session:\n" + text)
            check(any("user 'alice' vhost 'mod_secftp test'" in ln and
                      "PROT P control clear" in ln for ln in lines),
                  "alice after CCC:\n" + text)
        finally:
            imp.close()
            f.close()


@test
def ctrls_sessions_survive_a_restart():
    """A reload (SIGHUP) loads the module again; sessions started before
    it are still listed, and new ones too."""
    with Server("ctrls_restart", conf=CONTROLS) as srv:
        a = ftps(srv, "alice")
        a.prot_p()
        check(any("user 'alice'" in ln for ln in ftpdctl(srv, "sessions")),
              "alice listed before the restart")
        os.kill(srv.proc.pid, signal.SIGHUP)
        deadline = time.time() + 15
        lines = []
        while time.time() < deadline:
            lines = ftpdctl(srv, "sessions")
            if any("user 'alice'" in ln for ln in lines):
                break
            time.sleep(0.5)
        check(any("user 'alice' " in ln and "PROT P" in ln for ln in lines),
              "alice still listed after SIGHUP:\n" + "\n".join(lines))
        b = ftps(srv, "bob")
        lines = ftpdctl(srv, "sessions")
        check("2 protected sessions" in lines, "alice and bob after the "
              "restart:\n" + "\n".join(lines))
        check_eq(a.voidcmd("NOOP")[:3], "200", "alice's session lives on")
        a.quit()
        b.quit()
