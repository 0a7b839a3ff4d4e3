/*
 * reuse: binding data connections to their own control connection.
 *
 * The SSL_CTX is built once in the daemon and shared by every session, so
 * its ticket key, and anything a session ID names, is not proof that a
 * data connection belongs to this control connection.  Each control
 * handshake draws a random token; every session and ticket this control
 * connection issues carries it (SSL_SESSION ticket appdata), and a data
 * connection counts as "reused" only when it resumed a session carrying
 * the current token.  Data connections get no tickets of their own.
 */

#ifndef SECFTP_REUSE_H
#define SECFTP_REUSE_H

#include "mod_secftp.h"

/* Installs the ticket callbacks on a server context (daemon, at build). */
int secftp_reuse_setup_ctx(SSL_CTX *ctx);

/* Called for every new server connection before its handshake: control
 * connections get a fresh token; data connections get no tickets, and
 * either kernel TLS (when the kernel has the "tls" ULP) or the bulk
 * socket layer.
 */
void secftp_reuse_prepare(SSL *ssl, int fd);

/* Checks a finished data handshake against SecureSessionReuse and the
 * control connection's client certificate.  Returns 0, or -1 with *why
 * set to a short reason.
 */
int secftp_reuse_check(SSL *data_ssl, const char **why);

/* Before a data command: with TLS 1.3, issues a fresh ticket on the
 * control connection when the newest one is halfway to expiry, so long
 * sessions keep resuming.
 */
void secftp_reuse_refresh_tickets(void);

#endif /* SECFTP_REUSE_H */
