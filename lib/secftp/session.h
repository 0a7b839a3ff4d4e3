/*
 * session: the protection state of the current FTP session, and the TLS
 * facts it publishes to other modules (session.notes, environment).
 */

#ifndef SECFTP_SESSION_H
#define SECFTP_SESSION_H

#include "mod_secftp.h"
#include "secftp/conf.h"

/* State bits of secftp_sess.state (the same values as SECFTP_PST_* of the
 * pure policy unit, policy.h, so the state is handed over as it is).
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
  /* This session's server configuration (a copy: HOST may switch it). */
  struct secftp_settings settings;
  SSL_CTX *ctx;

  /* The control connection's TLS, when protected. */
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
};

extern struct secftp_session secftp_sess;

/* TRUE when the module is enabled for this session. */
int secftp_session_enabled(void);

/* Sets the data protection level, publishing SECFTP_DATA_PROT. */
void secftp_session_set_prot(char prot);

/* Tells the other modules the data protection level changed without a
 * PROT command (AUTH SSL/TLS-P, implicit FTPS, REIN), by running the
 * POST_CMD phase of a "PROT <level>" command.  mod_xfer relies on it to
 * keep sendfile(2), which would bypass TLS, off protected data.
 */
void secftp_session_announce_prot(void);

/* Publishes the TLS facts of the control connection (SECFTP,
 * SECFTP_PROTOCOL, SECFTP_CIPHER) as notes and, with StdEnvVars,
 * environment variables.
 */
void secftp_session_publish_tls(SSL *ssl);

/* Sets one fact as a session note and, with StdEnvVars, an environment
 * variable of the same name.
 */
void secftp_session_set_fact(const char *name, const char *value);

/* Removes a fact set by secftp_session_set_fact(), if any. */
void secftp_session_clear_fact(const char *name);

#endif /* SECFTP_SESSION_H */
