#!/bin/sh
# Builds the proftpd-mod-secftp .deb from this tree with dpkg-buildpackage
# (prxs build, contrib/dist/debian/) and checks it with lintian (errors
# fail).  With --test it then installs the package (apt-get install ./deb),
# starts Debian's proftpd from the installed files (the installed template
# Included, certificates from contrib/certs.sh) on 127.0.0.1, and logs in
# over FTPS with curl: directory listing and a download over PROT P.
#
#   contrib/dist/build-deb.sh [--test]
#
# Work and results go to build/deb/ (the .deb, .changes, lintian.log).
# Only the files git knows or would add (not ignored ones), as in a clean
# clone, go into the package source; outside git, all but build/.
# Needs: dpkg-dev, debhelper, fakeroot, lintian, proftpd-dev, libssl-dev,
# libtool-bin; for --test also root, proftpd-core, curl, openssl.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/deb
test_it=0
case "${1:-}" in
  --test) test_it=1 ;;
  "") ;;
  *) echo "usage: $0 [--test]" >&2; exit 2 ;;
esac

say() { printf '== deb: %s\n' "$*"; }
die() { printf 'deb FAILED: %s\n' "$*" >&2; exit 1; }

for tool in dpkg-buildpackage dh fakeroot lintian prxs; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool not found (apt-get install dpkg-dev debhelper fakeroot lintian proftpd-dev)"
done

version=$(dpkg-parsechangelog -l "$top/contrib/dist/debian/changelog" -S Version)
upstream=${version%-*}
src=$out/proftpd-mod-secftp-$upstream

rm -rf "$out"
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar cf -) | tar xf - -C "$src"
else
  (cd "$top" && tar cf - --exclude=./build --exclude=./.git .) |
    tar xf - -C "$src"
fi
rm -rf "$src/debian"
cp -a "$top/contrib/dist/debian" "$src/debian"

say "dpkg-buildpackage -b (log: $out/build.log)"
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 ||
  { tail -n 40 "$out/build.log" >&2; die "dpkg-buildpackage"; }

deb=$(ls "$out"/proftpd-mod-secftp_"$version"_*.deb)
changes=$(ls "$out"/proftpd-mod-secftp_"$version"_*.changes)
say "built $(basename "$deb")"

# lintian: errors fail the build; warnings are listed.
lintian --fail-on error --info "$changes" >"$out/lintian.log" 2>&1 ||
  { cat "$out/lintian.log" >&2; die "lintian reports errors"; }
say "lintian: $(grep -c '^E:' "$out/lintian.log" || true) errors, $(grep -c '^W:' "$out/lintian.log" || true) warnings"

# What must be in the package, where Debian's ProFTPD looks for it.
contents=$(dpkg-deb -c "$deb")
docs=$(cd "$top/doc" && ls -- *.md)
for path in ./usr/lib/proftpd/mod_secftp.so \
    ./usr/share/proftpd/templates/secftp.conf \
    ./etc/proftpd/conf.d/secftp.conf \
    ./usr/share/doc/proftpd-mod-secftp/mod_secftp.html \
    ./usr/share/doc/proftpd-mod-secftp/copyright \
    $(printf './usr/share/doc/proftpd-mod-secftp/%s ' $docs); do
  printf '%s\n' "$contents" | grep -q " $path\$" || die "package lacks $path"
done
dpkg-deb -e "$deb" "$out/control"
grep -qx /etc/proftpd/conf.d/secftp.conf "$out/control/conffiles" ||
  die "conf.d/secftp.conf is not a conffile"
dpkg-deb -f "$deb" Depends | grep -q 'proftpd-abi-' ||
  die "Depends lacks proftpd-abi: $(dpkg-deb -f "$deb" Depends)"

[ "$test_it" = 1 ] || { say "ok: $deb"; exit 0; }

# --- Install and run it ---------------------------------------------------
[ "$(id -u)" = 0 ] || die "--test installs the package: run as root"
for tool in curl openssl python3 /usr/sbin/proftpd; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
say "apt-get install $deb"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall "$deb" \
  >"$out/install.log" 2>&1 || { cat "$out/install.log" >&2; die "apt-get install"; }
[ -f /usr/lib/proftpd/mod_secftp.so ] || die "module not installed"

run=$out/run
certs=$run/certs
home=$run/home
mkdir -p "$run" "$home"
chmod 0755 "$out" "$run"
"$top/contrib/certs.sh" "$certs" >/dev/null
echo "packaged module works" >"$home/hello.txt"
chown -R nobody:nogroup "$home"

# The installed template, Included as shipped except for the certificate
# paths (which must name real files: they are checked at startup).
tmpl=/usr/share/proftpd/templates/secftp.conf
sed -e "s|/etc/ssl/certs/proftpd-secftp.crt|$certs/server.crt|" \
    -e "s|/etc/ssl/private/proftpd-secftp.key|$certs/server.key|" \
    -e "s|/var/log/proftpd/secftp.log|$run/secftp.log|" \
    "$tmpl" >"$run/secftp.conf"
[ "$(diff "$tmpl" "$run/secftp.conf" | grep -c '^>')" = 2 ] ||
  die "the template's certificate/log lines were not found"

hash=$(openssl passwd -6 -salt secftpdeb deb-secret)
echo "debuser:$hash:65534:65534::$home:/bin/sh" >"$run/passwd"
chmod 0600 "$run/passwd"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pasv=$((port + 1))
cat >"$run/proftpd.conf" <<CONF
# Debian's proftpd, the installed module and the installed template.
ServerName "proftpd-mod-secftp package test"
ServerType standalone
DefaultServer on
Port $port
DefaultAddress 127.0.0.1
SocketBindTight on
UseIPv6 off
User nobody
Group nogroup
PassivePorts $pasv $((pasv + 20))
PidFile $run/proftpd.pid
ScoreboardFile $run/proftpd.scoreboard
DelayEngine off
WtmpLog off
UseReverseDNS off
SystemLog $run/system.log
TransferLog none
AuthOrder mod_auth_file.c
AuthUserFile $run/passwd
RequireValidShell off
DefaultRoot ~
ModulePath /usr/lib/proftpd
Include $run/secftp.conf
CONF

/usr/sbin/proftpd -t -c "$run/proftpd.conf" >"$run/syntax.log" 2>&1 ||
  { cat "$run/syntax.log" >&2; die "proftpd -t refused the configuration"; }
# The installed conf.d snippet, as Debian's proftpd.conf Includes it, with
# the template Included after it: both load the module without a clash.
{ grep -v "^Include $run/secftp.conf\$" "$run/proftpd.conf"
  echo "Include /etc/proftpd/conf.d/secftp.conf"
  echo "Include $run/secftp.conf"; } >"$run/proftpd-confd.conf"
/usr/sbin/proftpd -t -c "$run/proftpd-confd.conf" >"$run/syntax-confd.log" 2>&1 ||
  { cat "$run/syntax-confd.log" >&2; die "proftpd -t refused the installed conf.d/secftp.conf"; }
/usr/sbin/proftpd -n -q -c "$run/proftpd.conf" >"$run/stdout.log" 2>&1 &
pid=$!
stop() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap stop EXIT INT TERM

i=0
until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 1).close()" 2>/dev/null; do
  i=$((i + 1))
  [ $i -lt 50 ] || { cat "$run/system.log" >&2; die "proftpd did not start"; }
  kill -0 "$pid" 2>/dev/null || { cat "$run/stdout.log" "$run/system.log" >&2; die "proftpd exited"; }
  sleep 0.2
done
say "proftpd (installed files) listening on 127.0.0.1:$port"

curl_ftps() {
  curl -sS --max-time 20 --ssl-reqd --cacert "$certs/ca.crt" \
    -u debuser:deb-secret "$@"
}
listing=$(curl_ftps -l "ftp://localhost:$port/") ||
  { cat "$run/system.log" "$run/secftp.log" >&2 2>/dev/null; die "FTPS login/listing"; }
printf '%s\n' "$listing" | grep -qx 'hello.txt' || die "listing lacks hello.txt: $listing"
body=$(curl_ftps "ftp://localhost:$port/hello.txt") || die "FTPS download"
[ "$body" = "packaged module works" ] || die "download returned: $body"
# The policy of the template holds: a plain-FTP login is refused.
if curl -sS --max-time 10 -u debuser:deb-secret -l "ftp://localhost:$port/" \
    >/dev/null 2>&1; then
  die "plain FTP login accepted, but the template says SecureFTP required"
fi
grep -q 'protected' "$run/secftp.log" || die "SecureFTPLog has no handshake line"
stop
trap - EXIT INT TERM
say "ok: installed package serves FTPS (login, LIST, RETR over PROT P)"
