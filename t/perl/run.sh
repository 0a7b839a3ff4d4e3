#!/bin/sh
# Runs mod_secftp's tests in ProFTPD's own Perl harness
# (t/lib/ProFTPD/Tests/Modules/mod_secftp.pm, t/modules/mod_secftp.t)
# against Debian's proftpd with ./mod_secftp.so loaded as a DSO.
#
#   t/perl/run.sh
#
# The harness (tests/t/lib/ProFTPD/TestSuite/) comes from Debian's
# proftpd-dfsg source package (contrib/proftpd-source.sh, cached in
# build/).  Work and logs go to build/perl/; the last line is
# "perl: N passed, N failed".  A test that does not report, or a run that
# does not start, counts as failed.  Needs: libtest-unit-perl,
# libio-socket-ssl-perl, perl (Net::FTP), openssl, dpkg-dev.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
work=$top/build/perl

summary() {
  echo "perl: $1 passed, $2 failed"
  [ "$2" = 0 ]
  exit $?
}

for m in Test::Unit::HarnessUnit IO::Socket::SSL Net::FTP; do
  perl -M"$m" -e 1 2>/dev/null || {
    echo "Perl module $m missing (apt-get install libtest-unit-perl" \
      "libio-socket-ssl-perl)" >&2
    summary 0 1
  }
done
[ -f "$top/mod_secftp.so" ] || { echo "no mod_secftp.so: run make" >&2; summary 0 1; }
tree=$("$top/contrib/proftpd-source.sh") || summary 0 1

rm -rf "$work"
mkdir -p "$work/t/modules" "$work/modules"
cp -a "$tree/tests/t/lib" "$work/t/"
cp -a "$top/t/lib/." "$work/t/lib/"
cp "$top/t/modules/mod_secftp.t" "$work/t/modules/"
ln -s "$top/mod_secftp.so" "$work/modules/mod_secftp.so"

log=$work/tap.log
(cd "$work" &&
  PROFTPD_TEST_BIN=${PROFTPD_TEST_BIN:-/usr/sbin/proftpd} \
  SECFTP_TEST_MODULE_PATH=$work/modules SECFTP_SRC=$top \
  perl t/modules/mod_secftp.t) >"$log" 2>&1
cat "$log"

planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$log" | head -n 1)
passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")
if [ -z "$planned" ]; then
  failed=$((failed + 1))
elif [ $((passed + failed)) -lt "$planned" ]; then
  failed=$((planned - passed))
fi
summary "$passed" "$failed"
