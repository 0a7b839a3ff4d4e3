/*
 * ctrls: the `ftpdctl secftp` actions and SecureControlsACLs.
 */

#include "secftp/ctrls.h"
#include "secftp/certuser.h"
#include "secftp/ctrlstatus.h"
#include "secftp/fleet.h"
#include "secftp/fleetmap.h"
#include "secftp/sessiontab.h"
#include "secftp/ticketkeys.h"
#include "secftp/tls.h"

#if defined(PR_USE_CTRLS)
#include "mod_ctrls.h"

/* ProFTPD's list of configured servers (not in its public headers). */
extern xaset_t *server_list;

static int handle_status(pr_ctrls_t *ctrl, pool *p);
static int handle_sessions(pr_ctrls_t *ctrl, pool *p);
static int handle_cache(pr_ctrls_t *ctrl, pool *p);
static int handle_reload_certmap(pr_ctrls_t *ctrl, pool *p);

/* The actions, in the table layout mod_ctrls' ACL helpers expect. */
static ctrls_acttab_t actions[] = {
  { "status",		NULL, NULL, NULL },
  { "sessions",		NULL, NULL, NULL },
  { "cache",		NULL, NULL, NULL },
  { "reload-certmap",	NULL, NULL, NULL },
  { NULL,		NULL, NULL, NULL }
};

static int (*const handlers[])(pr_ctrls_t *, pool *) = {
  handle_status, handle_sessions, handle_cache, handle_reload_certmap
};

#define NACTIONS	(sizeof(handlers) / sizeof(handlers[0]))

/* Whether a SecureControlsACLs line named the action: until one does, the
 * action is root's alone (mod_ctrls' own default would refuse everyone).
 */
static int acl_configured[NACTIONS];

static pool *acl_pool = NULL;

static void reset_acls(void) {
  size_t i;

  if (acl_pool != NULL) {
    destroy_pool(acl_pool);
  }

  acl_pool = make_sub_pool(permanent_pool);
  pr_pool_tag(acl_pool, MOD_SECFTP_VERSION " controls ACLs");

  for (i = 0; i < NACTIONS; i++) {
    actions[i].act_acl = pcalloc(acl_pool, sizeof(ctrls_acl_t));
    (void) pr_ctrls_init_acl(actions[i].act_acl);
    acl_configured[i] = FALSE;
  }
}

static int action_index(const char *name) {
  size_t i;

  for (i = 0; i < NACTIONS; i++) {
    if (strcmp(actions[i].act_action, name) == 0) {
      return (int) i;
    }
  }

  return -1;
}

static int may_run(pr_ctrls_t *ctrl, int idx) {
  if (!acl_configured[idx]) {
    return ctrl->ctrls_cl->cl_uid == 0;
  }

  return pr_ctrls_check_acl(ctrl, actions, actions[idx].act_action) == TRUE;
}

static int handle_secftp(pr_ctrls_t *ctrl, int reqargc, char **reqargv) {
  int idx, res;
  pool *p;

  if (reqargc < 1 ||
      reqargv == NULL) {
    pr_ctrls_add_response(ctrl, "secftp: missing action (status, sessions, "
      "cache, reload-certmap)");
    return -1;
  }

  idx = action_index(reqargv[0]);
  if (idx < 0) {
    pr_trace_msg(SECFTP_TRACE_CTRLS, 3, "refused unknown action '%s'",
      reqargv[0]);
    pr_ctrls_add_response(ctrl, "secftp: unknown action '%s' (status, "
      "sessions, cache, reload-certmap)", reqargv[0]);
    return -1;
  }

  if (!may_run(ctrl, idx)) {
    pr_trace_msg(SECFTP_TRACE_CTRLS, 3, "refused action '%s' to UID %lu, "
      "GID %lu (SecureControlsACLs)", reqargv[0],
      (unsigned long) ctrl->ctrls_cl->cl_uid,
      (unsigned long) ctrl->ctrls_cl->cl_gid);
    pr_ctrls_add_response(ctrl, "secftp %s: access denied "
      "(SecureControlsACLs)", reqargv[0]);
    return -1;
  }

  p = make_sub_pool(ctrl->ctrls_tmp_pool ? ctrl->ctrls_tmp_pool :
    permanent_pool);
  res = handlers[idx](ctrl, p);
  destroy_pool(p);
  return res;
}

/* status
 */

static int handle_status(pr_ctrls_t *ctrl, pool *p) {
  server_rec *s;

  for (s = (server_rec *) server_list->xas_list; s != NULL; s = s->next) {
    secftp_ctrlstatus_server(ctrl, p, s);
  }

  return 0;
}

/* sessions
 */

struct sessions_out {
  pr_ctrls_t *ctrl;
  unsigned long count;
};

static void session_line(const struct secftp_sessiontab_row *row,
    void *data) {
  struct sessions_out *out = data;

  pr_ctrls_add_response(out->ctrl, "pid %lu user '%s' vhost '%s' client %s "
    "%s %s PROT %c control %s since %lus cert '%s'",
    (unsigned long) row->pid, row->user[0] ? row->user : "(not logged in)",
    row->vhost, row->client, row->protocol, row->cipher, row->prot,
    row->control, (unsigned long) (time(NULL) - row->since),
    row->client_dn[0] ? row->client_dn : "-");
  out->count++;
}

static int handle_sessions(pr_ctrls_t *ctrl, pool *p) {
  struct sessions_out out;
  unsigned long unlisted;

  out.ctrl = ctrl;
  out.count = 0;
  unlisted = secftp_sessiontab_each(session_line, &out);
  pr_ctrls_add_response(ctrl, "%lu protected session%s", out.count,
    out.count == 1 ? "" : "s");
  if (unlisted > 0) {
    pr_ctrls_add_response(ctrl, "%lu more not listed (table of %d rows "
      "full)", unlisted, SECFTP_SESSIONTAB_ROWS);
  }

  return 0;
}

/* cache
 */

static const char *age_text(pool *p, long secs) {
  char buf[64];

  if (secs >= 3600) {
    pr_snprintf(buf, sizeof(buf), "%ldh%02ldm", secs / 3600,
      (secs % 3600) / 60);
  } else {
    pr_snprintf(buf, sizeof(buf), "%ldm%02lds", secs / 60, secs % 60);
  }

  return pstrdup(p, buf);
}

/* Ticket keys change every lifetime; the previous period's key still
 * decrypts (ticketkeys.h), so a key lives two lifetimes.
 */
static void describe_ticket_keys(pr_ctrls_t *ctrl, pool *p,
    const struct secftp_settings *st) {
  time_t now = time(NULL);
  int64_t epoch = secftp_ticketkey_epoch(now, st->ticket_key_lifetime);
  long started = (long) (now - (time_t) (epoch * st->ticket_key_lifetime));

  if (epoch < 0) {
    return;
  }

  pr_ctrls_add_response(ctrl, "  ticket keys: %s, lifetime %lds",
    st->session_cache == SECFTP_SESSION_CACHE_REDIS ?
      pstrcat(p, "fleet (Redis, secret ", st->ticket_key_secret != NULL ?
        st->ticket_key_secret->path : "?", ")", NULL) :
    st->session_cache == SECFTP_SESSION_CACHE_OFF ?
      "per session process (SecureSessionCache off)" :
      "this node's (secret made at start or restart)",
    st->ticket_key_lifetime);
  pr_ctrls_add_response(ctrl, "    current key: period %lld, age %s, "
    "issues tickets for %s more", (long long) epoch, age_text(p, started),
    age_text(p, st->ticket_key_lifetime - started));
  pr_ctrls_add_response(ctrl, "    previous key: period %lld, age %s, "
    "still decrypts for %s", (long long) (epoch - 1),
    age_text(p, started + st->ticket_key_lifetime),
    age_text(p, st->ticket_key_lifetime - started));
}

static void describe_cache(pr_ctrls_t *ctrl, pool *p, server_rec *s) {
  const struct secftp_settings *st = secftp_tls_server_settings(s);
  time_t down;

  if (st == NULL) {
    pr_ctrls_add_response(ctrl, "vhost '%s': SecureEngine off",
      s->ServerName);
    return;
  }

  pr_ctrls_add_response(ctrl, "vhost '%s': SecureSessionCache %s",
    s->ServerName, secftp_token_name(secftp_session_cache_tokens,
      st->session_cache));
  if (st->session_cache == SECFTP_SESSION_CACHE_REDIS) {
    down = secftp_fleet_redis_down_since();
    pr_ctrls_add_response(ctrl, "  TLS 1.2 sessions: Redis, encrypted; "
      "Redis %s", down != 0 ? pstrcat(p, "unavailable for ",
        age_text(p, (long) (time(NULL) - down)), " (serving with this "
        "node's own cache and keys)", NULL) : "available");

  } else {
    pr_ctrls_add_response(ctrl, "  TLS 1.2 sessions: in each session "
      "process (its data connections resume its control session)");
  }

  describe_ticket_keys(ctrl, p, st);
}

static int handle_cache(pr_ctrls_t *ctrl, pool *p) {
  server_rec *s;

  for (s = (server_rec *) server_list->xas_list; s != NULL; s = s->next) {
    describe_cache(ctrl, p, s);
  }

  return 0;
}

/* reload-certmap
 */

/* The new map is also stored in s's configuration, which HOST and REIN
 * read again.  The old map stays allocated until the next restart: a
 * session forked before the reload may still use it.
 */
static void install_map(server_rec *s, struct secftp_settings *st,
    struct secftp_certmap *map) {
  config_rec *c;

  st->certmap = map;
  c = find_config(s->conf, CONF_PARAM, "SecureCertMap", FALSE);
  if (c != NULL) {
    c->argv[1] = map;
  }
}

static int reload_server_map(pr_ctrls_t *ctrl, pool *p, server_rec *s) {
  struct secftp_settings *st = secftp_tls_server_settings_rw(s);
  struct secftp_certmap *map = NULL;
  const char *problem;

  if (st == NULL ||
      st->certmap_path == NULL) {
    return 0;
  }

  if (secftp_fleetmap_is_redis(st->certmap_path)) {
    pr_ctrls_add_response(ctrl, "vhost '%s': %s is read from Redis by the "
      "sessions (within 10 s of a change): nothing to reload",
      s->ServerName, st->certmap_path);
    return 0;
  }

  PRIVS_ROOT
  problem = secftp_certuser_load_map(p, st->certmap_path, &map);
  PRIVS_RELINQUISH

  if (problem == NULL &&
      secftp_certuser_keep_map(map) < 0) {
    secftp_certmap_free(map);
    problem = "out of memory";
  }

  if (problem != NULL) {
    pr_log_pri(PR_LOG_WARNING, MOD_SECFTP_VERSION ": reload-certmap for "
      "server '%s': %s; the previous map stays in use", s->ServerName,
      problem);
    pr_ctrls_add_response(ctrl, "vhost '%s': %s; the previous map stays in "
      "use", s->ServerName, problem);
    return -1;
  }

  install_map(s, st, map);
  pr_log_pri(PR_LOG_NOTICE, MOD_SECFTP_VERSION ": reload-certmap for "
    "server '%s': %s, %lu rules, for new sessions", s->ServerName,
    st->certmap_path, (unsigned long) secftp_certmap_count(map));
  pr_ctrls_add_response(ctrl, "vhost '%s': %s reloaded, %lu rules (for new "
    "sessions)", s->ServerName, st->certmap_path,
    (unsigned long) secftp_certmap_count(map));
  return 0;
}

static int handle_reload_certmap(pr_ctrls_t *ctrl, pool *p) {
  server_rec *s;
  int res = 0, maps = 0;

  for (s = (server_rec *) server_list->xas_list; s != NULL; s = s->next) {
    const struct secftp_settings *st = secftp_tls_server_settings(s);

    if (st != NULL &&
        st->certmap_path != NULL) {
      maps++;
    }

    if (reload_server_map(ctrl, p, s) < 0) {
      res = -1;
    }
  }

  if (maps == 0) {
    pr_ctrls_add_response(ctrl, "no server has a SecureCertMap: nothing to "
      "reload");
  }

  return res;
}

/* Setup
 */

int secftp_ctrls_init(void) {
  reset_acls();
  if (pr_ctrls_register(&secftp_module, "secftp", "mod_secftp: status, "
      "sessions, cache, reload-certmap", handle_secftp) < 0) {
    pr_log_pri(PR_LOG_NOTICE, MOD_SECFTP_VERSION ": unable to register the "
      "'secftp' control action: %s", strerror(errno));
    return -1;
  }

  return 0;
}

void secftp_ctrls_restart(void) {
  reset_acls();
}

void secftp_ctrls_release(void) {
  (void) pr_ctrls_unregister(&secftp_module, "secftp");
  if (acl_pool != NULL) {
    destroy_pool(acl_pool);
    acl_pool = NULL;
  }
}

modret_t *secftp_set_controls_acls(cmd_rec *cmd) {
  const char *bad_action = NULL;
  char **names;
  size_t i;

  CHECK_ARGS(cmd, 4);
  CHECK_CONF(cmd, CONF_ROOT);

  if (strcmp(cmd->argv[2], "allow") != 0 &&
      strcmp(cmd->argv[2], "deny") != 0) {
    CONF_ERROR(cmd, "second value must be 'allow' or 'deny'");
  }

  if (strcmp(cmd->argv[3], "user") != 0 &&
      strcmp(cmd->argv[3], "group") != 0) {
    CONF_ERROR(cmd, "third value must be 'user' or 'group'");
  }

  names = pr_ctrls_parse_acl(cmd->tmp_pool, cmd->argv[1]);
  if (pr_ctrls_set_module_acls2(actions, acl_pool, names, cmd->argv[2],
      cmd->argv[3], cmd->argv[4], &bad_action) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "unknown action '",
      bad_action != NULL ? bad_action : "?", "' (status, sessions, cache, "
      "reload-certmap, all)", NULL));
  }

  for (i = 0; names[i] != NULL; i++) {
    int idx = action_index(names[i]);
    size_t j;

    for (j = 0; j < NACTIONS; j++) {
      if (strcasecmp(names[i], "all") == 0 ||
          (int) j == idx) {
        acl_configured[j] = TRUE;
      }
    }
  }

  return PR_HANDLED(cmd);
}

#else /* !PR_USE_CTRLS */

int secftp_ctrls_init(void) {
  return 0;
}

void secftp_ctrls_restart(void) {
}

void secftp_ctrls_release(void) {
}

modret_t *secftp_set_controls_acls(cmd_rec *cmd) {
  CONF_ERROR(cmd, "needs a ProFTPD built with Controls (--enable-ctrls)");
}

#endif /* PR_USE_CTRLS */
