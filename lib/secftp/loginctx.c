/*
 * loginctx: the policy of the context a login lands in (SPEC 6.1).
 */

#include "secftp/loginctx.h"
#include "secftp/log.h"
#include "secftp/session.h"
#include "secftp/values.h"

/* ProFTPD's list of configured servers (main.c). */
extern xaset_t *server_list;

/* The directives that a mod_ifsession block may hold: both are read again
 * from the server's configuration after mod_ifsession merged the block
 * (SecureFTP here, SecureDataConn by session.c and data.c per command).
 * Every other one is read once, when the daemon starts or the session
 * opens, so there it would do nothing.
 */
static const char *const login_time_directives[] = {
  "SecureFTP",
  "SecureDataConn",
  NULL
};

/* mod_ifsession's blocks, by the name of their config_rec. */
static const char *const ifsession_blocks[] = {
  "<IfUser>",
  "<IfGroup>",
  "<IfClass>",
  "<IfAuthenticated>",
  NULL
};

static int in_names(const char *const *names, const char *name) {
  for (; *names != NULL; names++) {
    if (strcasecmp(*names, name) == 0) {
      return TRUE;
    }
  }

  return FALSE;
}

/* The value of an int directive set directly in conf, or -1. */
static int value_in(xaset_t *conf, const char *name) {
  const int *value;

  if (conf == NULL) {
    return -1;
  }

  value = get_param_ptr(conf, name, FALSE);
  return value != NULL ? *value : -1;
}

/* The <Anonymous> area of the session, or the one USER name leads to. */
static config_rec *anon_of(const char *user) {
  config_rec *anon;
  const char *login = user;
  pool *tmp_pool;

  if (session.anon_config != NULL) {
    return session.anon_config;
  }

  if (user == NULL ||
      *user == '\0') {
    return NULL;
  }

  /* Found the way mod_auth finds it (UserAlias included). */
  tmp_pool = make_sub_pool(session.pool);
  anon = pr_auth_get_anon_config(tmp_pool, &login, NULL, NULL);
  destroy_pool(tmp_pool);
  return anon;
}

/* name's value for a login as user: its <Anonymous> area's own, else the
 * server's (with the <IfClass> block merged at connection and the
 * <IfUser>/<IfGroup> blocks merged at login by mod_ifsession), else
 * fallback.
 */
static int login_value(const char *name, const char *user, int fallback) {
  config_rec *anon;
  int value = -1;

  anon = anon_of(user);
  if (anon != NULL) {
    value = value_in(anon->subset, name);
  }

  if (value < 0) {
    value = value_in(main_server->conf, name);
  }

  return value >= 0 ? value : fallback;
}

int secftp_loginctx_ftp(const char *user) {
  return login_value("SecureFTP", user, secftp_sess.settings.ftp);
}

int secftp_loginctx_dataconn(const char *user, int fallback) {
  return login_value("SecureDataConn", user, fallback);
}

/* Ends the session whose login was just completed: 530 before mod_auth's
 * 230 leaves (replies are flushed after the LOG_CMD phase), then the
 * connection closes.
 */
static void refuse_login(const char *policy, const char *why) {
  const char *user = session.user != NULL ? session.user : "(unknown)";

  secftp_log("login of %s refused (%s): %s; disconnecting", user, policy,
    why);
  pr_trace_msg(SECFTP_TRACE_POLICY, 3, "login of %s refused by %s", user,
    policy);
  pr_event_generate(SECFTP_EVENT_PREFIX "policy-denied", policy);
  pr_response_send(R_530, _("Login refused: %s (%s)"), why, policy);
  pr_session_disconnect(&secftp_module, PR_SESS_DISCONNECT_CONFIG_ACL,
    policy);
}

/* TRUE when a Protocols directive governs this login and lacks "ftps". */
static int protocols_exclude_ftps(void) {
  config_rec *c;
  array_header *list;
  unsigned int i;

  c = find_config(main_server->conf, CONF_PARAM, "Protocols", FALSE);
  if (c == NULL) {
    return FALSE;
  }

  list = c->argv[0];
  for (i = 0; i < list->nelts; i++) {
    const char *proto = ((char **) list->elts)[i];

    if (proto != NULL &&
        strcasecmp(proto, "ftps") == 0) {
      return FALSE;
    }
  }

  return TRUE;
}

void secftp_loginctx_check_login(void) {
  int protected = (secftp_sess.state & SECFTP_STATE_CTRL_TLS) != 0;

  /* RFC 4217 section 6: a login over a control connection that CCC
   * cleared afterwards was protected when it counted.
   */
  if (!protected &&
      !(secftp_sess.state & SECFTP_STATE_CCC) &&
      secftp_loginctx_ftp(NULL) == SECFTP_FTP_REQUIRED) {
    refuse_login("SecureFTP required", "this account must protect the "
      "control connection with AUTH TLS first");
    return;
  }

  if (protected &&
      protocols_exclude_ftps()) {
    refuse_login("Protocols", "ftps is not among the protocols allowed "
      "for this login");
  }
}

/* The LOG_CMD phase, not POST_CMD: mod_ifsession merges <IfUser> and
 * <IfGroup> in its POST_CMD handler for PASS, and a module loaded after
 * mod_ifsession (Debian's conf.d/ follows modules.conf) runs its POST_CMD
 * handlers first.  Every POST_CMD handler has run by LOG_CMD, and the 230
 * is still queued (ProFTPD's main.c flushes replies after LOG_CMD).
 */
modret_t *secftp_loginctx_post_login(cmd_rec *cmd) {
  if (secftp_session_enabled() &&
      secftp_session_logged_in()) {
    secftp_loginctx_check_login();
  }

  return PR_DECLINED(cmd);
}

/* TRUE when name is a directive of this module. */
static int is_own_directive(const char *name) {
  conftable *tab;

  tab = pr_stash_get_symbol(PR_SYM_CONF, name, NULL, NULL);
  while (tab != NULL) {
    if (tab->m == &secftp_module) {
      return TRUE;
    }

    tab = pr_stash_get_symbol(PR_SYM_CONF, name, tab, NULL);
  }

  return FALSE;
}

/* Logs every directive of block that cannot take effect there; returns
 * how many.
 */
static int check_block(server_rec *s, config_rec *block) {
  config_rec *c;
  int bad = 0;

  if (block->subset == NULL) {
    return 0;
  }

  for (c = (config_rec *) block->subset->xas_list; c != NULL; c = c->next) {
    if (c->config_type != CONF_PARAM ||
        c->name == NULL ||
        in_names(login_time_directives, c->name) ||
        !is_own_directive(c->name)) {
      continue;
    }

    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": %s is not allowed in %s "
      "(server '%s'): it is read once, when the daemon starts or the "
      "connection opens, so mod_ifsession's block cannot change it; only "
      "SecureFTP and SecureDataConn work there", c->name, block->name,
      s->ServerName != NULL ? s->ServerName : "");
    pr_trace_msg(SECFTP_TRACE_POLICY, 1, "%s refused in %s", c->name,
      block->name);
    bad++;
  }

  return bad;
}

int secftp_loginctx_check_servers(void) {
  server_rec *s;
  int bad = 0;

  for (s = (server_rec *) server_list->xas_list; s != NULL; s = s->next) {
    config_rec *c;

    if (s->conf == NULL) {
      continue;
    }

    for (c = (config_rec *) s->conf->xas_list; c != NULL; c = c->next) {
      if (c->name != NULL &&
          in_names(ifsession_blocks, c->name)) {
        bad += check_block(s, c);
      }
    }
  }

  return bad == 0;
}
