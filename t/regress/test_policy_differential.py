"""SPEC 6.1 (Private facts on a clear control connection), issue 13: the
module decides on exactly the path ProFTPD's modules act on.

A corpus of listing and fact command lines (LIST, NLST, STAT, MLSD, MLST,
SIZE, MDTM; hand-written in policy_corpus.txt, plus generated ones: every
option style, glued or not, before every target) is sent over a plain
(never protected) control connection to two servers over the same tree:
one with 'SecureDataConn private' on priv/ and ovr/inner/ (policy on),
one without (policy off).  What the policy-off server sends tells whether
a line reaches private data: a private marker (the PRIVMARK-* names, the
private files' size and modification time) in its reply or data.  A line
the policy-on server lets through must never be such a line, and must
itself never carry a marker.  Lines the module refuses although they show
nothing private are counted (over-refusal), and public lines must pass.
"""

import ftplib
import os

import harness
from harness import NOBODY_GID, NOBODY_UID, Server, USERS, check, test

PRIVATE_SIZE = 987654
PRIVATE_MTIME = 981173106           # 2001-02-03 04:05:06 UTC
# What only private data carries: names that no command line spells (a
# reply may echo the client's own path), and the private files' size and
# modification time.
MARKERS = (b"HIDDEN", str(PRIVATE_SIZE).encode(), b"20010203040506")

POLICY = """
<Directory ~/priv>
  SecureDataConn private
</Directory>
AllowOverride on
"""

STYLES = ("", "-l ", "-l", "-a\t", "-lR ", "-R", "-l  ", "-- ", "-l -a ",
          "-1", "-d ", "- ", "-l\t\t", "-lR", "-x -l")
TARGETS = ("priv", "priv/", "./priv", "/priv", "pub/../priv",
           "priv/PRIVMARK-a.txt", "p*", "pr?v", "*/*", "[p]riv", "pub/tolink",
           "pub/filelink", "ovr/inner", "ovr", "~/priv", "", "pub", ".", "/",
           "*", "priv/deep")
FACT_TARGETS = ("priv/PRIVMARK-a.txt", "priv/deep/PRIVMARK-deep.txt",
                "/priv/PRIVMARK-a.txt", "pub/../priv/PRIVMARK-a.txt",
                "pub/filelink", "pub/tolink/PRIVMARK-a.txt",
                "ovr/inner/PRIVMARK-ovr.txt", "pub/public.txt", "priv",
                "pub", "-l priv/PRIVMARK-a.txt", "priv/*")

MUST_PASS = ("LIST pub", "NLST pub", "MLSD pub", "STAT pub", "LIST -la",
             "MLST pub/public.txt", "SIZE pub/public.txt",
             "MDTM pub/public.txt", "LIST -R ./-la")


def corpus():
    here = os.path.dirname(os.path.abspath(__file__))
    lines = []
    with open(os.path.join(here, "policy_corpus.txt")) as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                lines.append(line.replace("\\t", "\t"))
    for cmd in ("LIST", "NLST", "STAT"):
        for style in STYLES:
            for target in TARGETS:
                line = (cmd + " " + style + target).rstrip(" ")
                lines.append(line)
    for cmd in ("MLSD", "MLST", "SIZE", "MDTM"):
        for target in TARGETS + FACT_TARGETS:
            lines.append((cmd + " " + target).rstrip(" "))
    check(not any("HIDDEN" in line for line in lines),
          "a command line names a hidden marker")
    return list(dict.fromkeys(lines))


def make_tree(srv):
    home = srv.home("alice")

    def mkdir(rel):
        path = os.path.join(home, rel)
        os.makedirs(path, exist_ok=True)
        os.chown(path, NOBODY_UID, NOBODY_GID)

    def put(rel, data, private=False):
        path = os.path.join(home, rel)
        with open(path, "wb") as fh:
            fh.write(data)
        os.chown(path, NOBODY_UID, NOBODY_GID)
        if private:
            os.utime(path, (PRIVATE_MTIME, PRIVATE_MTIME))

    for d in ("pub", "priv", "priv/deep", "ovr", "ovr/inner", "-la"):
        mkdir(d)
    put("pub/public.txt", b"p" * 10)
    put("-la/dash.txt", b"d" * 11)
    put("ovr/o.txt", b"o" * 12)
    put("priv/PRIVMARK-a.txt", b"s" * PRIVATE_SIZE, True)
    put("priv/deep/PRIVMARK-deep.txt", b"s" * PRIVATE_SIZE, True)
    put("ovr/inner/PRIVMARK-ovr.txt", b"s" * PRIVATE_SIZE, True)
    for d in ("priv", "priv/deep", "ovr/inner"):
        put(d + "/HIDDEN-name.txt", b"h" * PRIVATE_SIZE, True)
    put("ovr/inner/.ftpaccess", b"SecureDataConn private\n")
    os.symlink("../priv", os.path.join(home, "pub", "tolink"))
    os.symlink("../priv/PRIVMARK-a.txt", os.path.join(home, "pub",
                                                       "filelink"))


def login(srv):
    f = ftplib.FTP(timeout=20)
    f.connect("127.0.0.1", srv.port)
    f.login("alice", USERS["alice"])
    f.voidcmd("TYPE I")
    return f


def run_line(f, line):
    """(first reply code, everything the server sent for line)."""
    cmd = line.split(None, 1)[0].upper()
    out = b""
    try:
        if cmd in ("LIST", "NLST", "MLSD"):
            conn = f.transfercmd(line)
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                out += chunk
            conn.close()
            reply = f.voidresp()
            return "150", out + reply.encode("latin-1")
        reply = f.sendcmd(line)
    except (ftplib.error_reply, ftplib.error_temp, ftplib.error_perm) as e:
        reply = str(e)
    return reply[:3], out + reply.encode("latin-1")


def leaks(out):
    return any(m in out for m in MARKERS)


@test
def policy_differential_corpus():
    lines = corpus()
    check(len(lines) >= 200, "corpus has only %d lines" % len(lines))
    with Server("diff_on", conf=POLICY) as on, \
            Server("diff_off", conf="AllowOverride off\n") as off:
        make_tree(on)
        make_tree(off)
        f_on, f_off = login(on), login(off)
        through_leaking, on_leaking, over, needed, passed = [], [], [], 0, 0
        died = {"on": [], "off": []}
        for line in lines:
            try:
                code_on, out_on = run_line(f_on, line)
            except (EOFError, OSError):
                # mod_ls itself dies on some lines (see RELIABILITY.md):
                # nothing was sent; a new session goes on.
                died["on"].append(line)
                code_on, out_on, f_on = "---", b"", login(on)
            try:
                _, out_off = run_line(f_off, line)
            except (EOFError, OSError):
                died["off"].append(line)
                out_off, f_off = b"", login(off)
            refused = code_on in ("521", "534")
            if refused:
                check(b"SecureDataConn" in out_on,
                      "%r: refusal does not name SecureDataConn: %r"
                      % (line, out_on[:200]))
                if leaks(out_off):
                    needed += 1
                else:
                    over.append(line)
            else:
                passed += 1
                if leaks(out_off):
                    through_leaking.append(line)
            if leaks(out_on):
                on_leaking.append(line)
        f_on.quit()
        f_off.quit()
        print("differential: %d lines, %d refused where the policy-off "
              "server showed private data, %d let through (none private), "
              "%d refused without need: %r; sessions died on (policy on) "
              "%r, (policy off) %r" % (len(lines), needed, passed,
                                       len(over), over[:20], died["on"],
                                       died["off"]))
        check(set(died["on"]) <= set(died["off"]),
              "only the policy-on session died on %r"
              % sorted(set(died["on"]) - set(died["off"])))
        check(not on_leaking, "private data sent in clear for %d lines: %r"
              % (len(on_leaking), on_leaking[:10]))
        check(not through_leaking, "let through, but ProFTPD shows private "
              "data for %d lines: %r" % (len(through_leaking),
                                          through_leaking[:10]))
        check(needed > 50, "only %d lines reached private data: the corpus "
              "does not exercise the policy" % needed)
        for line in MUST_PASS:
            f = login(on)
            code, out = run_line(f, line)
            check(code not in ("521", "534"), "%r refused: %r" % (line, out))
            f.quit()


@test
def private_facts_after_ccc():
    """The same refusals after CCC (the control connection was protected,
    then cleared), under PROT P and PROT C; the same lines pass while the
    control connection is still protected."""
    lines = ("MLST priv/PRIVMARK-a.txt", "SIZE priv/PRIVMARK-a.txt",
             "MDTM pub/filelink", "STAT priv", "STAT -x -l\tpriv",
             "MLST ovr/inner/PRIVMARK-ovr.txt")
    conf = POLICY + "SecureCtrlConn clear\nSecureSessionReuse allowed\n"
    with Server("diff_ccc", conf=conf) as srv:
        make_tree(srv)
        for prot in ("P", "C"):
            f = harness.protected_client(srv)
            f.voidcmd("PROT " + prot)
            f.voidcmd("TYPE I")
            for line in lines[:3]:
                code, out = run_line(f, line)
                check(code not in ("521", "534"), "%s before CCC: %r"
                      % (line, out))
            f.ccc()
            for line in lines:
                code, out = run_line(f, line)
                check(code == "534" and b"SecureDataConn" in out
                      and not leaks(out), "%s after CCC under PROT %s: %r"
                      % (line, prot, out))
            f.quit()
