/*
 * sesscache: TLS 1.2 sessions (by session id) shared by a fleet through
 * Redis, sealed with a key derived from SecureTicketKeyFile.
 *
 * OpenSSL's own cache stays in front: a data connection resuming its
 * control connection is found in the session process's memory, and Redis
 * is asked only for sessions this process has not seen (a reconnecting
 * client that lands on another node, or on another process of this one).
 * TLS 1.3 sessions need no cache: their tickets carry them, and the
 * fleet's shared ticket keys make those resumable everywhere.
 */

#ifndef SECFTP_SESSCACHE_H
#define SECFTP_SESSCACHE_H

#include "mod_secftp.h"
#include "secftp/record.h"

/* Installs the new/get/remove callbacks on ctx (in the daemon), sealing
 * records with key, which must outlive ctx.
 */
void secftp_sesscache_install(SSL_CTX *ctx,
  const unsigned char key[SECFTP_RECORD_KEY_LEN]);

#endif /* SECFTP_SESSCACHE_H */
