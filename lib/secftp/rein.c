/*
 * rein: REIN, protocol-level logout, and the pre-command policy gate.
 *
 * ProFTPD cannot log a running session out: the process has already taken
 * on the user's identity (and possibly a chroot).  What RFC 4217 asks of
 * REIN and of AUTH after login is therefore done at the protocol level: a
 * gate refuses every command but the pre-login ones until USER names the
 * same account again and the auth chain verifies its password again.
 */

#include "secftp/rein.h"
#include "secftp/auth.h"
#include "secftp/ctrltls.h"
#include "secftp/log.h"
#include "secftp/loginctx.h"
#include "secftp/policy.h"
#include "secftp/reply.h"
#include "secftp/session.h"

/* usage: REIN */
modret_t *secftp_cmd_rein(cmd_rec *cmd) {
  struct secftp_policy_in in;
  struct secftp_verdict v;
  int implicit;

  if (!secftp_session_enabled()) {
    return PR_DECLINED(cmd);
  }

  secftp_session_policy_in(&in);
  if (secftp_policy_rein(&in, &v) < 0) {
    return PR_DECLINED(cmd);
  }

  if (v.action == SECFTP_ACT_NONE) {
    return secftp_reply_refuse(cmd, &v);
  }

  secftp_session_logout("REIN");

  /* REIN also ends a login that USER began (RFC 959 section 4.1.1): a PASS
   * after it needs a USER first.  mod_auth finds that USER in this note.
   */
  (void) pr_table_remove(session.notes, SECFTP_ORIG_USER_NOTE, NULL);

  /* The 220 goes out under the protection in force, then TLS ends with a
   * close_notify exchange.  An implicit FTPS port has no clear state to
   * return to: there the session goes back to its initial protected
   * state instead.
   */
  pr_response_send(v.code, "%s", v.reason);
  implicit = (secftp_sess.state & SECFTP_STATE_IMPLICIT) != 0;
  if (!implicit) {
    (void) secftp_ctrltls_unprotect(TRUE, FALSE);
  }

  secftp_session_reset();
  secftp_log("REIN from %s: session reset (%s)",
    pr_netaddr_get_ipstr(session.c->remote_addr),
    implicit ? "implicit FTPS: still protected" : "control connection clear");
  return PR_HANDLED(cmd);
}

/* USER in a logged-out session. */
static modret_t *reauth_user(cmd_rec *cmd) {
  struct secftp_verdict v;
  modret_t *mr;

  secftp_session_allow_relogin(FALSE);

  /* The certificate policies (SecureLogin, SecurePortAccess) hold for a
   * login again as for the first one.
   */
  mr = secftp_auth_pre_user(cmd);
  if (MODRET_ISERROR(mr)) {
    return mr;
  }

  if (secftp_policy_reauth_user(secftp_sess.account,
      cmd->argc > 1 ? cmd->arg : NULL, &v) < 0) {
    return PR_DECLINED(cmd);
  }

  if (v.action == SECFTP_ACT_NONE) {
    return secftp_reply_refuse(cmd, &v);
  }

  secftp_session_allow_relogin(TRUE);

  /* The reply goes through the error list: returning success would run
   * mod_auth's USER handler, which treats a second USER of a logged-in
   * session as a completed login.
   */
  pr_response_add_err(v.code, "%s", v.reason);
  return PR_ERROR(cmd);
}

/* PASS in a logged-out session: the password is verified again by the
 * auth chain (an anonymous session has none to verify).
 */
static modret_t *reauth_pass(cmd_rec *cmd) {
  static const struct secftp_verdict no_user = {
    "503", "Login with USER first", NULL, 0, 0, 0
  };
  static const struct secftp_verdict bad_pass = {
    "530", "Login incorrect", NULL, 0, 0, 0
  };
  const char *pass = cmd->argc > 1 ? cmd->arg : "";
  int res = PR_AUTH_OK;

  if (!secftp_sess.user_ok) {
    return secftp_reply_refuse(cmd, &no_user);
  }

  secftp_session_allow_relogin(FALSE);
  if (!(session.sf_flags & SF_ANON)) {
    res = pr_auth_authenticate(cmd->tmp_pool, secftp_sess.auth_user, pass);
  }

  if (res != PR_AUTH_OK &&
      res != PR_AUTH_OK_NO_PASS) {
    secftp_log("login again as %s failed (auth result %d)",
      secftp_sess.account, res);
    return secftp_reply_refuse(cmd, &bad_pass);
  }

  secftp_session_login();

  /* The login again answers to Protocols and SecureFTP as the first one
   * did (the protection may have changed since: AUTH after login).
   */
  secftp_loginctx_check_login();

  /* mod_auth forgets the USER name on an unsuccessful PASS (and this PASS
   * takes that path, see reauth_user); keep it for the rest of the session.
   */
  (void) pr_table_remove(session.notes, SECFTP_ORIG_USER_NOTE, NULL);
  (void) pr_table_add_dup(session.notes, SECFTP_ORIG_USER_NOTE,
    secftp_sess.account, 0);

  secftp_log("user %s logged in again", secftp_sess.account);
  pr_response_add_err(R_230, "User %s logged in again", secftp_sess.account);
  return PR_ERROR(cmd);
}

/* Runs before every command, of every module (PRE_CMD, C_ANY): the
 * protection policy must hold whichever module would answer, and a
 * refused command must not reach any of them.
 */
modret_t *secftp_pre_any(cmd_rec *cmd) {
  struct secftp_policy_in in;
  struct secftp_verdict v;
  const char *user;

  if (!secftp_session_enabled()) {
    return PR_DECLINED(cmd);
  }

  secftp_session_policy_in(&in);
  /* The SecureFTP and SecureDataConn of the context the login lands in:
   * the <Anonymous> area USER names may allow what the server requires,
   * mod_ifsession's blocks may change them (SPEC 6.1, loginctx.c).
   */
  user = pr_cmd_cmp(cmd, PR_CMD_USER_ID) == 0 ? cmd->arg :
    pr_table_get(session.notes, SECFTP_ORIG_USER_NOTE, NULL);
  in.ftp = secftp_loginctx_ftp(user);
  in.dataconn = secftp_loginctx_dataconn(user, in.dataconn);

  if (secftp_policy_precmd(&in, cmd->argv[0], cmd->arg, &v) < 0) {
    return PR_DECLINED(cmd);
  }

  switch (v.action) {
    case SECFTP_ACT_PASS:
      return PR_DECLINED(cmd);

    case SECFTP_ACT_CLOSE:
      secftp_log("client %s sent '%s', a command of another protocol: "
        "closing the connection", pr_netaddr_get_ipstr(
        session.c->remote_addr), (char *) cmd->argv[0]);
      pr_session_disconnect(&secftp_module, PR_SESS_DISCONNECT_BAD_PROTOCOL,
        "not an FTP command");
      return PR_ERROR(cmd);

    case SECFTP_ACT_REAUTH_USER:
      return reauth_user(cmd);

    case SECFTP_ACT_REAUTH_PASS:
      return reauth_pass(cmd);

    default:
      return secftp_reply_refuse(cmd, &v);
  }
}
