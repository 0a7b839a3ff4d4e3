/*
 * policy: the control-channel decisions of RFC 2228 / RFC 4217 and of the
 * SecureFTP / SecureDataConn / SecureCtrlConn / SecureRFCLevel directives,
 * made from plain values.
 *
 * Given the session's protection state, its login state, its settings and
 * one command, each function says which reply the command gets, why, and
 * which directive (if any) is responsible.  The ProFTPD glue (ctrl.c) only
 * carries the verdict out, so every row of the reply table can be tested
 * here without a server.
 *
 * Pure C (libc only) so that Check can test it.
 */

#ifndef SECFTP_POLICY_H
#define SECFTP_POLICY_H

#include "values.h"

/* Protection state bits (the same values as SECFTP_STATE_* in session.h). */
#define SECFTP_PST_CTRL_TLS	0x0001	/* control connection protected */
#define SECFTP_PST_PBSZ		0x0002	/* PBSZ accepted */
#define SECFTP_PST_CCC		0x0004	/* control cleared by CCC */
#define SECFTP_PST_IMPLICIT	0x0008	/* implicit FTPS port */

/* The facts a decision depends on. */
struct secftp_policy_in {
  unsigned int state;		/* SECFTP_PST_* */
  int logged_in;		/* a USER/PASS pair has succeeded */
  int user_given;		/* USER was accepted (login may be pending) */
  int logged_out;		/* logged out by REIN or AUTH (rfc4217) and
				 * not yet logged in again */
  int ftp;			/* enum secftp_ftp_policy */
  int dataconn;			/* enum secftp_dataconn_policy */
  int ctrlconn;			/* enum secftp_ctrlconn_policy */
  int rfc_level;		/* enum secftp_rfc_level */
  unsigned long opts;		/* SECFTP_OPT_* */
};

/* What the glue does with an accepted command. */
enum secftp_policy_action {
  SECFTP_ACT_NONE = 0,		/* refused, or nothing beyond the reply */
  SECFTP_ACT_PASS,		/* pre-command gate: let the command run */
  SECFTP_ACT_CLOSE,		/* close the connection (ALPACA) */
  SECFTP_ACT_AUTH,		/* 234, then the handshake */
  SECFTP_ACT_AUTH_LOGOUT,	/* as AUTH, and log the user out first */
  SECFTP_ACT_PBSZ,		/* record PBSZ */
  SECFTP_ACT_PROT,		/* set the data protection level */
  SECFTP_ACT_CCC,		/* 200, then clear the control connection */
  SECFTP_ACT_REIN,		/* 220, then reset the session */
  SECFTP_ACT_REAUTH_USER,	/* 331: remember USER, PASS must follow */
  SECFTP_ACT_REAUTH_PASS	/* verify the password with the auth chain */
};

/* A decision.  code is the three-digit reply ("534"), reason a sentence
 * for the reply text, policy the directive responsible (NULL when the
 * refusal is the protocol's, not a policy's).  All strings are static.
 */
struct secftp_verdict {
  const char *code;
  const char *reason;
  const char *policy;
  int action;			/* enum secftp_policy_action */
  int implies_private;		/* AUTH SSL / TLS-P: PBSZ 0 + PROT P */
  char prot;			/* PROT: 'C' or 'P' */
};

/* Each decision returns 0 and fills *v, or -1 with errno EINVAL when in or
 * v is NULL or a setting is out of range.  arg is the command's argument
 * (NULL or "" when none was given).  A refusal has action
 * SECFTP_ACT_NONE and a 4xx/5xx code.
 */
int secftp_policy_auth(const struct secftp_policy_in *in, const char *arg,
  struct secftp_verdict *v);
int secftp_policy_pbsz(const struct secftp_policy_in *in, const char *arg,
  struct secftp_verdict *v);
int secftp_policy_prot(const struct secftp_policy_in *in, const char *arg,
  struct secftp_verdict *v);
int secftp_policy_ccc(const struct secftp_policy_in *in,
  struct secftp_verdict *v);
int secftp_policy_rein(const struct secftp_policy_in *in,
  struct secftp_verdict *v);

/* The gate every command passes before it runs (name is the command verb,
 * any case).  SECFTP_ACT_PASS lets it run; SECFTP_ACT_CLOSE ends the
 * connection (a verb of HTTP, SMTP or SSH: a cross-protocol attack);
 * SECFTP_ACT_REAUTH_USER / _PASS hand USER / PASS of a logged-out session
 * to the glue; anything else is a refusal to send instead of running it.
 */
int secftp_policy_precmd(const struct secftp_policy_in *in, const char *name,
  const char *arg, struct secftp_verdict *v);

/* USER in a logged-out session: only the session's own account can log in
 * again (ProFTPD cannot switch the account of a running session).  account
 * is that account, name the USER argument.
 */
int secftp_policy_reauth_user(const char *account, const char *name,
  struct secftp_verdict *v);

/* TRUE when name (any case) is a verb of another protocol that an FTP
 * client never sends: HTTP methods, SMTP greetings, an SSH banner.
 */
int secftp_policy_is_foreign_verb(const char *name);

#endif /* SECFTP_POLICY_H */
