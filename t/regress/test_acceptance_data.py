"""Acceptance tests of the data channel and the fleet, as the owners will
run them: real clients and hostile inputs (plaintext or garbage on the
data port, clients that never connect or never handshake, RST-cut
uploads, huge listings, 521 for every data command, Redis flushed or fed
garbage mid-session).  The daemon must never crash, never leak a file
byte in clear, never answer 226 for a cut upload, and keep serving."""

import ftplib
import io
import os
import socket
import ssl
import struct
import time

from harness import (Raw, ReusingFTP_TLS, Server, check, check_eq,
                     client_context, protected_client, put_file, test, USERS,
                     NOBODY_UID, NOBODY_GID)

MARKER = b"SECFTP-ACCEPTANCE-MARKER-"


client = protected_client


def retr(f, name, rest=None):
    buf = io.BytesIO()
    f.retrbinary("RETR " + name, buf.write, rest=rest)
    return buf.getvalue()


def no_crash(srv):
    """The daemon never died of a signal and still answers."""
    log = srv.log("proftpd.log")
    check("signal" not in log.lower() or "SIGTERM" in log,
          "a process died of a signal: %s" % log[-2000:])
    for line in log.splitlines():
        check("Segmentation" not in line and "SIGSEGV" not in line and
              "SIGABRT" not in line, "crash: " + line)
    with Raw(srv.port) as c:
        check_eq(c.reply()[0], 220, "daemon still greets")


def pasv(f):
    f.voidcmd("TYPE I")
    return ftplib.parse227(f.sendcmd("PASV"))


def read_all(sock, limit=10):
    """Every byte the peer sends until it closes (or limit seconds)."""
    sock.settimeout(limit)
    got = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            got += chunk
    except (socket.timeout, ConnectionError):
        pass
    return got


def final_reply(f):
    """The reply that ends a data command (skipping a 150)."""
    resp = f.getline()
    if resp.startswith("150") or resp.startswith("125"):
        resp = f.getline()
    return resp


@test
def plaintext_client_on_pasv_port_gets_no_file_byte():
    """SPEC 3.2: under PROT P a client that speaks no TLS on the data port
    (it sends an FTP-ish line, or nothing) receives no byte of the file
    and the command is not answered 226."""
    data = MARKER * 4096
    with Server("acc_plain_pasv", conf="SecureHandshakeTimeout 2\n") as srv:
        put_file(srv, "alice", "m.bin", data)
        f = client(srv)
        for opener in (b"", b"GET / HTTP/1.0\r\n\r\n", b"\x00" * 64):
            host, port = pasv(f)
            s = socket.create_connection((host, port), timeout=10)
            if opener:
                s.sendall(opener)
            f.putcmd("RETR m.bin")
            got = read_all(s, 6)
            s.close()
            resp = final_reply(f)
            check(MARKER not in got, "file bytes in clear: %r" % got[:200])
            check(not resp.startswith("226"), "226 for %r: %r" % (opener,
                                                                  resp))
            check(resp.startswith("522") or resp.startswith("425") or
                  resp.startswith("426"), "reply for %r: %r" % (opener, resp))
        check_eq(retr(f, "m.bin"), data, "owner retries")
        f.quit()
        no_crash(srv)


@test
def plaintext_listing_never_in_clear():
    with Server("acc_plain_list", conf="SecureHandshakeTimeout 2\n") as srv:
        put_file(srv, "alice", "SECRETNAME-" + "x" * 20, b"x")
        f = client(srv)
        for cmd in ("LIST", "NLST", "MLSD"):
            host, port = pasv(f)
            s = socket.create_connection((host, port), timeout=10)
            s.sendall(b"\r\n")
            f.putcmd(cmd)
            got = read_all(s, 6)
            s.close()
            resp = final_reply(f)
            check(b"SECRETNAME" not in got, "%s in clear: %r" % (cmd, got))
            check(not resp.startswith("226"), "%s: %r" % (cmd, resp))
        check("SECRETNAME-" + "x" * 20 in f.nlst(), "listing after")
        f.quit()
        no_crash(srv)


@test
def garbage_instead_of_client_hello():
    """A data connection that sends a bogus TLS record, a huge record
    length, or a truncated ClientHello: 522, never a crash."""
    hello_hdr = b"\x16\x03\x01\x00\x40\x01\x00\x00\x3c\x03\x03"
    inputs = (b"\x16\x03\x01\xff\xff" + b"A" * 2000,
              b"\x17\x03\x03\x00\x10" + b"B" * 16,
              hello_hdr + os.urandom(20),
              b"\x80\x80\x01\x03\x01" + os.urandom(200),
              os.urandom(5000))
    with Server("acc_garbage", conf="SecureHandshakeTimeout 2\n") as srv:
        f = client(srv)
        for blob in inputs:
            host, port = pasv(f)
            s = socket.create_connection((host, port), timeout=10)
            f.putcmd("RETR hello.txt")
            try:
                s.sendall(blob)
            except OSError:
                pass
            got = read_all(s, 5)
            s.close()
            resp = final_reply(f)
            check(b"hello from" not in got, "file bytes in clear")
            check(resp.startswith("522"), "garbage %r: %r" % (blob[:8],
                                                              resp))
        check_eq(retr(f, "hello.txt"), b"hello from alice\n", "after")
        f.quit()
        no_crash(srv)


@test
def upload_cut_by_rst_is_not_226():
    """SPEC 6: a STOR cut by a TCP reset in the middle of the stream."""
    with Server("acc_rst") as srv:
        f = client(srv)
        host, port = pasv(f)
        raw = socket.create_connection((host, port), timeout=10)
        f.putcmd("STOR rst.bin")
        check(f.getline().startswith("150"), "150")
        conn = f.context.wrap_socket(raw, server_hostname="localhost",
                                     session=f.sock.session)
        conn.sendall(os.urandom(1024 * 1024))
        # a partial record, then RST
        fd = socket.socket(fileno=os.dup(conn.fileno()))
        fd.sendall(b"\x17\x03\x03\x40\x11" + b"Z" * 100)
        fd.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                      struct.pack("ii", 1, 0))
        fd.close()
        conn.close()
        resp = f.getline()
        check(not resp.startswith("226"), "226 after RST: %r" % resp)
        check(resp[:3] in ("426", "451", "425", "522"), "reply %r" % resp)
        f.voidcmd("NOOP")
        check_eq(retr(f, "hello.txt"), b"hello from alice\n", "after")
        f.quit()
        no_crash(srv)


ACC_DIRS = """
<Directory ~/secret>
  SecureDataConn private
</Directory>
<Directory ~/pub>
  SecureDataConn never
</Directory>
"""


def _refusal_521(f, srv, cmd, prot):
    """cmd must get 521 naming SecureDataConn before any 150, and the
    data connection must carry nothing."""
    host, port = pasv(f)
    s = socket.create_connection((host, port), timeout=10)
    f.putcmd(cmd)
    resp = f.getline()
    check(resp.startswith("521") and "SecureDataConn" in resp,
          "PROT %s %s: expected 521 first, got %r" % (prot, cmd, resp))
    s.close()


@test
def every_data_command_gets_521_before_150():
    """SPEC 3.1: each of RETR STOR STOU APPE LIST NLST MLSD, with a
    path argument and from inside the directory, passive and active."""
    with Server("acc_521", conf=ACC_DIRS) as srv:
        home = srv.home("alice")
        for d in ("secret", "pub"):
            os.makedirs(os.path.join(home, d))
            os.chown(os.path.join(home, d), NOBODY_UID, NOBODY_GID)
            put_file(srv, "alice", d + "/f.txt", b"in " + d.encode())
        for prot, d in (("C", "secret"), ("P", "pub")):
            f = ReusingFTP_TLS(context=client_context(), timeout=20)
            f.connect("127.0.0.1", srv.port)
            f.auth()
            f.login("alice", USERS["alice"])
            f.voidcmd("PBSZ 0")
            f.voidcmd("PROT " + prot)
            for cmd in ("RETR %s/f.txt", "STOR %s/new.txt", "APPE %s/f.txt",
                        "LIST %s", "NLST %s", "MLSD %s"):
                _refusal_521(f, srv, cmd % d, prot)
            f.cwd(d)
            for cmd in ("STOU", "LIST", "NLST", "MLSD", "STOR new.txt",
                        "RETR f.txt"):
                _refusal_521(f, srv, cmd, prot)
            f.cwd("/")
            # active mode too
            f.set_pasv(False)
            f.voidcmd("TYPE I")
            try:
                f.retrbinary("RETR %s/f.txt" % d, lambda b: None)
                check(False, "active RETR accepted")
            except ftplib.error_perm as e:
                check(str(e).startswith("521"), "active: %s" % e)
            f.quit()
            check(not os.path.exists(os.path.join(home, d, "new.txt")),
                  "refused STOR created a file in " + d)
            check_eq(open(os.path.join(home, d, "f.txt"), "rb").read(),
                     b"in " + d.encode(), "APPE refused changed the file")
            names = os.listdir(os.path.join(home, d))
            check_eq(sorted(names), ["f.txt"], "files in " + d)
        no_crash(srv)


@test
def active_mode_silent_client_times_out_522():
    """SPEC 6: SecureHandshakeTimeout on an active (PORT) data connection
    where the client accepts but never handshakes."""
    with Server("acc_active_silent",
                conf="SecureHandshakeTimeout 1\n") as srv:
        f = client(srv)
        f.voidcmd("TYPE I")
        lsn = socket.socket()
        lsn.bind(("127.0.0.1", 0))
        lsn.listen(1)
        p = lsn.getsockname()[1]
        f.voidcmd("PORT 127,0,0,1,%d,%d" % (p >> 8, p & 255))
        start = time.time()
        f.putcmd("RETR hello.txt")
        lsn.settimeout(10)
        conn, _ = lsn.accept()
        resp = final_reply(f)
        elapsed = time.time() - start
        check(resp.startswith("522"), "silent active client: %r" % resp)
        check(elapsed < 5, "522 after %.1fs" % elapsed)
        conn.close()
        lsn.close()
        check_eq(retr(f, "hello.txt"), b"hello from alice\n", "after")
        f.quit()
        no_crash(srv)


@test
def rest_stor_and_retr_offsets_stou_appe():
    data = os.urandom(300000)
    with Server("acc_rest", conf="AllowStoreRestart on\n"
                "AllowRetrieveRestart on\n") as srv:
        f = client(srv, version=ssl.TLSVersion.TLSv1_2)
        f.storbinary("STOR r.bin", io.BytesIO(data[:123457]))
        f.storbinary("STOR r.bin", io.BytesIO(data[123457:]), rest=123457)
        path = os.path.join(srv.home("alice"), "r.bin")
        check_eq(open(path, "rb").read(), data, "REST+STOR")
        check_eq(retr(f, "r.bin", rest=299999), data[299999:], "REST end")
        check_eq(retr(f, "r.bin", rest=1), data[1:], "REST 1")
        check_eq(retr(f, "r.bin", rest=300000), b"", "REST == size")
        f.storbinary("APPE r.bin", io.BytesIO(b"APPENDED"))
        check_eq(retr(f, "r.bin"), data + b"APPENDED", "APPE")
        f.voidcmd("TYPE I")
        conn, _ = f.ntransfercmd("STOU")
        conn.sendall(b"unique-bytes")
        conn.unwrap()
        conn.close()
        resp = f.voidresp()
        check(resp.startswith("226"), "STOU: " + resp)
        found = [n for n in os.listdir(srv.home("alice"))
                 if open(os.path.join(srv.home("alice"), n), "rb").read()
                 == b"unique-bytes"]
        check_eq(len(found), 1, "STOU file")
        # ASCII mode download of a text file with bare LF
        put_file(srv, "alice", "t.txt", b"a\nb\nc\n")
        lines = []
        f.retrlines("RETR t.txt", lines.append)
        check_eq(lines, ["a", "b", "c"], "ASCII RETR")
        f.quit()
        no_crash(srv)


@test
def very_large_listing_protected():
    n = 20000
    with Server("acc_biglist") as srv:
        d = os.path.join(srv.home("alice"), "many")
        os.makedirs(d)
        for i in range(n):
            open(os.path.join(d, "file-with-a-longish-name-%06d" % i),
                 "w").close()
        f = client(srv)
        names = f.nlst("many")
        check_eq(len(names), n, "NLST count")
        lines = []
        f.retrlines("LIST many", lines.append)
        check(len(lines) >= n, "LIST lines %d" % len(lines))
        lines = []
        f.retrlines("MLSD many", lines.append)
        check(len(lines) >= n, "MLSD lines %d" % len(lines))
        f.quit()
        no_crash(srv)


@test
def ccc_then_protected_data():
    """CCC keeps PROT P (SPEC 3.1): data after CCC is still TLS, and the
    file never crosses the data connection in clear."""
    data = MARKER * 1000
    with Server("acc_ccc", conf="SecureCtrlConn clear\n") as srv:
        put_file(srv, "alice", "m.bin", data)
        f = client(srv)
        f.ccc()
        check_eq(retr(f, "m.bin"), data, "RETR after CCC")
        f.storbinary("STOR up.bin", io.BytesIO(data))
        check_eq(open(os.path.join(srv.home("alice"), "up.bin"),
                      "rb").read(), data, "STOR after CCC")
        # a plaintext data client after CCC still gets nothing
        host, port = pasv(f)
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(b"\r\n")
        f.putcmd("RETR m.bin")
        got = read_all(s, 5)
        s.close()
        check(MARKER not in got, "clear file after CCC")
        check(not final_reply(f).startswith("226"), "226 in clear")
        f.quit()
        no_crash(srv)


def _fleet():
    # Imported here, not at module level: importing a test module at load
    # time would register its tests a second time under this module.
    import test_fleet
    return test_fleet


@test
def fleet_redis_flushed_and_restarted_mid_session():
    """Issue 9: a control session keeps transferring while Redis is
    flushed, then restarted; afterwards the fleet resumes again."""
    tf = _fleet()
    data = os.urandom(2 * 1024 * 1024)
    with tf.Redis("acc_flush") as redis:
        kf = tf.key_file("acc_flush")
        with tf.node("accf_a", redis, kf, lifetime=3600) as a, \
                tf.node("accf_b", redis, kf, lifetime=3600) as b:
            put_file(a, "alice", "d.bin", data)
            for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
                f = client(a, version=version)
                check_eq(retr(f, "d.bin"), data, "before flush")
                redis.cli("FLUSHALL")
                check_eq(retr(f, "d.bin"), data, "after FLUSHALL")
                f.storbinary("STOR u.bin", io.BytesIO(data))
                redis.stop()
                check_eq(retr(f, "d.bin"), data, "Redis down")
                redis.start()
                check_eq(retr(f, "d.bin"), data, "Redis restarted, empty")
                f.quit()
            # The fleet works again: a session from A resumes on B.
            ctx = tf.tls_ctx("1.3")
            deadline = time.time() + 15
            reused = False
            while time.time() < deadline and not reused:
                sess, _, _ = tf.connect(a, ctx)
                _, reused, _ = tf.connect(b, ctx, sess)
                if not reused:
                    time.sleep(0.5)
            check(reused, "no cross-node resumption after Redis came back")
            no_crash(a)
            no_crash(b)


@test
def fleet_hostile_records_and_wrong_types():
    """Records of the wrong Redis type, empty, huge or with a valid-looking
    prefix: full handshakes, transfers go on, nothing crashes."""
    tf = _fleet()
    with tf.Redis("acc_hostile") as redis:
        kf = tf.key_file("acc_hostile")
        with tf.node("acch_a", redis, kf, lifetime=3600) as a, \
                tf.node("acch_b", redis, kf, lifetime=3600) as b:
            ctx12 = tf.tls_ctx("1.2", tickets=False)
            ctx13 = tf.tls_ctx("1.3")
            sess12, _, _ = tf.connect(a, ctx12)
            sess13, _, _ = tf.connect(a, ctx13)
            keys = (redis.keys("mod_secftp:session:*") +
                    redis.keys("mod_secftp:ticketkey:*"))
            check(len(keys) >= 2, "records in Redis: %r" % keys)
            for bad in (("LPUSH", "x", "y"), ("HSET", "f", "v"),
                        ("SET", ""), ("SET", "U0ZS"),
                        ("SET", "U0ZS" + "A" * 300),
                        ("SET", "\x01\xff" * 64)):
                for key in keys:
                    redis.cli("DEL", key)
                    redis.cli(bad[0], key, *bad[1:])
                _, reused, _ = tf.connect(b, ctx12, sess12)
                check(not reused, "%r session record resumed" % (bad,))
                _, reused, _ = tf.connect(b, ctx13, sess13)
                f = client(b)
                check("hello.txt" in f.nlst(), "listing with %r" % (bad,))
                f.quit()
            for srv in (a, b):
                check("Redis unavailable" not in srv.log(),
                      "a bad record taken for an outage on %s: %s" % (
                          srv.name, srv.log()[-1500:]))
            check(b.wait_log(r"Redis key 'mod_secftp:\S+' ignored: it "
                             r"holds no string value"),
                  "record of the wrong type not logged")
            no_crash(a)
            no_crash(b)


@test
def fleet_certmap_update_race_and_wrong_type():
    """Many updates in a row, valid and invalid, while clients log in:
    each USER gets 232 or 530 (never a crash or a hang); the last valid
    map wins on both nodes within 10 s (SPEC 6); a map key of the wrong
    type keeps the previous map."""
    tf = _fleet()
    fp = tf.fingerprint("client.crt")
    with tf.Redis("acc_map") as redis:
        redis.cli("SET", "secftp:map", "cert %s alice\n" % fp)
        conf = tf.MAP_CONF % redis.port
        with Server("accm_a", conf=conf) as a, \
                Server("accm_b", conf=conf) as b:
            for i in range(30):
                if i % 3 == 2:
                    redis.cli("SET", "secftp:map", "cert %s\n" % fp)
                else:
                    user = ("alice", "bob")[i % 2]
                    redis.cli("SET", "secftp:map",
                              "cert %s %s\n" % (fp, user))
                code = tf.user_reply((a, b)[i % 2], "alice")
                check(code in (232, 530), "USER alice: %d" % code)
            # the last valid update (i=28) maps to alice
            redis.cli("SET", "secftp:map", "cert %s bob\n" % fp)
            for srv in (a, b):
                deadline = time.time() + 12
                while time.time() < deadline and \
                        tf.user_reply(srv, "bob") != 232:
                    time.sleep(0.5)
                check_eq(tf.user_reply(srv, "bob"), 232, "final map on " +
                         srv.name)
            redis.cli("DEL", "secftp:map")
            redis.cli("LPUSH", "secftp:map", "cert %s alice\n" % fp)
            time.sleep(1)
            for srv in (a, b):
                check_eq(tf.user_reply(srv, "bob"), 232,
                         "map of the wrong type replaced the map")
                check("Redis unavailable" not in srv.log(),
                      "a map of the wrong type taken for an outage")
                check(srv.proc.poll() is None, srv.name + " died")
                no_crash(srv)


@test
def dataconn_path_tricks_still_521():
    """The <Directory> lookup sees through option flags, '..', '.',
    double slashes, absolute paths and symlinks."""
    with Server("acc_paths", conf=ACC_DIRS + "ShowSymlinks on\n") as srv:
        home = srv.home("alice")
        for d in ("secret", "pub"):
            os.makedirs(os.path.join(home, d))
            os.chown(os.path.join(home, d), NOBODY_UID, NOBODY_GID)
            put_file(srv, "alice", d + "/f.txt", b"in " + d.encode())
        os.symlink("../secret", os.path.join(home, "pub", "link"))
        os.symlink("secret", os.path.join(home, "alias"))
        f = ReusingFTP_TLS(context=client_context(), timeout=20)
        f.connect("127.0.0.1", srv.port)
        f.auth()
        f.login("alice", USERS["alice"])
        f.voidcmd("PBSZ 0")
        f.voidcmd("PROT C")
        for cmd in ("LIST -la secret", "NLST -a secret", "LIST -l secret/",
                    "RETR pub/../secret/f.txt", "RETR ./secret/f.txt",
                    "RETR secret//f.txt", "RETR /secret/f.txt",
                    "RETR ~/secret/f.txt", "RETR alias/f.txt",
                    "RETR pub/link/f.txt", "LIST alias",
                    "STOR pub/../secret/x.txt", "MLSD secret/."):
            _refusal_521(f, srv, cmd, "C")
        f.cwd("secret")
        _refusal_521(f, srv, "LIST -la", "C")
        _refusal_521(f, srv, "RETR ../secret/f.txt", "C")
        f.quit()
        check(not os.path.exists(os.path.join(home, "secret", "x.txt")),
              "refused STOR created a file")
        no_crash(srv)


def _s_client_upload(srv, f, version, script, name):
    """STOR name with openssl s_client as the data client, fed script on
    stdin (its command letters: R renegotiate, k/K key update).  Returns
    (final reply, file content or None)."""
    import subprocess
    host, port = pasv(f)
    f.putcmd("STOR " + name)
    proc = subprocess.Popen(
        ["openssl", "s_client", "-connect",
         "%s:%d" % (host, port), version, "-CAfile",
         os.path.join(os.path.dirname(srv.conf_path), "..", "certs",
                      "ca.crt"), "-no_ign_eof"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        # s_client sees a command letter only at the start of a read
        time.sleep(0.5)
        for line in script.splitlines(True):
            try:
                proc.stdin.write(line)
                proc.stdin.flush()
            except BrokenPipeError:     # s_client gave up (renegotiation)
                break
            time.sleep(0.15)
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass
        proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    resp = final_reply(f)
    path = os.path.join(srv.home("alice"), name)
    content = open(path, "rb").read() if os.path.exists(path) else None
    return resp, content


@test
def key_update_and_renegotiation_on_data():
    """TLS 1.3 KeyUpdate in the middle of an upload is followed (the file
    is whole); TLS 1.2 renegotiation on a data connection is refused
    without a crash or a hang."""
    with Server("acc_keyupd", conf="SecureSessionReuse allowed\n") as srv:
        f = client(srv)
        script = b"".join(b"line%d-%s\n" % (i, b"x" * 30)
                          for i in range(5))
        resp, got = _s_client_upload(
            srv, f, "-tls1_3",
            b"first\nk\nsecond\nK\n" + script + b"k\nlast\n", "ku.bin")
        check(resp.startswith("226"), "KeyUpdate upload: %r" % resp)
        check_eq(got, b"first\nsecond\n" + script + b"last\n",
                 "file after KeyUpdates")
        f.quit()
        f = client(srv, version=ssl.TLSVersion.TLSv1_2)
        resp, got = _s_client_upload(srv, f, "-tls1_2",
                                     b"first\nR\nsecond\n", "rn.bin")
        check(not (resp.startswith("226") and got != b"first\nsecond\n"),
              "226 with wrong content %r: %r" % (got, resp))
        check_eq(retr(f, "hello.txt"), b"hello from alice\n", "after")
        f.quit()
        no_crash(srv)


def _abor_replies(f):
    """ABOR on the protected control connection: the transfer's reply,
    then ABOR's (RFC 959 order), and nothing more."""
    f.putcmd("ABOR")
    replies = [f.getline(), f.getline()]
    check(replies[0][:3] in ("426", "451") and
          replies[1][:3] in ("225", "226"),
          "replies to the aborted transfer and ABOR, in order: %r" % replies)
    resp = f.sendcmd("NOOP")
    check(resp.startswith("200"), "a stray reply after ABOR: %r" % resp)


@test
def abort_during_protected_transfers_and_empty_files():
    """ABOR while a protected STOR is under way (data cut mid-record), and
    while a RETR is still sending: the transfer fails (426) before ABOR
    is answered (226), never a 226 for the cut store; the session goes
    on.  Empty files both ways."""
    with Server("acc_abor_up", conf="TimeoutLinger 1\n") as srv:
        put_file(srv, "alice", "big.bin", os.urandom(32 * 1024 * 1024))
        for _ in range(2):
            f = client(srv)
            f.voidcmd("TYPE I")
            conn, _ = f.ntransfercmd("STOR ab.bin")
            conn.sendall(os.urandom(512 * 1024))
            raw = socket.socket(fileno=os.dup(conn.fileno()))
            raw.sendall(b"\x17\x03\x03\x10\x00" + b"Q" * 10)
            raw.close()
            conn.close()
            _abor_replies(f)
            # a download the client stops reading, then ABOR
            conn, _ = f.ntransfercmd("RETR big.bin")
            check(len(conn.recv(65536)) > 0, "no data before ABOR")
            _abor_replies(f)
            conn.close()
            check_eq(retr(f, "hello.txt"), b"hello from alice\n", "after")
            f.quit()
        f = client(srv)
        f.storbinary("STOR empty.bin", io.BytesIO(b""))
        check_eq(os.path.getsize(os.path.join(srv.home("alice"),
                                              "empty.bin")), 0, "empty STOR")
        check_eq(retr(f, "empty.bin"), b"", "empty RETR")
        f.quit()
        no_crash(srv)


def _listing(f, cmd):
    """(first reply, bytes on the data connection) of a listing."""
    host, port = pasv(f)
    s = socket.create_connection((host, port), timeout=10)
    f.putcmd(cmd)
    resp = f.getline()
    got = b""
    if resp.startswith("150"):
        if f._prot_p:
            s = f.context.wrap_socket(s, server_hostname="localhost",
                                      session=f.sock.session)
        got = read_all(s, 5)
        s.close()           # before the 226: ProFTPD lingers for our FIN
        f.getline()
    s.close()
    return resp, got


def _glob_tree(srv):
    home = srv.home("alice")
    for d in ("secret", "pub", "pub/deeper", "open"):
        os.makedirs(os.path.join(home, d))
        os.chown(os.path.join(home, d), NOBODY_UID, NOBODY_GID)
    put_file(srv, "alice", "secret/SECRET-NAME.txt", b"s")
    put_file(srv, "alice", "pub/public.txt", b"p")
    put_file(srv, "alice", "pub/deeper/NEVER-NAME.txt", b"p")
    put_file(srv, "alice", "open/o.txt", b"o")
    os.makedirs(os.path.join(home, "ovr", "inner"))
    put_file(srv, "alice", "ovr/inner/.ftpaccess", b"SecureDataConn private\n")
    put_file(srv, "alice", "ovr/inner/OVR-NAME.txt", b"o")


def _glob_login(srv, prot):
    f = ReusingFTP_TLS(context=client_context(), timeout=20)
    f.connect("127.0.0.1", srv.port)
    f.auth()
    f.login("alice", USERS["alice"])
    f.voidcmd("PBSZ 0")
    f.voidcmd("PROT " + prot)
    f._prot_p = prot == "P"
    return f


@test
def dataconn_glob_and_recursive_listing_respect_directories():
    """SPEC 3.1 (521): LIST/NLST with a wildcard that reaches into a
    directory, and LIST -R over it, show that directory's names: its
    SecureDataConn applies (no names of a 'private' directory in clear,
    none of a 'never' directory under PROT P)."""
    with Server("acc_glob", conf=ACC_DIRS) as srv:
        _glob_tree(srv)
        f = _glob_login(srv, "C")
        for cmd in ("LIST */*.txt", "NLST */*", "NLST s*/*", "LIST -R",
                    "LIST -lR /", "LIST -R s*", "LIST -aR .",
                    "NLST secret/*", "LIST [s]ecret/*", "LIST -R ovr"):
            resp, got = _listing(f, cmd)
            check(b"SECRET-NAME" not in got and b"OVR-NAME" not in got,
                  "%s under PROT C showed the private directory: %r"
                  % (cmd, got))
            check(resp.startswith("521") and "SecureDataConn" in resp,
                  "%s: %r" % (cmd, resp))
        # what shows only clear directories still works
        for cmd, want in (("NLST pub/*.txt", b"pub/public.txt"),
                          ("NLST *", b"secret"), ("LIST sec*", b"secret"),
                          ("LIST -R open", b"o.txt"),
                          ("NLST o*/*", b"open/o.txt")):
            resp, got = _listing(f, cmd)
            check(resp.startswith("150") and want in got,
                  "%s: %r %r" % (cmd, resp, got))
        f.quit()
        f = _glob_login(srv, "P")
        for cmd in ("LIST -R", "LIST pub/*", "NLST */*.txt"):
            resp, got = _listing(f, cmd)
            check(resp.startswith("521"), "%s under PROT P: %r" % (cmd,
                                                                  resp))
        resp, got = _listing(f, "LIST -R secret")
        check(resp.startswith("150") and b"SECRET-NAME" in got,
              "LIST -R secret under PROT P: %r" % resp)
        f.quit()
        no_crash(srv)
    # ListOptions -R makes every LIST recursive
    with Server("acc_listopts", conf=ACC_DIRS + 'ListOptions "-R"\n') as srv:
        _glob_tree(srv)
        f = _glob_login(srv, "C")
        resp, got = _listing(f, "LIST")
        check(resp.startswith("521") and b"SECRET-NAME" not in got,
              "LIST with ListOptions -R: %r %r" % (resp, got))
        f.quit()


@test
def trickled_client_hello_and_implicit_plaintext_data():
    """SPEC 6 (Timeouts): SecureHandshakeTimeout bounds the whole data
    handshake, not each read: a ClientHello trickled a byte at a time is
    cut off.  On an implicit FTPS port a plaintext data client gets no
    file byte either."""
    data = MARKER * 2000
    implicit = """
<VirtualHost 127.0.0.1>
  Port {port2}
  SecureEngine on
  SecureCertificate {certs}/server.crt {certs}/server.key
  SecureImplicit on
  SecureHandshakeTimeout 2
  AuthUserFile {dir}/passwd
  AuthGroupFile {dir}/group
  DefaultRoot ~
</VirtualHost>
"""
    with Server("acc_trickle", conf="SecureHandshakeTimeout 2\n",
                vhosts=implicit) as srv:
        put_file(srv, "alice", "m.bin", data)
        f = client(srv)
        host, port = pasv(f)
        s = socket.create_connection((host, port), timeout=10)
        f.putcmd("RETR m.bin")
        start = time.time()
        hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40
        try:
            for b in hello:
                s.send(bytes([b]))
                time.sleep(0.25)
                if time.time() - start > 6:
                    break
        except OSError:
            pass
        resp = final_reply(f)
        elapsed = time.time() - start
        s.close()
        check(resp.startswith("522"), "trickled ClientHello: %r" % resp)
        check(elapsed < 5, "522 after %.1f s, not ~2 s" % elapsed)
        f.quit()

        ctx = client_context()
        f = ReusingFTP_TLS(context=ctx, timeout=20)
        f.sock = ctx.wrap_socket(socket.create_connection(
            ("127.0.0.1", srv.port2), timeout=20), server_hostname="localhost")
        f.af = socket.AF_INET
        f.host = "127.0.0.1"
        f.file = f.sock.makefile("r", encoding=f.encoding)
        f.welcome = f.getresp()
        f.login("alice", USERS["alice"])
        f._prot_p = True
        host, port = pasv(f)
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(b"\r\n")
        f.putcmd("RETR m.bin")
        got = read_all(s, 5)
        s.close()
        check(MARKER not in got, "implicit: file in clear")
        check(not final_reply(f).startswith("226"), "implicit: 226")
        check_eq(retr(f, "m.bin"), data, "implicit RETR")
        f.quit()
        no_crash(srv)


@test
def fleet_hung_redis_does_not_hang_running_sessions():
    """Issue 9 (Redis unavailable): a Redis that accepts connections but
    never answers (stopped) does not hang a running protected session's
    transfers, and the node serves new sessions again once Redis answers.
    (New sessions during the hang: t/regress/test_fleet_outage.py.)"""
    import signal
    tf = _fleet()
    with tf.Redis("acc_hung") as redis:
        kf = tf.key_file("acc_hung")
        with tf.node("acchung_a", redis, kf, lifetime=3600) as a:
            f = client(a)
            check_eq(retr(f, "hello.txt"), b"hello from alice\n", "before")
            os.kill(redis.proc.pid, signal.SIGSTOP)
            try:
                start = time.time()
                for _ in range(3):
                    check_eq(retr(f, "hello.txt"), b"hello from alice\n",
                             "running session, Redis hung")
                f.storbinary("STOR h.bin", io.BytesIO(b"x" * 100000))
                elapsed = time.time() - start
                check(elapsed < 10, "Redis hung: %.1f s for four "
                      "transfers" % elapsed)
            finally:
                os.kill(redis.proc.pid, signal.SIGCONT)
            f.quit()
            g = client(a, version=ssl.TLSVersion.TLSv1_2)
            check_eq(retr(g, "hello.txt"), b"hello from alice\n",
                     "new session after Redis answers again")
            g.quit()
            no_crash(a)


@test
def stat_listing_on_clear_control_connection():
    """SPEC 3.2: STAT <path> lists on the control connection.  After CCC
    under PROT P, or for a 'SecureDataConn private' directory on a clear
    control connection, that listing would leave in clear: refused."""
    conf = ACC_DIRS + "SecureCtrlConn clear\nSecureSessionReuse allowed\n"
    with Server("acc_stat", conf=conf) as srv:
        _glob_tree(srv)
        f = client(srv)
        check("SECRET-NAME" in f.sendcmd("STAT secret"), "STAT protected")
        f.ccc()
        for arg in ("secret", "pub", "-la", "s*/*"):
            try:
                resp = f.sendcmd("STAT " + arg)
            except ftplib.error_perm as e:
                resp = str(e)
            check(resp.startswith("534") and "SECRET-NAME" not in resp,
                  "STAT %s after CCC under PROT P: %r" % (arg, resp[:200]))
        check(f.sendcmd("STAT").startswith("211"), "STAT alone")
        f.quit()
        # a plain (never protected) session: only private places refused
        f = ftplib.FTP(timeout=20)
        f.connect("127.0.0.1", srv.port)
        f.login("alice", USERS["alice"])
        for arg in ("secret", "-la secret", "s*/*", "*/*.txt"):
            try:
                resp = f.sendcmd("STAT " + arg)
            except ftplib.error_perm as e:
                resp = str(e)
            check(resp.startswith("534") and "SECRET-NAME" not in resp,
                  "plain STAT %s: %r" % (arg, resp[:200]))
        check("public.txt" in f.sendcmd("STAT pub"), "plain STAT pub")
        f.quit()
        no_crash(srv)


@test
def ascii_mode_both_ways_across_record_boundaries():
    """TYPE A under PROT P: CRLF pairs that straddle TLS records and read
    batches are converted exactly, both ways."""
    line = b"x" * 16382 + b"\r\n"        # CRLF on every record boundary
    lines = [b"y" * i + b"\r\n" for i in (1, 16381, 16383, 16384, 40000)]
    text = b"".join(lines * 20) + line * 64
    with Server("acc_ascii") as srv:
        f = client(srv)
        f.voidcmd("TYPE A")
        conn, _ = f.ntransfercmd("STOR a.txt")
        for i in range(0, len(text), 16383):   # odd write sizes
            conn.sendall(text[i:i + 16383])
        conn.unwrap()
        conn.close()
        check(f.voidresp().startswith("226"), "ASCII STOR")
        stored = open(os.path.join(srv.home("alice"), "a.txt"), "rb").read()
        check_eq(len(stored), len(text.replace(b"\r\n", b"\n")),
                 "ASCII STOR length")
        check(stored == text.replace(b"\r\n", b"\n"), "ASCII STOR bytes")
        got = []
        conn, _ = f.ntransfercmd("RETR a.txt")
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            got.append(chunk)
        conn.close()
        check(f.voidresp().startswith("226"), "ASCII RETR")
        check(b"".join(got) == text, "ASCII RETR bytes")
        f.quit()
        no_crash(srv)
