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

/* Checks, as root at parse time, that cert_path holds a PEM certificate
 * (optionally followed by its chain) that is currently valid, and that
 * key_path holds the matching private key.  Returns NULL when all is well,
 * or a message naming the file and the problem, allocated from p.
 */
const char *secftp_tls_check_cert_files(pool *p, const char *cert_path,
  const char *key_path);

/* Says what is wrong with the dates of cert (read from path), or NULL. */
const char *secftp_tls_cert_validity_problem(pool *p, const char *path,
  X509 *cert);

/* TRUE when ctx holds at least one server certificate that is valid now
 * (one may have expired since startup: AUTH then gets 431).
 */
int secftp_tls_ctx_has_usable_cert(SSL_CTX *ctx);

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

/* Runs a server-side handshake on fd, bounded by timeout seconds.
 * Returns the connection, or NULL with *problem set to a short reason (the
 * OpenSSL details go to the module log).
 */
SSL *secftp_tls_accept(SSL_CTX *ctx, int fd, long timeout,
  const char **problem);

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
