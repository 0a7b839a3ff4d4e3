#!/bin/sh
# Runs mod_secftp for real: ProFTPD with the module on 127.0.0.1, an
# explicit-FTPS port (AUTH TLS) and an implicit-FTPS port, throwaway
# certificates, and a demo user.  Ctrl-C stops it.
#
# Usage (Debian 12, as root): contrib/demo.sh
# Environment: DEMO_PORT (2121), DEMO_IMPLICIT_PORT (9990), DEMO_DIR (./demo)
set -eu

cd "$(dirname "$0")/.."
top=$(pwd)
port=${DEMO_PORT:-2121}
implicit_port=${DEMO_IMPLICIT_PORT:-9990}
dir=${DEMO_DIR:-$top/demo}
user=demo
password=demo-password

packages="proftpd-core proftpd-dev libssl-dev pkg-config gcc make openssl
  curl lftp"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
    grep -q '^install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq $missing >/dev/null
  pkill -x proftpd 2>/dev/null || true
fi

make -s mod_secftp.so

mkdir -p "$dir/home/$user" "$dir/modules"
chmod 0755 "$dir" "$dir/home"
"$top/contrib/certs.sh" "$dir/certs" >/dev/null
echo "Hello from mod_secftp." >"$dir/home/$user/welcome.txt"
chown -R nobody:nogroup "$dir/home/$user"

# The demo user lives in its own AuthUserFile and runs as nobody.
hash=$(openssl passwd -6 "$password")
echo "$user:$hash:65534:65534::$dir/home/$user:/bin/sh" >"$dir/passwd"
echo "nogroup:x:65534:$user" >"$dir/group"
chmod 0600 "$dir/passwd"

# A ModulePath with this build of mod_secftp beside Debian's modules.
for m in /usr/lib/proftpd/*.so; do
  ln -sf "$m" "$dir/modules/"
done
ln -sf "$top/mod_secftp.so" "$dir/modules/mod_secftp.so"

cat >"$dir/proftpd.conf" <<CONF
ServerType standalone
ServerName "mod_secftp demo"
DefaultServer on
DefaultAddress 127.0.0.1
SocketBindTight on
Port $port
PassivePorts 30000 30100
User nobody
Group nogroup
UseReverseDNS off
WtmpLog off
PidFile $dir/proftpd.pid
ScoreboardFile $dir/proftpd.scoreboard
SystemLog $dir/proftpd.log
TransferLog $dir/xfer.log
ModulePath $dir/modules
LoadModule mod_secftp.c
<IfModule mod_delay.c>
  DelayEngine off
</IfModule>

# Accounts and file access, the same on both ports.
<Global>
  AuthOrder mod_auth_file.c
  AuthUserFile $dir/passwd
  AuthGroupFile $dir/group
  RequireValidShell off
  DefaultRoot ~
  AllowOverwrite on
</Global>

<IfModule mod_secftp.c>
  SecureEngine on
  SecureCertificate $dir/certs/server.crt $dir/certs/server.key
  SecureCertificate $dir/certs/server-ec.crt $dir/certs/server-ec.key
  SecureFTP required
  SecureFTPLog $dir/secftp.log
</IfModule>

<VirtualHost 127.0.0.1>
  Port $implicit_port
  <IfModule mod_secftp.c>
    SecureEngine on
    SecureImplicit on
    SecureCertificate $dir/certs/server.crt $dir/certs/server.key
    SecureFTPLog $dir/secftp.log
  </IfModule>
</VirtualHost>
CONF

cat <<EOF2
mod_secftp demo: ProFTPD with mod_secftp on 127.0.0.1
  explicit FTPS (AUTH TLS): port $port    implicit FTPS: port $implicit_port
  user: $user   password: $password   files: $dir/home/$user
  logs: $dir/proftpd.log, $dir/secftp.log

Try, in another terminal:
  curl --ssl-reqd --cacert $dir/certs/ca.crt -u $user:$password ftp://localhost:$port/
  curl --ssl-reqd --cacert $dir/certs/ca.crt -u $user:$password ftp://localhost:$port/welcome.txt
  curl --cacert $dir/certs/ca.crt -u $user:$password ftps://localhost:$implicit_port/
  lftp -e 'set ftp:ssl-force true; set ssl:ca-file $dir/certs/ca.crt; ls; bye' -u $user,$password localhost:$port
  openssl s_client -starttls ftp -connect 127.0.0.1:$port -CAfile $dir/certs/ca.crt

Ctrl-C stops the server.
EOF2

# proftpd -n stays in the foreground; Ctrl-C (SIGINT) reaches it directly.
exec /usr/sbin/proftpd -n -c "$dir/proftpd.conf"
