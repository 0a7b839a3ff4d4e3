/*
 * ticketcb: session tickets encrypted with the keys of the ticketkeys
 * schedule (SSL_CTX_set_tlsext_ticket_key_evp_cb), for TLS 1.2 and 1.3.
 *
 * The key of the current period encrypts; the keys of the current and the
 * previous period decrypt (the previous one asks OpenSSL for a fresh
 * ticket).  With SecureSessionCache redis they are the fleet's keys, read
 * from (or created in) Redis and kept for the node's processes in a shared
 * page, read again every 10 s.  When Redis cannot give one, and with
 * SecureSessionCache internal, the node's own keys serve; with off, the
 * session process's own.
 */

#ifndef SECFTP_TICKETCB_H
#define SECFTP_TICKETCB_H

#include "mod_secftp.h"
#include "secftp/conf.h"

/* Installs the callback on ctx for st (in the daemon, at postparse).
 * Returns 0, or -1 after logging.
 */
/* In a session that cannot use ctx: wipes this process's copy of its
 * ticket keys (issue 13; the daemon's stay).
 */
void secftp_ticketcb_scrub(SSL_CTX *ctx);

/* In a session that uses no ticket key at all: unmaps the node's shared
 * key cache from this process.
 */
void secftp_ticketcb_unmap(void);

int secftp_ticketcb_install(SSL_CTX *ctx, server_rec *s,
  const struct secftp_settings *st);

#endif /* SECFTP_TICKETCB_H */
