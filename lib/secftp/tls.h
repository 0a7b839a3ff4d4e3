/*
 * tls: the OpenSSL side of mod_secftp.
 *
 * Server contexts (SSL_CTX) are built once per <VirtualHost> in the daemon,
 * before any session forks, so a session pays nothing to set them up and a
 * plain FTP session pays nothing at all.  This unit also wraps the
 * handshake, reads, writes and shutdowns of one SSL connection.
 */

#ifndef SECFTP_TLS_H
#define SECFTP_TLS_H

#include "mod_secftp.h"
#include "secftp/conf.h"

/* Builds the contexts of every server in server_list whose SecureEngine is
 * on.  Returns 0, or -1 after logging every problem with the directive and
 * the server it concerns.
 */
int secftp_tls_build_servers(void);

/* Frees every server context (daemon restart and shutdown). */
void secftp_tls_free_servers(void);

/* The context and settings built for s, or NULL when s has no engine. */
SSL_CTX *secftp_tls_server_ctx(server_rec *s);
const struct secftp_settings *secftp_tls_server_settings(server_rec *s);

/* The daemon's own settings of s, which sessions forked later copy (for
 * ftpdctl secftp reload-certmap).  NULL when s has no TLS.
 */
struct secftp_settings *secftp_tls_server_settings_rw(server_rec *s);

/* Runs a server-side handshake on fd, bounded by timeout seconds.
 * Returns the connection, or NULL with *problem set to a short reason (the
 * OpenSSL details go to the module log).
 */
SSL *secftp_tls_accept(SSL_CTX *ctx, int fd, long timeout,
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
