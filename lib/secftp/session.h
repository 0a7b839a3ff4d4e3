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

/* The length of a reuse-proof lineage token. */
#define SECFTP_LINEAGE_LEN	32

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

  /* The control connection's client certificate and what SecureCertMap
   * made of it, tied to the SSL it came with: CCC and REIN, which end
   * that SSL's protection, end them too.
   */
  struct {
    SSL *ssl;
    int has_cert;		/* verified */
    const char *user;		/* mapped user, or NULL */
    unsigned char md[EVP_MAX_MD_SIZE];	/* its SHA-256, for data */
    unsigned int md_len;	/* 0: no certificate */
  } cert;

  /* The reuse proof's lineage (doc/session-reuse.md): the token every
   * session and ticket of this control connection carries.
   */
  struct {
    unsigned char token[SECFTP_LINEAGE_LEN];
    int have;			/* token holds a lineage */
    int settled;		/* this control handshake decided it */
    int data_offered_foreign;	/* the data handshake under way offered a
				 * ticket of another lineage */
  } lineage;

  /* Name-based hosting (SNI, HOST): the SecureOptions of the server
   * owning the address, the chosen host's context and settings, and the
   * host SNI chose until the next command makes it main_server.
   */
  struct {
    unsigned long listen_opts;
    SSL_CTX *ctx;
    const struct secftp_settings *settings;
    server_rec *pending;
  } vhost;

  /* Why the last data connection was refused, until the command's error
   * reply goes out.  A fixed buffer: a client failing data connection
   * after data connection must not grow the session pool.
   */
  char data_refusal[256];
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

/* The control handshake on ssl brought a verified client certificate
 * (has_cert), or none; md/md_len is its SHA-256 (md_len 0: none).  Any
 * earlier mapping is forgotten.
 */
void secftp_session_set_cert(SSL *ssl, int has_cert, const unsigned char *md,
  unsigned int md_len);

/* SecureCertMap mapped the control connection's certificate to user. */
void secftp_session_set_cert_user(const char *user);

/* The lineage of this control connection: token (NULL: none), and
 * whether this handshake has decided it.
 */
void secftp_session_set_lineage(const unsigned char *token, int settled);

/* The data handshake under way offered a ticket of another lineage (or
 * not: a new data handshake begins).
 */
void secftp_session_note_foreign_ticket(int offered);

/* The server owning the address had these SecureOptions (sess_init). */
void secftp_session_set_listen_opts(unsigned long opts);

/* SNI/HOST chose the host of ctx and st (NULL, NULL: none); pending is
 * the server SNI chose until a command makes it main_server (NULL: none
 * pending).
 */
void secftp_session_choose_vhost(SSL_CTX *ctx,
  const struct secftp_settings *st);
void secftp_session_set_pending_server(server_rec *s);

/* Why the data connection was refused (NULL or "": nothing pending). */
void secftp_session_set_data_refusal(const char *why);

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
