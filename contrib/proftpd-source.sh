#!/bin/sh
# Prints the path of Debian 12's unpacked proftpd-dfsg source tree, fetching
# it once with `apt-get source proftpd-dfsg` into build/proftpd-src/.
# Used by contrib/static-build.sh (to build ProFTPD with the module linked
# in) and t/perl/run.sh (ProFTPD's Perl test harness, tests/t/lib/).
#
#   tree=$(contrib/proftpd-source.sh)
#
# apt-get source needs a deb-src entry; if apt has none, one is added as
# /etc/apt/sources.list.d/secftp-deb-src.sources (root; the same mirrors as
# the deb entries of Debian 12).  Needs dpkg-dev.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
srcdir=$build/proftpd-src

say() { printf '== proftpd source: %s\n' "$*" >&2; }
die() { printf 'proftpd source FAILED: %s\n' "$*" >&2; exit 1; }

command -v dpkg-source >/dev/null 2>&1 ||
  die "dpkg-source not found (apt-get install dpkg-dev)"

have_deb_src() {
  grep -rqsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' \
    /etc/apt/sources.list /etc/apt/sources.list.d/
}

# The unpacked source tree, if there is one.
find_tree() {
  for d in "$srcdir"/proftpd-dfsg-*/; do
    [ -d "$d" ] && { printf '%s\n' "${d%/}"; return 0; }
  done
  return 0
}

tree=$(find_tree)
if [ -z "$tree" ]; then
  if ! have_deb_src; then
    [ "$(id -u)" = 0 ] || die "no deb-src entry in apt's sources (run as root to add one)"
    say "adding a deb-src entry for bookworm"
    cat >/etc/apt/sources.list.d/secftp-deb-src.sources <<'SOURCES'
# Added by mod_secftp's contrib/proftpd-source.sh: source packages, for
# `apt-get source proftpd-dfsg`.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    apt-get update -qq >&2 || die "apt-get update"
  fi
  say "fetching the proftpd-dfsg source"
  rm -rf "$srcdir" && mkdir -p "$srcdir"
  (cd "$srcdir" && apt-get source -qq proftpd-dfsg) >"$build/apt-source.log" 2>&1 ||
    { cat "$build/apt-source.log" >&2; die "apt-get source proftpd-dfsg"; }
  tree=$(find_tree)
  [ -n "$tree" ] || die "apt-get source left no proftpd-dfsg-* directory"
fi
printf '%s\n' "$tree"
