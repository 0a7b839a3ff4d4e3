/*
 * tls: one server-side TLS connection -- its handshake, bounded in time,
 * its record reads and writes with ProFTPD's blocking semantics, and its
 * shutdown.  The contexts themselves are built by servers.c and kept by
 * vhosts.c.
 */

#ifndef SECFTP_TLS_H
#define SECFTP_TLS_H

#include "mod_secftp.h"

/* Prepares a new connection on fd before its handshake (the caller's
 * choice of host, tickets, I/O layer).  Returns 0, or -1 to give up.
 */
typedef int (*secftp_tls_prepare_fn)(SSL *ssl, int fd);

/* Runs a server-side handshake on fd, bounded by timeout seconds, after
 * prepare (may be NULL).  Returns the connection, or NULL with *problem set
 * to a short reason (the OpenSSL details go to the module log).
 */
SSL *secftp_tls_accept(SSL_CTX *ctx, int fd, long timeout,
  secftp_tls_prepare_fn prepare, const char **problem);

/* The same as a TLS client (SSCN ON: a site-to-site data connection),
 * with a client context.
 */
SSL *secftp_tls_connect(SSL_CTX *ctx, int fd, long timeout,
  const char **problem);

/* Reads up to len bytes.  Returns the count, 0 at a clean close_notify, or
 * -1 with errno set (ECONNRESET for a connection cut without close_notify).
 */
int secftp_tls_read(SSL *ssl, char *buf, size_t len);

/* Writes all of len bytes.  Returns len, or -1 with errno set. */
int secftp_tls_write(SSL *ssl, const char *buf, size_t len);

/* Sends close_notify and, when wait_for_peer is TRUE, waits (bounded by
 * timeout seconds) for the peer's; then frees ssl.
 */
void secftp_tls_close(SSL *ssl, int wait_for_peer, long timeout);

#endif /* SECFTP_TLS_H */
