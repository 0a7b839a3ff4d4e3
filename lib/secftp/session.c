/*
 * session: the protection state of the FTP session, its transitions, and
 * the TLS facts it publishes (session.notes, environment).
 */

#include "secftp/session.h"
#include "secftp/log.h"

/* The one session of this process. */
static struct secftp_session sess;

const struct secftp_session *secftp_session_view(void) {
  return &sess;
}

int secftp_session_enabled(void) {
  return sess.settings.engine &&
    sess.ctx != NULL;
}

int secftp_session_logged_in(void) {
  const unsigned char *authenticated;

  authenticated = get_param_ptr(main_server->conf, "authenticated", FALSE);
  return authenticated != NULL &&
    *authenticated == TRUE &&
    !sess.logged_out;
}

void secftp_session_policy_in(struct secftp_policy_in *in) {
  const struct secftp_settings *st = &sess.settings;
  const int *dataconn;

  memset(in, 0, sizeof(*in));
  in->state = sess.state;
  in->logged_in = secftp_session_logged_in();
  /* mod_auth keeps the USER name until the login succeeds or fails. */
  in->user_given = pr_table_get(session.notes, SECFTP_ORIG_USER_NOTE,
    NULL) != NULL;
  in->logged_out = sess.logged_out;
  in->ftp = st->ftp;
  /* mod_ifsession merges the SecureDataConn of a matching <IfUser>,
   * <IfGroup> or <IfClass> into the server's configuration (at login, or
   * at connect for classes): from then on that value governs.
   */
  dataconn = get_param_ptr(main_server->conf, "SecureDataConn", FALSE);
  in->dataconn = dataconn != NULL ? *dataconn : st->dataconn;
  in->ctrlconn = st->ctrlconn;
  in->rfc_level = st->rfc_level;
  in->opts = st->opts;
}

/* Transitions
 */

void secftp_session_begin(const struct secftp_settings *st, SSL_CTX *ctx) {
  memset(&sess, 0, sizeof(sess));
  sess.prot = 'C';

  if (st != NULL) {
    sess.settings = *st;
    sess.ctx = ctx;
  }
}

void secftp_session_protect_ctrl(SSL *ssl) {
  /* A control TLS connection left over from before REIN is done with. */
  if (sess.ctrl_ssl != NULL &&
      sess.ctrl_ssl != ssl) {
    SSL_free(sess.ctrl_ssl);
  }

  sess.ctrl_ssl = ssl;
  sess.state |= SECFTP_STATE_CTRL_TLS;
  sess.state &= ~SECFTP_STATE_CCC;

  session.rfc2228_mech = "TLS";
  (void) pr_session_set_protocol("ftps");

  secftp_session_set_fact("SECFTP", "1");
  secftp_session_set_fact("SECFTP_PROTOCOL", SSL_get_version(ssl));
  secftp_session_set_fact("SECFTP_CIPHER", SSL_get_cipher_name(ssl));
}

void secftp_session_begin_implicit(void) {
  sess.state |= SECFTP_STATE_IMPLICIT|SECFTP_STATE_PBSZ;
  secftp_session_set_prot('P');
  secftp_session_announce_prot();
}

void secftp_session_accept_pbsz(void) {
  sess.state |= SECFTP_STATE_PBSZ;
}

void secftp_session_clear_pbsz(void) {
  sess.state &= ~SECFTP_STATE_PBSZ;
}

void secftp_session_set_prot(char prot) {
  char value[2];

  sess.prot = prot;
  value[0] = prot;
  value[1] = '\0';
  secftp_session_set_fact("SECFTP_DATA_PROT", value);
}

void secftp_session_announce_prot(void) {
  cmd_rec *cmd;
  pool *tmp_pool;
  char arg[2];

  arg[0] = sess.prot;
  arg[1] = '\0';

  tmp_pool = make_sub_pool(session.pool);
  cmd = pr_cmd_alloc(tmp_pool, 2, pstrdup(tmp_pool, C_PROT),
    pstrdup(tmp_pool, arg));
  cmd->arg = pstrdup(tmp_pool, arg);
  (void) pr_cmd_dispatch_phase(cmd, POST_CMD, 0);
  destroy_pool(tmp_pool);
}

void secftp_session_clear_ctrl(int ccc) {
  sess.state &= ~SECFTP_STATE_CTRL_TLS;
  if (ccc) {
    sess.state |= SECFTP_STATE_CCC;
  }

  session.rfc2228_mech = NULL;
  (void) pr_session_set_protocol("ftp");
}

void secftp_session_switch_vhost(const struct secftp_settings *st,
    SSL_CTX *ctx) {
  if (st == NULL) {
    sess.settings.engine = FALSE;
    return;
  }

  sess.settings = *st;

  /* The control connection's SSL stays on the context it was made from;
   * the SNI unit moves each connection onto the chosen host's context.
   */
  if (sess.ctx == NULL) {
    sess.ctx = ctx;
  }
}

/* Back to the directory the login put the client in, as mod_core's CWD
 * does it (real and virtual working directory, scoreboard).
 */
static void return_to_login_dir(void) {
  if (sess.login_cwd[0] == '\0') {
    return;
  }

  if (pr_fsio_chdir_canon(sess.login_cwd, TRUE) < 0) {
    secftp_log("unable to return to the login directory %s: %s",
      sess.login_cwd, strerror(errno));
    return;
  }

  sstrncpy(session.cwd, pr_fs_getcwd(), sizeof(session.cwd));
  sstrncpy(session.vwd, pr_fs_getvwd(), sizeof(session.vwd));
  (void) pr_scoreboard_entry_update(session.pid, PR_SCORE_CWD, session.cwd,
    NULL);
}

void secftp_session_logout(const char *how) {
  const char *account;

  if (!secftp_session_logged_in()) {
    return;
  }

  account = pr_table_get(session.notes, SECFTP_ORIG_USER_NOTE, NULL);
  sess.account = pstrdup(session.pool,
    account != NULL ? account : session.user);
  sess.auth_user = pstrdup(session.pool, session.user);
  sess.logged_out = TRUE;
  sess.user_ok = FALSE;

  /* Transfer parameters do not survive the logout (RFC 4217 section 4.2),
   * nor does the working directory (doc/control-channel.md).
   */
  pr_data_reset();
  session.restart_pos = 0;
  return_to_login_dir();

  secftp_log("%s: user %s logged out at the protocol level; USER %s and "
    "PASS are required again", how, sess.account, sess.account);
}

void secftp_session_reset(void) {
  if (sess.state & SECFTP_STATE_IMPLICIT) {
    sess.state = SECFTP_STATE_IMPLICIT|SECFTP_STATE_CTRL_TLS|
      SECFTP_STATE_PBSZ;
    secftp_session_set_prot('P');

  } else {
    sess.state = 0;
    secftp_session_set_prot('C');
  }

  secftp_session_announce_prot();
}

void secftp_session_allow_relogin(int ok) {
  sess.user_ok = ok;
}

void secftp_session_login(void) {
  if (sess.logged_out) {
    sess.logged_out = FALSE;
    sess.user_ok = FALSE;
    return;
  }

  sstrncpy(sess.login_cwd, pr_fs_getcwd(), sizeof(sess.login_cwd));
  sess.has_logged_in = TRUE;
}

void secftp_session_bind_cert_user(const char *name) {
  sstrncpy(sess.cert_user, name, sizeof(sess.cert_user));
  sess.password_waived = FALSE;
}

void secftp_session_waive_password(void) {
  sess.password_waived = TRUE;
}

void secftp_session_unbind_cert_user(void) {
  memset(sess.cert_user, 0, sizeof(sess.cert_user));
  sess.password_waived = FALSE;
}

void secftp_session_set_cert(SSL *ssl, int has_cert, const unsigned char *md,
    unsigned int md_len) {
  memset(&sess.cert, 0, sizeof(sess.cert));
  sess.cert.ssl = ssl;
  sess.cert.has_cert = has_cert;
  if (md != NULL &&
      md_len <= sizeof(sess.cert.md)) {
    memcpy(sess.cert.md, md, md_len);
    sess.cert.md_len = md_len;
  }
}

void secftp_session_set_cert_user(const char *user) {
  sess.cert.user = user != NULL ? pstrdup(session.pool, user) : NULL;
}

void secftp_session_set_lineage(const unsigned char *token, int settled) {
  sess.lineage.have = token != NULL;
  if (token != NULL) {
    memcpy(sess.lineage.token, token, SECFTP_LINEAGE_LEN);
  }
  sess.lineage.settled = settled;
}

void secftp_session_note_foreign_ticket(int offered) {
  sess.lineage.data_offered_foreign = offered;
}

void secftp_session_set_listen_opts(unsigned long opts) {
  sess.vhost.listen_opts = opts;
}

void secftp_session_choose_vhost(SSL_CTX *ctx,
    const struct secftp_settings *st) {
  sess.vhost.ctx = ctx;
  sess.vhost.settings = st;
}

void secftp_session_set_pending_server(server_rec *s) {
  sess.vhost.pending = s;
}

void secftp_session_set_data_refusal(const char *why) {
  sstrncpy(sess.data_refusal, why != NULL ? why : "",
    sizeof(sess.data_refusal));
}

void secftp_session_end(void) {
  sess.ctrl_ssl = NULL;
}

/* Facts
 */

void secftp_session_set_fact(const char *name, const char *value) {
  const char *copy;

  if (name == NULL ||
      value == NULL) {
    return;
  }

  /* Facts live as long as the session, in its pool: a client that repeats
   * PROT P, say, must not make that pool grow with every command.
   */
  copy = pr_table_get(session.notes, name, NULL);
  if (copy != NULL &&
      strcmp(copy, value) == 0) {
    return;
  }

  copy = pstrdup(session.pool, value);
  if (pr_table_set(session.notes, name, (void *) copy, 0) < 0 &&
      pr_table_add(session.notes, pstrdup(session.pool, name),
        (void *) copy, 0) < 0) {
    pr_trace_msg(SECFTP_TRACE, 3, "unable to set note %s: %s", name,
      strerror(errno));
  }

  if (sess.settings.opts & SECFTP_OPT_STD_ENV_VARS) {
    (void) pr_env_set(session.pool, name, copy);
  }
}

void secftp_session_clear_fact(const char *name) {
  if (name == NULL) {
    return;
  }

  (void) pr_table_remove(session.notes, name, NULL);
  if (sess.settings.opts & SECFTP_OPT_STD_ENV_VARS) {
    (void) pr_env_unset(session.pool, name);
  }
}
