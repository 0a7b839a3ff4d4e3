/*
 * vhostid: the identity of a virtual host's TLS sessions.
 *
 * A session or ticket made on one virtual host must never resume on
 * another (RFC 6066 section 3; doc/session-reuse.md, "Sessions belong to
 * their vhost"): the client certificate it carries was verified against
 * that host's trust anchors only.  Each server context therefore gets its
 * own session-id context (OpenSSL refuses to resume a session, from its
 * cache or from a ticket, whose context differs), and the same identity
 * names that host's ticket keys and session records in Redis.
 *
 * The identity is a digest of the host's name and of everything that
 * decides whether a client certificate counts (trust anchors, revocation,
 * depth, certificate map), not of its address: the nodes of a fleet serve
 * one host on different addresses and must share its sessions.
 */

#ifndef SECFTP_VHOSTID_H
#define SECFTP_VHOSTID_H

#include "mod_secftp.h"
#include "secftp/conf.h"

#define SECFTP_VHOSTID_LEN	32

/* Computes s's identity, makes it ctx's session-id context and keeps it
 * with ctx.  Returns 0, or -1.
 */
int secftp_vhostid_setup_ctx(SSL_CTX *ctx, server_rec *s,
  const struct secftp_settings *st);

/* ctx's identity (SECFTP_VHOSTID_LEN bytes), or NULL. */
const unsigned char *secftp_vhostid_get(SSL_CTX *ctx);

/* The first bytes of ctx's identity in hex, for record and key names
 * (16 characters and a NUL; "-" when ctx has none).
 */
#define SECFTP_VHOSTID_HEX_SIZE	17
void secftp_vhostid_hex(SSL_CTX *ctx, char out[SECFTP_VHOSTID_HEX_SIZE]);

#endif /* SECFTP_VHOSTID_H */
