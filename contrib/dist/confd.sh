#!/bin/sh
# Writes the packages' /etc/proftpd/conf.d/secftp.conf from the template
# (contrib/secftp.conf): the LoadModule block stays active, everything else
# is commented out.  Installing the package thus loads the module, which
# does nothing until SecureEngine is on (doc/mod_secftp.html, "Installing
# the packages"); uncommenting the template's lines turns FTPS on.
#
#   contrib/dist/confd.sh contrib/secftp.conf > secftp.conf
set -eu

template=${1:?usage: $0 TEMPLATE}

cat <<'HEAD'
#
# mod_secftp (package proftpd-mod-secftp).  Debian's proftpd.conf Includes
# /etc/proftpd/conf.d/, so the module is loaded; with SecureEngine off (the
# default) it answers nothing and mod_tls, if enabled, keeps serving.
#
# To serve FTPS with mod_secftp: remove the "#" in front of the lines
# below (at least SecureEngine and SecureCertificate), set the certificate
# paths, turn mod_tls off for the same servers, and reload proftpd.
# Manual: /usr/share/doc/proftpd-mod-secftp/mod_secftp.html
#
HEAD

# The first <IfModule !mod_secftp.c> block (LoadModule) is copied as it is;
# every other line that is not already a comment gets a "# ".
awk '
  /^<IfModule !mod_secftp\.c>/ && !loaded { inload = 1 }
  inload { print; if ($0 ~ /^<\/IfModule>/) { inload = 0; loaded = 1 }; next }
  /^[[:space:]]*$/ || /^[[:space:]]*#/ { print; next }
  { print "# " $0 }
' "$template"
