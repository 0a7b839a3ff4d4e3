#!/usr/bin/env python3
"""Wire-level fuzzer: random and mutated command sequences against a live
proftpd + mod_secftp on loopback, outside and inside TLS.

  t/fuzz/wire.py [--seed N] [--count N] [--time S] [--jobs N]

Each case is one connection built from the seed and its index (so a
failing case is replayed with --seed S --only I): plaintext commands with
TELNET IAC sequences, NUL, bare LF/CR, over-long lines; commands pipelined
behind AUTH; garbage or a mutated ClientHello after 234 and on the
implicit port; random commands, then random bytes below TLS, after the
handshake; garbage instead of the data connection's ClientHello.

Afterwards the daemon must still serve a normal FTPS login + LIST, every
session must have ended (none hung), and neither the SystemLog nor stderr
may show a crash or a sanitizer report (run it under t/sanitize.sh for
ASan).  Ends with "wire: N cases, N failed" and exits non-zero on failure.
"""

import argparse
import concurrent.futures
import os
import random
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "regress"))

import harness  # noqa: E402
import stress  # noqa: E402

VHOST = """
<VirtualHost 127.0.0.1>
  Port {port2}
  SecureEngine on
  SecureImplicit on
  SecureHandshakeTimeout 3
  SecureCertificate {certs}/server.crt {certs}/server.key
  SecureFTPLog {dir}/secftp-implicit.log
  AuthOrder mod_auth_file.c
  AuthUserFile {dir}/passwd
  AuthGroupFile {dir}/group
  RequireValidShell off
  DefaultRoot ~
</VirtualHost>
"""

COMMANDS = [
    "USER alice", "PASS " + harness.USERS["alice"], "USER bob", "PASS x",
    "AUTH TLS", "AUTH SSL", "AUTH TLS-C", "AUTH TLS-P", "AUTH", "AUTH X",
    "PBSZ 0", "PBSZ 4294967296", "PBSZ -1", "PBSZ", "PROT P", "PROT C",
    "PROT S", "PROT E", "PROT", "PROT PP", "CCC", "FEAT", "OPTS UTF8 ON",
    "SYST", "PWD", "CWD /", "CWD ..", "TYPE I", "TYPE A", "PASV", "EPSV",
    "EPSV ALL", "PORT 127,0,0,1,0,1", "LIST", "NLST", "RETR hello.txt",
    "STOR fuzz.bin", "SIZE hello.txt", "MDTM hello.txt", "REST 5",
    "ABOR", "STAT", "HELP", "NOOP", "REIN", "MKD d", "RMD d",
    "RNFR hello.txt", "RNTO x.txt", "DELE x.txt", "ADAT AAAA", "MIC x",
    "CONF x", "ENC x", "HOST localhost", "CLNT fuzz", "QUIT",
]

IAC_BITS = [b"\xff\xf4", b"\xff\xf2", b"\xff\xff", b"\xff\xfb\x01",
            b"\xff\xfd\x03", b"\xff", b"\xff\xfe"]


def mutate_line(rnd, line):
    """A command line, perhaps damaged; returns bytes with a terminator."""
    data = bytearray(line.encode())
    for _ in range(rnd.choice([0, 0, 1, 2, 4])):
        op = rnd.randrange(7)
        pos = rnd.randrange(len(data) + 1)
        if op == 0:
            data[pos:pos] = rnd.choice(IAC_BITS)
        elif op == 1:
            data[pos:pos] = b"\0"
        elif op == 2 and data:
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        elif op == 3:
            data[pos:pos] = bytes(rnd.randrange(256)
                                  for _ in range(rnd.randrange(1, 16)))
        elif op == 4:
            data[pos:pos] = b"A" * rnd.choice([512, 1023, 1024, 4096,
                                                70000])
        elif op == 5:
            data[pos:pos] = b"%s%n%x"
        else:
            del data[pos:pos + rnd.randrange(1, 4)]
    end = rnd.choice([b"\r\n"] * 6 + [b"\n", b"\r", b"", b"\r\r\n",
                                       b"\n\r"])
    return bytes(data) + end


def mutate_bytes(rnd, data):
    """A damaged copy of a binary message (a ClientHello)."""
    data = bytearray(data)
    for _ in range(rnd.randrange(1, 8)):
        op = rnd.randrange(5)
        if op == 0 and data:
            data[rnd.randrange(len(data))] ^= 1 << rnd.randrange(8)
        elif op == 1 and data:
            data[rnd.randrange(len(data))] = rnd.choice([0, 0xff, 0x7f,
                                                         0x80])
        elif op == 2:
            del data[rnd.randrange(len(data) + 1):]
        elif op == 3:
            pos = rnd.randrange(len(data) + 1)
            data[pos:pos] = bytes(rnd.randrange(256)
                                  for _ in range(rnd.randrange(1, 64)))
        elif len(data) > 5:
            # Record or handshake length fields.
            pos = rnd.choice([3, 4, 6, 7, 8])
            if pos < len(data):
                data[pos] = rnd.randrange(256)
    return bytes(data)


def garbage(rnd):
    kind = rnd.randrange(4)
    if kind == 0:
        return bytes(rnd.randrange(256) for _ in range(rnd.randrange(1,
                                                                     600)))
    if kind == 1:
        return mutate_bytes(rnd, HELLO)
    if kind == 2:
        return b"USER alice\r\n"     # plaintext where TLS is expected
    return b"\x16\x03\x01" + bytes(rnd.randrange(256) for _ in range(60))


def drain(sock, rnd, budget=1.0):
    """Reads what the server says for a moment; ignores errors."""
    sock.settimeout(budget)
    try:
        while sock.recv(65536):
            pass
    except (OSError, ssl.SSLError):
        pass


def plain_case(rnd, srv):
    sock = stress.connect(srv.port, timeout=5)
    try:
        lines = [mutate_line(rnd, rnd.choice(COMMANDS))
                 for _ in range(rnd.randrange(1, 12))]
        if rnd.random() < 0.5:
            sock.sendall(b"".join(lines))       # pipelined
        else:
            for line in lines:
                sock.sendall(line)
        drain(sock, rnd, 0.3)
    finally:
        sock.close()


def auth_garbage_case(rnd, srv):
    """AUTH TLS (maybe with pipelined commands), then no real hello."""
    sock = stress.connect(srv.port, timeout=5)
    try:
        sock.recv(4096)
        tail = b"".join(mutate_line(rnd, rnd.choice(COMMANDS))
                        for _ in range(rnd.randrange(0, 3)))
        sock.sendall(b"AUTH TLS\r\n" + tail)
        time.sleep(0.05)
        sock.sendall(garbage(rnd))
        drain(sock, rnd, 0.5)
    finally:
        sock.close()


def implicit_case(rnd, srv):
    sock = stress.connect(srv.port2, timeout=5)
    try:
        sock.sendall(garbage(rnd))
        drain(sock, rnd, 0.5)
    finally:
        sock.close()


def _tls_login(rnd, srv, login=True):
    sock = stress.connect(srv.port, timeout=5)
    sock.recv(4096)
    sock.sendall(b"AUTH TLS\r\n")
    reply = b""
    while b"\n" not in reply:
        chunk = sock.recv(4096)
        if not chunk:
            raise EOFError("closed after AUTH")
        reply += chunk
    conn = stress.TLSConn(sock).handshake()
    if login:
        conn.cmd("USER alice")
        conn.cmd("PASS " + harness.USERS["alice"])
    return conn


def tls_case(rnd, srv):
    """Random commands inside TLS, then perhaps raw bytes below it."""
    conn = _tls_login(rnd, srv, login=rnd.random() < 0.7)
    try:
        for _ in range(rnd.randrange(1, 10)):
            conn.send(mutate_line(rnd, rnd.choice(COMMANDS)))
        if rnd.random() < 0.5:
            conn.raw_send(garbage(rnd))
        drain(conn.sock, rnd, 0.3)
    finally:
        conn.sock.close()


def data_case(rnd, srv):
    """PROT P, a transfer command, garbage on the data connection."""
    conn = _tls_login(rnd, srv)
    try:
        conn.cmd("PBSZ 0")
        conn.cmd("PROT P")
        code, text = conn.cmd("PASV")
        if code != 227:
            return
        nums = text[text.index("(") + 1:text.index(")")].split(",")
        port = int(nums[4]) * 256 + int(nums[5])
        data = stress.connect(port, timeout=5)
        conn.send(rnd.choice([b"LIST\r\n", b"RETR hello.txt\r\n",
                              b"STOR fuzz.bin\r\n", b"NLST\r\n"]))
        if rnd.random() < 0.8:
            data.sendall(garbage(rnd))
        drain(data, rnd, 0.3)
        data.close()
        drain(conn.sock, rnd, 0.3)
    finally:
        conn.sock.close()


CASES = [plain_case, auth_garbage_case, implicit_case, tls_case, data_case]
HELLO = b""


def run_case(seed, index, srv):
    rnd = random.Random(seed * 1000003 + index)
    case = rnd.choice(CASES)
    try:
        case(rnd, srv)
    except (OSError, EOFError, ssl.SSLError, ValueError, IndexError):
        pass        # the server may refuse or drop us: that is its right
    return case.__name__


def final_checks(srv):
    problems = []
    if srv.proc.poll() is not None:
        problems.append("daemon exited (%s)" % srv.proc.returncode)
        return problems
    # As bob: the fuzz cases log in as alice and may leave any file names
    # (and a renamed hello.txt) in her home.
    try:
        stress.full_session(srv, user="bob", upload=b"after fuzzing\n" * 100,
                            name="after.bin")
    except Exception as e:      # noqa: BLE001 -- any failure is reported
        problems.append("normal session after fuzzing failed: %r; SystemLog "
                        "ends: %s" % (e, srv.log("proftpd.log")[-1500:]))
    # Every fuzz session must end by itself: a hung one would hold a slot.
    deadline = time.time() + 20
    while stress.children(srv.proc.pid) and time.time() < deadline:
        time.sleep(0.2)
    left = stress.children(srv.proc.pid)
    if left:
        problems.append("sessions still running 20s after the last "
                        "client left: %s" % "; ".join(
                            stress.describe(pid) for pid in left))
    problems += stress.crash_report(srv)
    return problems


def main():
    global HELLO
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=int(os.environ.get(
        "WIRE_FUZZ_SEED", "7")))
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--time", type=float, default=60)
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--only", type=int, help="replay one case")
    args = ap.parse_args()

    HELLO = stress.client_hello()
    srv = harness.Server("wire", vhosts=VHOST,
                         conf="SecureHandshakeTimeout 3\n")
    srv.start()
    ran = {}
    deadline = time.time() + args.time
    try:
        if args.only is not None:
            indexes = [args.only]
        else:
            indexes = range(args.count)
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            pending = set()
            for i in indexes:
                if time.time() > deadline:
                    break
                pending.add(pool.submit(run_case, args.seed, i, srv))
                if len(pending) >= args.jobs * 2:
                    done, pending = concurrent.futures.wait(
                        pending, return_when="FIRST_COMPLETED")
                    for fut in done:
                        name = fut.result()
                        ran[name] = ran.get(name, 0) + 1
            for fut in concurrent.futures.as_completed(pending):
                name = fut.result()
                ran[name] = ran.get(name, 0) + 1
        problems = final_checks(srv)
    finally:
        srv.stop()
    total = sum(ran.values())
    print("wire: seed %d, %s" % (args.seed, ", ".join(
        "%s %d" % kv for kv in sorted(ran.items()))))
    for p in problems:
        print("wire: PROBLEM: " + p)
    print("wire: %d cases, %d failed" % (total, 1 if problems else 0))
    harness.cleanup()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
