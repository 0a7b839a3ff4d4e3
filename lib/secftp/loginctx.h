/*
 * loginctx: the policy of the context a login lands in.
 *
 * ProFTPD knows at login time more than at connection time: the
 * <Anonymous> area a USER name leads to, and the <IfUser>, <IfGroup> and
 * <IfClass> blocks mod_ifsession merges into the server's configuration.
 * This unit decides what those contexts may say about FTPS (SPEC 6.1,
 * "Protocols", "Per-user and per-<Anonymous> TLS requirement"):
 *
 *   - SecureFTP of the context: <Anonymous> and mod_ifsession blocks may
 *     set it, checked at USER and again once the login is complete;
 *   - ProFTPD's Protocols list governs FTPS as it governs plain FTP;
 *   - every other Secure* directive in a mod_ifsession block is a startup
 *     error naming the directive and the block (it would do nothing).
 */

#ifndef SECFTP_LOGINCTX_H
#define SECFTP_LOGINCTX_H

#include "mod_secftp.h"

/* The SecureFTP value (SECFTP_FTP_*) that governs a login as user (NULL:
 * no USER yet, or the logged-in session's own context).
 */
int secftp_loginctx_ftp(const char *user);

/* The same for the server-level SecureDataConn (SECFTP_DATACONN_*), which
 * also decides whether login needs AUTH; fallback when none is set.
 */
int secftp_loginctx_dataconn(const char *user, int fallback);

/* A login just completed: ends the session with 530 when its context
 * requires a protected control connection it does not have, or its
 * Protocols list lacks "ftps" while the control connection is protected.
 * Returns only when the login may go on.
 */
void secftp_loginctx_check_login(void);

/* usage: PASS (LOG_CMD, after every module's POST_CMD):
 * secftp_loginctx_check_login() for the login PASS completed.
 */
modret_t *secftp_loginctx_post_login(cmd_rec *cmd);

/* core.postparse: FALSE when a mod_ifsession block of any server holds a
 * Secure* directive that cannot take effect there (each one logged).
 */
int secftp_loginctx_check_servers(void);

#endif /* SECFTP_LOGINCTX_H */
