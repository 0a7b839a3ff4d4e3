/*
 * session: the one owner of the FTP session's protection state.
 *
 * Every fact the module keeps about the current session lives in one
 * struct, written here only, through named transitions (the life of a
 * session in doc/control-channel.md, "Session model"):
 *
 *   begin             sess_init: the governing server's settings
 *   protect_ctrl      a control handshake finished (AUTH, implicit FTPS)
 *   begin_implicit    implicit FTPS: as if AUTH TLS, PBSZ 0, PROT P
 *   accept_pbsz       PBSZ 0 accepted
 *   set_prot          PROT C|P (and AUTH SSL/TLS-P, REIN)
 *   clear_ctrl        CCC: TLS ended, TCP stays (RFC 4217 section 5)
 *   switch_vhost      SNI or HOST chose another <VirtualHost>
 *   logout            REIN / AUTH after login (RFC 4217 sections 4.2, 13)
 *   reset             REIN: back to the state at connection open
 *   login             a USER/PASS pair succeeded (again)
 *   set_sscn          SSCN ON|OFF: TLS client or server on data connections
 *   end               the session is over
 *
 * Other units read the state through secftp_sess, a read-only view: a
 * write anywhere else does not compile.
 */

#ifndef SECFTP_SESSION_H
#define SECFTP_SESSION_H

#include "mod_secftp.h"
#include "secftp/conf.h"
#include "secftp/policy.h"

/* State bits of the session (the same values as SECFTP_PST_* of the pure
 * policy unit, policy.h, so the state is handed over as it is).
 */
#define SECFTP_STATE_CTRL_TLS	0x0001	/* control connection protected */
#define SECFTP_STATE_PBSZ	0x0002	/* PBSZ accepted */
#define SECFTP_STATE_CCC	0x0004	/* control protection cleared by CCC */
#define SECFTP_STATE_IMPLICIT	0x0008	/* implicit FTPS port */

/* mod_auth's session note holding the name USER gave, until the login
 * succeeds or fails.
 */
#define SECFTP_ORIG_USER_NOTE	"mod_auth.orig-user"

struct secftp_session {
  /* The governing server's configuration (a copy: SNI and HOST may switch
   * the server).
   */
  struct secftp_settings settings;
  SSL_CTX *ctx;

  /* The control connection's TLS, when protected (kept after CCC: it is
   * the session data connections resume).
   */
  SSL *ctrl_ssl;

  unsigned int state;

  /* Data protection level: 'C' (clear) or 'P' (private). */
  char prot;

  /* SSCN ON: the client context protected data connections are made
   * with (this server is the TLS client of a site-to-site transfer);
   * NULL: SSCN OFF, the TLS server as usual.
   */
  SSL_CTX *sscn_ctx;

  /* Logged out at the protocol level by REIN or AUTH after login
   * (rfc4217): only the account below may log in again, with USER (then
   * user_ok is set) and a PASS the auth chain verifies.
   */
  int logged_out;
  int user_ok;
  const char *account;		/* the USER name of the first login */
  const char *auth_user;	/* the account name the auth chain knows */

  /* Where the login put the client: REIN and AUTH after login bring it
   * back there.  Empty until the first login succeeds.
   */
  char login_cwd[PR_TUNABLE_PATH_MAX + 1];
  int has_logged_in;		/* a USER/PASS pair has succeeded once */

  /* What the current USER command was granted by the client certificate
   * (SPEC 3.2: bound to exactly that USER, reset by every USER, AUTH,
   * REIN and CCC).  A fixed buffer: a client can send any number of USER
   * commands.
   */
  char cert_user[PR_TUNABLE_LOGIN_MAX + 1];	/* empty: no binding */
  int password_waived;		/* requires_pass said no for cert_user */
};

/* The session, read-only. */
const struct secftp_session *secftp_session_view(void);
#define secftp_sess (*secftp_session_view())

/* TRUE when the module is enabled for this session. */
int secftp_session_enabled(void);

/* TRUE when a USER/PASS pair has succeeded and no REIN or AUTH has logged
 * the client out since.
 */
int secftp_session_logged_in(void);

/* The session as the pure policy unit reads it. */
void secftp_session_policy_in(struct secftp_policy_in *in);

/* Transitions
 */

/* sess_init: st is the governing server's settings (NULL: SecureEngine
 * off, the module stays silent), ctx its TLS context.
 */
void secftp_session_begin(const struct secftp_settings *st, SSL_CTX *ctx);

/* A control handshake finished: ssl now protects the control connection
 * (a connection left over from before REIN is freed).  Publishes the TLS
 * facts (SECFTP, SECFTP_PROTOCOL, SECFTP_CIPHER).
 */
void secftp_session_protect_ctrl(SSL *ssl);

/* Implicit FTPS: the session starts as if AUTH TLS, PBSZ 0 and PROT P had
 * been sent.
 */
void secftp_session_begin_implicit(void);

/* PBSZ 0 accepted (also implied by AUTH SSL/TLS-P); clear_pbsz forgets it
 * (a new AUTH).
 */
void secftp_session_accept_pbsz(void);
void secftp_session_clear_pbsz(void);

/* Sets the data protection level, publishing SECFTP_DATA_PROT. */
void secftp_session_set_prot(char prot);

/* Tells the other modules the data protection level changed without a
 * PROT command (AUTH SSL/TLS-P, implicit FTPS, REIN), by running the
 * POST_CMD phase of a "PROT <level>" command.  mod_xfer relies on it to
 * keep sendfile(2), which would bypass TLS, off protected data.
 */
void secftp_session_announce_prot(void);

/* CCC (or REIN) ended TLS on the control connection; ccc tells which. */
void secftp_session_clear_ctrl(int ccc);

/* SNI or HOST made s the governing server: its settings and context (st
 * NULL: that server has no SecureEngine on, the module falls silent).
 */
void secftp_session_switch_vhost(const struct secftp_settings *st,
  SSL_CTX *ctx);

/* The protocol-level logout of REIN and AUTH after login (RFC 4217
 * section 4.2): transfer parameters reset, the client back in its login
 * directory, and only account may log in again.
 */
void secftp_session_logout(const char *how);

/* REIN (RFC 4217 section 13): the state at connection open; on an
 * implicit FTPS port that is the initial protected state.
 */
void secftp_session_reset(void);

/* USER of a logged-out session named its account (ok) or not. */
void secftp_session_allow_relogin(int ok);

/* A USER/PASS pair succeeded: the first login (remembering where it put
 * the client), or the login again after a logout.
 */
void secftp_session_login(void);

/* SSCN ON (client_ctx, the server's TLS client context) or OFF (NULL);
 * REIN and a virtual host switch turn it off.
 */
void secftp_session_set_sscn(SSL_CTX *client_ctx);

/* USER name is the name the client certificate maps to: the binding of
 * the certificate permission to exactly this USER.
 */
void secftp_session_bind_cert_user(const char *name);

/* The auth chain was told name needs no password (SecurePassword
 * optional).
 */
void secftp_session_waive_password(void);

/* Ends the certificate binding (every USER, AUTH, REIN, CCC). */
void secftp_session_unbind_cert_user(void);

/* The session is over: the control connection's TLS is gone. */
void secftp_session_end(void);

/* Facts for other modules
 */

/* Sets one fact as a session note and, with StdEnvVars, an environment
 * variable of the same name.
 */
void secftp_session_set_fact(const char *name, const char *value);

/* Removes a fact set by secftp_session_set_fact(), if any. */
void secftp_session_clear_fact(const char *name);

#endif /* SECFTP_SESSION_H */
