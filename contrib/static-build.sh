#!/bin/sh
# Builds ProFTPD 1.3.8 (Debian 12's proftpd-dfsg source) with mod_secftp
# linked in statically, the way ProFTPD's own build treats contrib modules,
# then proves it: `proftpd -l` lists mod_secftp.c, and the static proftpd
# (no LoadModule, no DSO) answers AUTH TLS on 127.0.0.1 and completes the
# handshake.
#
#   contrib/static-build.sh
#   contrib/static-build.sh --source-only   step 1 only; prints the tree
#                                           (t/regress/test_migrate.py reads
#                                           mod_tls' regression configs)
#
# Steps (all under build/, which is reused):
#   1. source: `apt-get source proftpd-dfsg` into build/proftpd-src/, once
#      (contrib/proftpd-source.sh, which adds a deb-src entry if apt has
#      none).
#   2. a fresh copy of that source in build/static/proftpd/, with this tree
#      copied to contrib/mod_secftp/ and `autoconf -o configure config.m4`
#      run there,
#   3. ./configure --enable-openssl --with-modules=mod_secftp && make -j2,
#   4. ./proftpd -l | grep mod_secftp.c, then a short run on loopback with
#      contrib/secftp.conf Included (certificates from contrib/certs.sh).
#
# Needs: dpkg-dev, autoconf, gcc, make, libssl-dev, openssl, python3.
# Output of configure/make goes to build/static/build.log.  Exit status 0
# only when every step worked.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
work=$build/static
jobs=${SECFTP_JOBS:-2}

say() { printf '== static build: %s\n' "$*"; }
die() { printf 'static build FAILED: %s\n' "$*" >&2; exit 1; }

tools="dpkg-source autoconf gcc make openssl python3"
[ "${1:-}" = --source-only ] && tools=dpkg-source
for tool in $tools; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool not found (apt-get install dpkg-dev autoconf gcc make openssl python3 libhiredis-dev)"
done

# The fleet's Redis client links libhiredis (the "$Libraries:" line of
# mod_secftp.c, which ProFTPD's configure adds to the static link).
[ -f /usr/include/hiredis/hiredis.h ] ||
  die "hiredis headers not found (apt-get install libhiredis-dev)"

# 1. The source, once (contrib/proftpd-source.sh).
tree=$("$top/contrib/proftpd-source.sh") || die "no proftpd source"
if [ "${1:-}" = --source-only ]; then
  printf '%s\n' "$tree"
  exit 0
fi
say "source: $tree"

# 2. A fresh tree each run: configure caches nothing stale, and a change in
# our files is always seen.
rm -rf "$work"
mkdir -p "$work"
cp -a "$tree" "$work/proftpd"
pt=$work/proftpd
mod=$pt/contrib/mod_secftp
mkdir -p "$mod"
(cd "$top" && cp -a mod_secftp.c mod_secftp.h config.m4 Makefile.in \
  GNUmakefile lib "$mod"/)
mkdir -p "$mod/t" && cp -a "$top/t/api" "$mod/t/"
(cd "$mod" && autoconf -o configure config.m4 && rm -rf autom4te.cache) ||
  die "autoconf -o configure config.m4"

# 3. Configure and build.
log=$work/build.log
say "configure --enable-openssl --with-modules=mod_secftp (log: $log)"
(cd "$pt" && ./configure --enable-openssl --with-modules=mod_secftp \
  --disable-nls) >"$log" 2>&1 || { tail -n 40 "$log" >&2; die "configure"; }
say "make -j$jobs"
(cd "$pt" && make -j"$jobs") >>"$log" 2>&1 ||
  { grep -E 'error|Error' "$log" | tail -n 20 >&2; die "make"; }
[ -f "$mod/mod_secftp.a" ] || die "contrib/mod_secftp/mod_secftp.a was not built"

# 4. Proof.
"$pt/proftpd" -l | grep -q '^ *mod_secftp\.c$' ||
  die "./proftpd -l does not list mod_secftp.c"
say "./proftpd -l lists mod_secftp.c"

certs=$work/certs
"$top/contrib/certs.sh" "$certs" >/dev/null
run=$work/run
mkdir -p "$run"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$run/proftpd.conf" <<CONF
# The static proftpd: no LoadModule anywhere, mod_secftp is built in.
ServerName "mod_secftp static build"
ServerType standalone
DefaultServer on
Port $port
DefaultAddress 127.0.0.1
SocketBindTight on
UseIPv6 off
User nobody
Group nogroup
PidFile $run/proftpd.pid
ScoreboardFile $run/proftpd.scoreboard
DelayEngine off
WtmpLog off
UseReverseDNS off
SystemLog $run/system.log
TransferLog none

# The shipped template, whose LoadModule is skipped when the module is
# built in; only its certificate and log paths changed.
Include $run/secftp.conf
CONF
sed -e "s|/etc/ssl/certs/proftpd-secftp.crt|$certs/server.crt|" \
    -e "s|/etc/ssl/private/proftpd-secftp.key|$certs/server.key|" \
    -e "s|/var/log/proftpd/secftp.log|$run/secftp.log|" \
    "$top/contrib/secftp.conf" >"$run/secftp.conf"

"$pt/proftpd" -t -c "$run/proftpd.conf" >"$run/syntax.log" 2>&1 ||
  { cat "$run/syntax.log" >&2; die "proftpd -t refused the configuration"; }

"$pt/proftpd" -n -q -c "$run/proftpd.conf" >"$run/stdout.log" 2>&1 &
pid=$!
stop() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap stop EXIT INT TERM

# AUTH TLS, a verified handshake, then PBSZ/PROT over TLS: only mod_secftp,
# linked into this binary, can answer these.
if ! timeout 60 python3 - "$port" "$certs/ca.crt" <<'PY'
import socket, ssl, sys, time
port, ca = int(sys.argv[1]), sys.argv[2]
deadline = time.time() + 20
while True:
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("server did not start on port %d" % port)
        time.sleep(0.2)
f = sock.makefile("rb")

def reply():
    line = f.readline().decode()
    while line[3:4] == "-":
        line = f.readline().decode()
    return line.strip()

def cmd(s, line):
    s.sendall(line.encode() + b"\r\n")
    return reply()

greeting = reply()
assert greeting.startswith("220"), greeting
r = cmd(sock, "AUTH TLS")
assert r.startswith("234"), "AUTH TLS: " + r
ctx = ssl.create_default_context(cafile=ca)
tls = ctx.wrap_socket(sock, server_hostname="localhost")
f = tls.makefile("rb")
for line, want in (("PBSZ 0", "200"), ("PROT P", "200")):
    r = cmd(tls, line)
    assert r.startswith(want), "%s: %s" % (line, r)
print("AUTH TLS ok: %s %s" % (tls.version(), tls.cipher()[0]))
cmd(tls, "QUIT")
PY
then
  cat "$run/system.log" "$run/stdout.log" >&2 2>/dev/null || true
  die "the static proftpd did not speak FTPS"
fi
stop
trap - EXIT INT TERM
say "ok"
