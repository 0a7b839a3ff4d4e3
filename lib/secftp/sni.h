/*
 * sni: name-based virtual hosts for FTPS.  The TLS server_name (SNI) of the
 * control handshake, or a HOST command sent before AUTH (RFC 7151), picks
 * the <VirtualHost> whose certificate is presented and whose policy then
 * governs the session.
 */

#ifndef SECFTP_SNI_H
#define SECFTP_SNI_H

#include "mod_secftp.h"
#include "secftp/conf.h"

/* Installs the ClientHello callback on a server context (at build time). */
void secftp_sni_setup_ctx(SSL_CTX *ctx);

/* Session start: remembers the settings of the server that owns the
 * listening address (StrictSNI is taken from it) and listens for
 * core.session-reinit, which HOST fires when it switches virtual host.
 */
void secftp_sni_sess_init(const struct secftp_settings *st);

/* Called on every new SSL before its handshake: when HOST or SNI switched
 * this session to another virtual host, the connection takes that host's
 * certificates and TLS settings.  Returns 0, or -1 when they cannot be
 * applied.
 */
int secftp_sni_prepare(SSL *ssl);

/* The settings of the virtual host the current control connection uses:
 * the one SNI selected during its handshake (until the next command makes
 * it the session's), else the session's.
 */
const struct secftp_settings *secftp_sni_settings(void);

/* Complete a virtual host switch decided by SNI during the last control
 * handshake, so that the chosen host's configuration governs the session:
 * POST_CMD of AUTH, and PRE_CMD of every command (the first command after
 * an implicit FTPS handshake, which ran in sess_init).
 */
modret_t *secftp_sni_post_auth(cmd_rec *cmd);
modret_t *secftp_sni_pre_cmd(cmd_rec *cmd);

#endif /* SECFTP_SNI_H */
