dnl mod_secftp: autoconf input for ProFTPD's own build.
dnl
dnl ProFTPD's top-level configure, given --with-modules=mod_secftp (or
dnl --with-shared=mod_secftp), runs the configure made from this file in
dnl contrib/mod_secftp/ and then calls `make static` (or shared, install,
dnl clean, distclean) there.  Make it with:
dnl
dnl   autoconf -o configure config.m4
dnl
dnl The generated configure is never committed: next to mod_secftp.c it
dnl would make Debian's prxs refuse to build the module.

AC_PREREQ([2.69])
AC_INIT([mod_secftp], [0.1.0])
AC_CONFIG_SRCDIR([mod_secftp.c])

AC_PROG_CC
AC_PROG_CPP

dnl ProFTPD's configure passes its own --with-includes / --with-libraries
dnl down to us: honour them, as ProFTPD does (colon-separated lists).
AC_ARG_WITH([includes],
  [AS_HELP_STRING([--with-includes=LIST],
    [colon-separated extra include directories (e.g. where OpenSSL is)])],
  [for dir in `echo "$withval" | sed -e 's/:/ /g'`; do
     secftp_includes="$secftp_includes -I$dir"
   done])

AC_ARG_WITH([libraries],
  [AS_HELP_STRING([--with-libraries=LIST],
    [colon-separated extra library directories])],
  [for dir in `echo "$withval" | sed -e 's/:/ /g'`; do
     secftp_libdirs="$secftp_libdirs -L$dir"
   done])

CPPFLAGS="$CPPFLAGS $secftp_includes"
LDFLAGS="$LDFLAGS $secftp_libdirs"

dnl OpenSSL 3.0 or later: the module uses the 3.0 API (providers, the
dnl SSL_CTX_new_ex family) and no longer carries 1.1 compatibility code.
AC_CHECK_HEADER([openssl/ssl.h], [],
  [AC_MSG_ERROR([mod_secftp needs the OpenSSL headers (Debian: libssl-dev)])])

AC_MSG_CHECKING([whether OpenSSL is 3.0 or later])
AC_COMPILE_IFELSE(
  [AC_LANG_PROGRAM([[#include <openssl/opensslv.h>
#if OPENSSL_VERSION_NUMBER < 0x30000000L
# error OpenSSL older than 3.0
#endif
]], [[return 0;]])],
  [AC_MSG_RESULT([yes])],
  [AC_MSG_RESULT([no])
   AC_MSG_ERROR([mod_secftp requires OpenSSL 3.0 or later])])

AC_CHECK_LIB([crypto], [EVP_MD_fetch], [],
  [AC_MSG_ERROR([libcrypto from OpenSSL 3.0 or later not found])])
AC_CHECK_LIB([ssl], [SSL_CTX_new_ex], [],
  [AC_MSG_ERROR([libssl from OpenSSL 3.0 or later not found])], [-lcrypto])

dnl The fleet's Redis client (SecureRedisServer, doc/fleet.md): hiredis.
AC_CHECK_HEADER([hiredis/hiredis.h], [],
  [AC_MSG_ERROR([mod_secftp needs the hiredis headers (Debian: libhiredis-dev)])])
AC_CHECK_LIB([hiredis], [redisConnectWithTimeout], [],
  [AC_MSG_ERROR([libhiredis not found (Debian: libhiredis-dev)])])

dnl What Makefile.in needs.  MODULE_LIBS stays empty: the libraries of a
dnl static build come from the "$Libraries:" line of mod_secftp.c, which
dnl ProFTPD's configure reads itself.
INCLUDES="$secftp_includes"
LIBDIRS="$secftp_libdirs"
MODULE_LIBS=""

AC_SUBST([INCLUDES])
AC_SUBST([LIBDIRS])
AC_SUBST([LDFLAGS])
AC_SUBST([MODULE_LIBS])

AC_CONFIG_FILES([Makefile])
AC_OUTPUT
