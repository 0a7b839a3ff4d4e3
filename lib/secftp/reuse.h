/*
 * reuse: binding data connections to their own control connection
 * (SecureSessionReuse; the threat model is doc/session-reuse.md).
 *
 * Every session and ticket carries a lineage token (SSL_SESSION ticket
 * appdata, sealed inside the ticket or kept server-side with the cached
 * session).  A control connection's full handshake draws a fresh random
 * token; a control connection that resumes a session carrying a token
 * adopts it, since resuming proves possession of that session's secrets.
 * Every session and ticket issued on the control connection or on its
 * accepted data connections carries the lineage, and a data connection is
 * accepted only when it resumed a session of that lineage (and presents no
 * client certificate other than the control connection's).  Every
 * transfer leaves the client one fresh TLS 1.3 ticket of the lineage (on
 * the control connection while it is protected, on the accepted data
 * connection after CCC), so clients that use a ticket only once (RFC 8446
 * appendix C.4) never run out.
 */

#ifndef SECFTP_REUSE_H
#define SECFTP_REUSE_H

#include "mod_secftp.h"

/* Installs the ticket callbacks on a server context (daemon, at build). */
int secftp_reuse_setup_ctx(SSL_CTX *ctx);

/* Called for every new server connection before its handshake: control
 * connections get a fresh lineage candidate; data connections get no
 * tickets at the handshake, and either kernel TLS (when the kernel has
 * the "tls" ULP) or the bulk socket layer.
 */
void secftp_reuse_prepare(SSL *ssl, int fd);

/* A TLS 1.2 session is about to be stored outside this process (the
 * fleet's cache): gives it the lineage first.  Returns 0, or -1 when it
 * must not be stored.
 */
int secftp_reuse_stamp_new_session(SSL *ssl, SSL_SESSION *sess);

/* Checks a finished data handshake against SecureSessionReuse and the
 * control connection's client certificate.  Returns 0, or -1 with *why
 * set to what the client offered.
 */
int secftp_reuse_check(SSL *data_ssl, const char **why);

/* When the control connection is clear (CCC), a resumed TLS 1.3 data
 * connection gets one fresh ticket of the lineage: a download's right
 * after the accepted handshake (closing is FALSE), an upload's just
 * before its close_notify (closing is TRUE), once the client has sent
 * everything -- a client that never reads an upload's connection would
 * otherwise close it with the ticket unread, and its kernel's reset could
 * cut the end of the upload.
 */
void secftp_reuse_issue_transfer_ticket(SSL *data_ssl, int closing);

/* Before a protected data command: with TLS 1.3 and a protected control
 * connection, one fresh ticket of the lineage goes out with the command's
 * first reply, for the next transfer.
 */
void secftp_reuse_before_transfer(void);

#endif /* SECFTP_REUSE_H */
