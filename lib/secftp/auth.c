/*
 * auth: certificate-based login decisions.
 */

#include "secftp/auth.h"
#include "secftp/certuser.h"
#include "secftp/log.h"
#include "secftp/session.h"

void secftp_auth_sess_init(void) {
  secftp_session_unbind_cert_user();
}

/* Refuses USER or PASS with 530, naming the policy, and forgets the user
 * name so that a PASS cannot complete a login that USER did not start.
 * The log names the user, never PASS's argument.
 */
static modret_t *refuse_login(cmd_rec *cmd, const char *user,
    const char *policy, const char *why) {
  user = secftp_log_escape(cmd->tmp_pool, user);
  secftp_log("%s %s refused (%s): %s", (char *) cmd->argv[0], user, policy,
    why);
  (void) pr_table_remove(session.notes, SECFTP_ORIG_USER_NOTE, NULL);
  pr_trace_msg(SECFTP_TRACE_POLICY, 3, "%s %s refused by %s",
    (char *) cmd->argv[0], user, policy);
  pr_event_generate(SECFTP_EVENT_PREFIX "policy-denied", policy);

  pr_response_add_err(R_530, _("Login refused: %s (%s)"), why, policy);
  pr_cmd_set_errno(cmd, EACCES);
  errno = EACCES;
  return PR_ERROR(cmd);
}

/* TRUE when name, or one of its groups, is listed in SecurePortAccess. */
static int port_access_allows(pool *p, const char *name) {
  const array_header *list = secftp_sess.settings.port_access;
  array_header *gids = NULL, *groups = NULL;
  char **entries = list->elts;
  unsigned int i, j;

  for (i = 0; i < list->nelts; i++) {
    if (entries[i][0] != '@' &&
        strcmp(entries[i], name) == 0) {
      return TRUE;
    }
  }

  if (pr_auth_getgroups(p, name, &gids, &groups) < 0 ||
      groups == NULL) {
    return FALSE;
  }

  for (i = 0; i < list->nelts; i++) {
    for (j = 0; entries[i][0] == '@' && j < groups->nelts; j++) {
      if (strcmp(entries[i] + 1, ((char **) groups->elts)[j]) == 0) {
        return TRUE;
      }
    }
  }

  return FALSE;
}

/* TRUE when the auth chain knows the account USER name logs in as, found
 * the way mod_auth finds it (an <Anonymous> UserAlias resolved first).
 */
static int account_exists(pool *p, const char *name) {
  const char *user = name;

  if (pr_auth_get_anon_config(p, &user, NULL, NULL) != NULL) {
    /* Anonymous logins take no certificate waiver. */
    return FALSE;
  }

  return user != NULL &&
    pr_auth_getpwnam(p, user) != NULL;
}

static modret_t *refuse_missing_account(cmd_rec *cmd, const char *name) {
  name = secftp_log_escape(cmd->tmp_pool, name);
  secftp_log("USER %s: the client certificate maps to this name, but the "
    "auth chain knows no such account: 530", name);
  pr_trace_msg(SECFTP_TRACE_POLICY, 3, "USER %s refused: no account", name);
  (void) pr_table_remove(session.notes, SECFTP_ORIG_USER_NOTE, NULL);
  pr_response_add_err(R_530, _("Login incorrect."));
  pr_cmd_set_errno(cmd, EACCES);
  errno = EACCES;
  return PR_ERROR(cmd);
}

/* The account USER name logs in as: its UserAlias resolved as mod_auth
 * resolves it (pr_auth_get_anon_config), or name itself.  The policies
 * decide on the account, never on a name that aliases another.
 */
static const char *login_account(pool *p, const char *name) {
  const char *account = name;

  (void) pr_auth_get_anon_config(p, &account, NULL, NULL);
  return account != NULL ? account : name;
}

/* usage: USER name (PRE_CMD) */
modret_t *secftp_auth_pre_user(cmd_rec *cmd) {
  const struct secftp_settings *st = &secftp_sess.settings;
  const char *name = cmd->arg, *mapped, *account;

  secftp_session_unbind_cert_user();
  if (!secftp_session_enabled() ||
      name == NULL ||
      strlen(name) > PR_TUNABLE_LOGIN_MAX) {
    return PR_DECLINED(cmd);
  }

  mapped = secftp_certuser_mapped();

  if ((st->login == SECFTP_LOGIN_REQUIRED ||
       st->login == SECFTP_LOGIN_VERIFY_USER) &&
      !secftp_certuser_has_cert()) {
    return refuse_login(cmd, name, st->login == SECFTP_LOGIN_REQUIRED ?
      "SecureLogin required" : "SecureLogin verify_user",
      "a verified client certificate is required; use AUTH TLS with one");
  }

  if (st->login == SECFTP_LOGIN_VERIFY_USER &&
      (mapped == NULL || strcmp(mapped, name) != 0)) {
    return refuse_login(cmd, name, "SecureLogin verify_user",
      mapped == NULL ?
      "the client certificate maps to no user" :
      pstrcat(cmd->tmp_pool, "the client certificate maps to another user "
        "than ", secftp_log_escape(cmd->tmp_pool, name), NULL));
  }

  account = login_account(cmd->tmp_pool, name);
  if (st->port_access->nelts > 0 &&
      !port_access_allows(cmd->tmp_pool, account)) {
    return refuse_login(cmd, name, "SecurePortAccess", pstrcat(cmd->tmp_pool,
      "user ", secftp_log_escape(cmd->tmp_pool, account), " may not log in "
      "on this port", NULL));
  }

  if (mapped != NULL &&
      strcmp(mapped, name) == 0) {
    if (st->password == SECFTP_PASSWORD_OPTIONAL &&
        !account_exists(cmd->tmp_pool, name)) {
      /* mod_auth would take the waived password for a login in progress
       * and fail it inside USER; a missing account is answered like a
       * wrong password instead, and the connection stays (SPEC 6.1).
       */
      return refuse_missing_account(cmd, name);
    }

    secftp_session_bind_cert_user(name);
    pr_trace_msg(SECFTP_TRACE_POLICY, 5, "USER %s: the client certificate "
      "maps to this user", secftp_log_escape(cmd->tmp_pool, name));
  }

  return PR_DECLINED(cmd);
}

modret_t *secftp_auth_requires_pass(cmd_rec *cmd) {
  const char *name = cmd->argv[0], *mapped;

  if (!secftp_session_enabled() ||
      secftp_sess.settings.password != SECFTP_PASSWORD_OPTIONAL) {
    return PR_DECLINED(cmd);
  }

  /* Exactly the name of this USER command (not an alias of it), and the
   * certificate of the control connection as it is now.
   */
  mapped = secftp_certuser_mapped();
  if (name == NULL ||
      secftp_sess.cert_user[0] == '\0' ||
      strcmp(name, secftp_sess.cert_user) != 0 ||
      mapped == NULL ||
      strcmp(mapped, name) != 0) {
    return PR_DECLINED(cmd);
  }

  if (pr_auth_getpwnam(cmd->tmp_pool, name) == NULL) {
    /* No account: no waiver (mod_auth would fail the login inside USER). */
    pr_trace_msg(SECFTP_TRACE_POLICY, 3, "USER %s: no such account, "
      "password not waived", secftp_log_escape(cmd->tmp_pool, name));
    return PR_DECLINED(cmd);
  }

  secftp_session_waive_password();
  session.auth_mech = "mod_secftp.c";
  secftp_log("USER %s: no password needed: the verified client certificate "
    "maps to this user (SecurePassword optional)",
    secftp_log_escape(cmd->tmp_pool, name));
  return PR_HANDLED(cmd);
}

/* usage: PASS password (PRE_CMD) */
modret_t *secftp_auth_pre_pass(cmd_rec *cmd) {
  const char *user;

  if (!secftp_session_enabled() ||
      secftp_sess.settings.login != SECFTP_LOGIN_VERIFY_USER) {
    return PR_DECLINED(cmd);
  }

  /* Whatever path set mod_auth's user name, PASS completes a login only
   * for the user this USER bound to the certificate.
   */
  user = pr_table_get(session.notes, SECFTP_ORIG_USER_NOTE, NULL);
  if (user != NULL &&
      strcmp(user, secftp_sess.cert_user) != 0) {
    return refuse_login(cmd, user, "SecureLogin verify_user", pstrcat(
      cmd->tmp_pool, "the client certificate does not vouch for ",
      secftp_log_escape(cmd->tmp_pool, user), NULL));
  }

  return PR_DECLINED(cmd);
}

/* usage: PASS password (POST_CMD) */
modret_t *secftp_auth_post_pass(cmd_rec *cmd) {
  const char *method = "password";

  if (!secftp_session_enabled()) {
    return PR_DECLINED(cmd);
  }

  secftp_session_login();
  if (secftp_sess.password_waived) {
    method = "certificate";

  } else if (secftp_sess.cert_user[0] != '\0') {
    method = "certificate+password";
  }

  secftp_session_set_fact("SECFTP_AUTH_METHOD", method);
  secftp_log("user %s logged in (%s)", secftp_log_escape(cmd->tmp_pool,
    session.user != NULL ? session.user : secftp_sess.cert_user), method);
  return PR_DECLINED(cmd);
}

/* mod_auth remembers, for the rest of the session, that USER was
 * "authenticated without password", and keeps its "authenticated" record.
 * Once the login that followed has failed (a <Limit LOGIN>, an unknown
 * account...), no later USER/PASS may inherit that: the only safe end is
 * to close the connection.
 */
modret_t *secftp_auth_post_pass_err(cmd_rec *cmd) {
  if (!secftp_sess.password_waived ||
      secftp_sess.has_logged_in) {
    return PR_DECLINED(cmd);
  }

  secftp_log("USER %s: certificate login failed after the password was "
    "waived; closing the connection", secftp_log_escape(cmd->tmp_pool,
    secftp_sess.cert_user));
  secftp_session_unbind_cert_user();
  pr_response_send(R_530, _("Login incorrect; reconnect to try again"));
  pr_session_disconnect(&secftp_module, PR_SESS_DISCONNECT_BY_APPLICATION,
    "certificate login failed");
  return PR_DECLINED(cmd);
}

modret_t *secftp_auth_reset(cmd_rec *cmd) {
  if (secftp_sess.cert_user[0] != '\0') {
    pr_trace_msg(SECFTP_TRACE_POLICY, 5, "%s: certificate binding of USER "
      "%s reset", (char *) cmd->argv[0], secftp_log_escape(cmd->tmp_pool,
      secftp_sess.cert_user));
  }

  secftp_session_unbind_cert_user();
  return PR_DECLINED(cmd);
}
