#!/bin/sh
# Runs mod_secftp for real: ProFTPD with the module on 127.0.0.1, an
# explicit-FTPS port (AUTH TLS) and an implicit-FTPS port, throwaway
# certificates, and a demo user.  Ctrl-C stops it.
#
# Usage (Debian 12, as root): contrib/demo.sh
# Environment:
#   DEMO_PORT            explicit FTPS (AUTH TLS) port     (2121)
#   DEMO_IMPLICIT_PORT   implicit FTPS port                (9990)
#   DEMO_PASSIVE_PORTS   passive data port range, "LOW HIGH" (30000 30100)
#   DEMO_DIR             where everything goes             (./demo)
#
# It stops nothing it did not start: packages it installs are installed
# with their services kept from starting (policy-rc.d), so a proftpd already
# running on this host is left alone, and the demo server listens only on
# its own ports.
set -eu

cd "$(dirname "$0")/.."
top=$(pwd)
port=${DEMO_PORT:-2121}
implicit_port=${DEMO_IMPLICIT_PORT:-9990}
passive=${DEMO_PASSIVE_PORTS:-30000 30100}
dir=${DEMO_DIR:-$top/demo}

# A port (or a range's bound) must be a number from 1 to 65535.
check_port() {
  case $2 in
    ''|*[!0-9]*) echo "demo: $1 '$2' is not a port number" >&2; exit 2 ;;
  esac
  if [ "$2" -lt 1 ] || [ "$2" -gt 65535 ]; then
    echo "demo: $1 '$2' is not a port number" >&2; exit 2
  fi
}
check_port DEMO_PORT "$port"
check_port DEMO_IMPLICIT_PORT "$implicit_port"
set -- $passive
[ $# -eq 2 ] || { echo "demo: DEMO_PASSIVE_PORTS must be 'LOW HIGH'" >&2; exit 2; }
check_port "DEMO_PASSIVE_PORTS low" "$1"
check_port "DEMO_PASSIVE_PORTS high" "$2"
[ "$1" -le "$2" ] || { echo "demo: DEMO_PASSIVE_PORTS: $1 > $2" >&2; exit 2; }
passive_low=$1 passive_high=$2
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
  # Installing proftpd-core would start Debian's own proftpd service on
  # port 21; policy-rc.d (Debian's invoke-rc.d policy) keeps it from
  # starting, so there is nothing to stop afterwards.  An existing policy
  # is the host's and is left as it is.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# contrib/demo.sh: no service starts while it installs\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    own_policy=1
  fi
  status=0
  { apt-get update -qq && apt-get install -y -qq $missing >/dev/null; } || status=$?
  [ "$own_policy" = 0 ] || rm -f "$policy"
  [ "$status" = 0 ] || { echo "demo: apt-get failed" >&2; exit 1; }
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
PassivePorts $passive_low $passive_high
User nobody
Group nogroup
UseReverseDNS off
WtmpLog off
PidFile $dir/proftpd.pid
ScoreboardFile $dir/proftpd.scoreboard
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
  passive data ports: $passive_low-$passive_high
  user: $user   password: $password   files: $dir/home/$user
  logs: $dir/proftpd.log (server, also shown here), $dir/secftp.log (TLS),
        $dir/xfer.log (transfers)

Try, in another terminal:
  curl --ssl-reqd --cacert $dir/certs/ca.crt -u $user:$password ftp://localhost:$port/
  curl --ssl-reqd --cacert $dir/certs/ca.crt -u $user:$password ftp://localhost:$port/welcome.txt
  curl --cacert $dir/certs/ca.crt -u $user:$password ftps://localhost:$implicit_port/
  lftp -e 'set ftp:ssl-force true; set ssl:ca-file $dir/certs/ca.crt; ls; bye' -u $user,$password localhost:$port
  openssl s_client -starttls ftp -connect 127.0.0.1:$port -CAfile $dir/certs/ca.crt

Ctrl-C stops the server.
EOF2

# proftpd -n stays in the foreground and writes its log to stderr (a
# SystemLog file would stay empty): tee keeps it in proftpd.log too.
# Ctrl-C (SIGINT) reaches both; only this proftpd is stopped.
/usr/sbin/proftpd -n -c "$dir/proftpd.conf" 2>&1 | tee -a "$dir/proftpd.log"
