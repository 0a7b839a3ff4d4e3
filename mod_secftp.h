/*
 * mod_secftp: FTPS (RFC 4217 / RFC 2228) with z/OS-style security policy
 * for ProFTPD.
 *
 * This header is shared by the module entry (mod_secftp.c) and the units
 * under lib/secftp/ that need ProFTPD's API.  Units that must stay testable
 * without the ProFTPD core (values, ciphers, certmap, ...) do not include it.
 */

#ifndef MOD_SECFTP_H
#define MOD_SECFTP_H

#include "conf.h"
#include "privs.h"

#include <openssl/opensslv.h>
#include <openssl/ssl.h>

#define MOD_SECFTP_VERSION		"mod_secftp/0.1.0"

/* Refuse, at compile time, the builds we cannot support. */
#if PROFTPD_VERSION_NUMBER < 0x0001030805
# error "mod_secftp requires ProFTPD 1.3.8 or later"
#endif

#ifndef PR_USE_OPENSSL
# error "mod_secftp requires a ProFTPD built with OpenSSL (./configure --enable-openssl)"
#endif

#if OPENSSL_VERSION_NUMBER < 0x30000000L
# error "mod_secftp requires OpenSSL 3.0 or later"
#endif

extern module secftp_module;

/* The module's name as it appears in events, notes and log lines. */
#define SECFTP_EVENT_PREFIX		"mod_secftp."

/* CHECK_ARGS only counts a minimum: a directive that takes one value also
 * refuses a second one ("SecureDataConn private clear"), naming it.
 */
#define SECFTP_CHECK_ONE_ARG(cmd) \
  CHECK_ARGS(cmd, 1); \
  if ((cmd)->argc > 2) \
    CONF_ERROR(cmd, pstrcat((cmd)->tmp_pool, "unexpected value '", \
      (char *) (cmd)->argv[2], "': takes one value", NULL))

#endif /* MOD_SECFTP_H */
