/*
 * dataconn: SecureDataConn for the path a command acts on.
 */

#include "secftp/dataconn.h"
#include "secftp/log.h"
#include "secftp/lsargs.h"
#include "secftp/session.h"

/* mod_ls's ListOptions flags (modules/mod_ls.c, not in its headers). */
#define LS_FL_LIST_ONLY		0x0002
#define LS_FL_NLST_ONLY		0x0004

/* How much of a tree a recursive listing may make us check; a bigger one
 * is refused rather than listed unchecked.  mod_ls reads the same
 * directories (and their .ftpaccess files) to list them.
 */
#define LISTING_MAX_DIRS	65536
#define LISTING_MAX_DEPTH	128

/* Which policy values a check refuses: those that do not allow the
 * current PROT (a data command), or 'private' alone (what a clear control
 * connection shows).
 */
typedef int (*refuses_fn)(int policy);

static int refuses_prot(int policy) {
  return (policy == SECFTP_DATACONN_NEVER && secftp_sess.prot == 'P') ||
    (policy == SECFTP_DATACONN_PRIVATE && secftp_sess.prot != 'P');
}

static int refuses_clear_ctrl(int policy) {
  return policy == SECFTP_DATACONN_PRIVATE;
}

static int verdict(refuses_fn refuses, int policy) {
  return refuses(policy) ? policy : -1;
}

/* SecureDataConn as configured for one spelling of a path: <Directory>,
 * .ftpaccess, mod_ifsession blocks, or the server's value.
 */
static int configured_policy(pool *p, const char *path) {
  char *full;
  config_rec *dir, *c;
  xaset_t *conf;
  struct stat st;

  if (pr_fsio_stat(path, &st) < 0) {
    memset(&st, 0, sizeof(st));
  }

  build_dyn_config(p, path, &st, TRUE);

  full = session.chroot_path != NULL ?
    pdircat(p, session.chroot_path, path, NULL) : (char *) path;
  dir = dir_match_path(p, full);

  conf = dir != NULL ? dir->subset :
    session.anon_config != NULL ? session.anon_config->subset :
    main_server->conf;

  c = find_config(conf, CONF_PARAM, "SecureDataConn", FALSE);
  return c != NULL ? *((int *) c->argv[0]) : secftp_sess.settings.dataconn;
}

/* The policy for path that refuses, or -1.  A path is looked up as
 * written (symbolic links kept, as <Directory> sees a command's path) and
 * where it leads (links resolved, where the bytes are): either one
 * refusing is enough, so a link cannot lead around a <Directory>.
 */
static int path_refusing(pool *p, const char *path, refuses_fn refuses) {
  const char *resolved, *written;
  int policy;

  resolved = dir_best_path(p, path);
  if (resolved == NULL) {
    resolved = pr_fs_getcwd();
  }

  policy = verdict(refuses, configured_policy(p, resolved));
  if (policy >= 0) {
    return policy;
  }

  written = dir_canonical_path(p, path);
  if (written == NULL ||
      strcmp(written, resolved) == 0) {
    return -1;
  }

  return verdict(refuses, configured_policy(p, written));
}

static int subtree_refusing(pool *p, const char *dir, unsigned int depth,
    unsigned int *budget, refuses_fn refuses);

/* A directory entry that a recursive listing shows or enters. */
static int entry_refusing(pool *p, const char *dir, const char *name,
    unsigned int depth, unsigned int *budget, refuses_fn refuses) {
  char sub[PR_TUNABLE_PATH_MAX + 1];
  struct stat st;
  int n;

  n = snprintf(sub, sizeof(sub), "%s/%s", strcmp(dir, "/") == 0 ? "" :
    dir, name);
  if (n < 0 ||
      (size_t) n >= sizeof(sub) ||
      pr_fsio_lstat(sub, &st) < 0) {
    return -1;
  }

  if (S_ISDIR(st.st_mode)) {
    return subtree_refusing(p, sub, depth + 1, budget, refuses);
  }

  if (S_ISLNK(st.st_mode) &&
      pr_fsio_stat(sub, &st) == 0 &&
      S_ISDIR(st.st_mode)) {
    pool *tmp_pool = make_sub_pool(p);
    int policy = path_refusing(tmp_pool, sub, refuses);

    destroy_pool(tmp_pool);
    return policy;
  }

  return -1;
}

static int subtree_refusing_in(pool *p, const char *dir, unsigned int depth,
    unsigned int *budget, refuses_fn refuses) {
  int policy;
  void *dh;
  struct dirent *de;

  policy = path_refusing(p, dir, refuses);
  if (policy >= 0) {
    return policy;
  }

  if (depth >= LISTING_MAX_DEPTH ||
      *budget == 0) {
    secftp_log("recursive listing of %s reaches more than %u directories "
      "or %u levels: refused", secftp_log_escape(p, dir), LISTING_MAX_DIRS,
      LISTING_MAX_DEPTH);
    return refuses(SECFTP_DATACONN_PRIVATE) ? SECFTP_DATACONN_PRIVATE :
      SECFTP_DATACONN_NEVER;
  }
  (*budget)--;

  dh = pr_fsio_opendir(dir);
  if (dh == NULL) {
    /* mod_ls cannot list it either. */
    return -1;
  }

  while (policy < 0 &&
         (de = pr_fsio_readdir(dh)) != NULL) {
    if (strcmp(de->d_name, ".") != 0 &&
        strcmp(de->d_name, "..") != 0) {
      policy = entry_refusing(p, dir, de->d_name, depth, budget, refuses);
    }
  }

  (void) pr_fsio_closedir(dh);
  return policy;
}

/* The policy below dir that refuses (a recursive listing shows it all),
 * or -1.  Symbolic links to directories are checked where they lead, not
 * followed further.  Each directory's look-ups use a pool of their own,
 * so a big tree costs no more memory than a deep one.
 */
static int subtree_refusing(pool *p, const char *dir, unsigned int depth,
    unsigned int *budget, refuses_fn refuses) {
  pool *tmp_pool = make_sub_pool(p);
  int policy;

  policy = subtree_refusing_in(tmp_pool, dir, depth, budget, refuses);
  destroy_pool(tmp_pool);
  return policy;
}

/* The directory a listed name lives in. */
static const char *parent_of(pool *p, const char *path) {
  const char *slash = strrchr(path, '/');

  return slash == NULL ? "." : slash == path ? "/" :
    pstrndup(p, path, slash - path);
}

/* With -L (or ShowSymlinks off) mod_ls shows what each symbolic link in
 * a listed directory leads to: a link into a private place shows that
 * place's facts.
 */
static int links_refusing(pool *p, const char *dir, refuses_fn refuses) {
  void *dh;
  struct dirent *de;
  int policy = -1;

  dh = pr_fsio_opendir(dir);
  if (dh == NULL) {
    return -1;
  }

  while (policy < 0 &&
         (de = pr_fsio_readdir(dh)) != NULL) {
    const char *entry = pdircat(p, dir, de->d_name, NULL);
    struct stat st;

    if (pr_fsio_lstat(entry, &st) == 0 &&
        S_ISLNK(st.st_mode)) {
      policy = path_refusing(p, entry, refuses);
    }
  }

  (void) pr_fsio_closedir(dh);
  return policy;
}

/* One target of a listing: its own policy (it may be a directory whose
 * contents are shown), with -L where its links lead, and with -R
 * everything below.
 */
static int target_refusing(pool *p, const char *path, unsigned int opts,
    unsigned int *budget, refuses_fn refuses) {
  const char *best;
  int policy;

  policy = path_refusing(p, path, refuses);
  if (policy < 0 &&
      (opts & SECFTP_LSARGS_OPT_L)) {
    policy = links_refusing(p, path, refuses);
  }

  if (policy >= 0 ||
      !(opts & SECFTP_LSARGS_OPT_R)) {
    return policy;
  }

  best = dir_best_path(p, path);
  return subtree_refusing(p, best != NULL ? best : path, 0, budget,
    refuses);
}

/* One match of a wildcard: shown in the directory it lives in, with -L
 * as what it leads to, with -R with everything below.
 */
static int match_refusing(pool *p, const char *match, unsigned int opts,
    unsigned int *budget, refuses_fn refuses) {
  struct stat st;
  int policy;

  policy = path_refusing(p, parent_of(p, match), refuses);
  if (policy < 0 &&
      (opts & SECFTP_LSARGS_OPT_L) &&
      pr_fsio_lstat(match, &st) == 0 &&
      S_ISLNK(st.st_mode)) {
    policy = path_refusing(p, match, refuses);
  }

  if (policy < 0 &&
      (opts & SECFTP_LSARGS_OPT_R) &&
      pr_fsio_stat(match, &st) == 0 &&
      S_ISDIR(st.st_mode)) {
    policy = subtree_refusing(p, match, 0, budget, refuses);
  }

  return policy;
}

/* The policy that refuses what a listing of path shows, or -1.  A
 * wildcard is expanded as mod_ls expands it, and shows names from every
 * directory it matches in ("LIST * / *"), so each of those is checked; a
 * wildcard that matches nothing is listed as a literal path.
 */
static int listing_refusing(pool *p, const char *path, unsigned int opts,
    refuses_fn refuses) {
  unsigned int budget = LISTING_MAX_DIRS;
  unsigned char *globbing;
  glob_t g;
  size_t i;
  int policy = -1;

  globbing = get_param_ptr(TOPLEVEL_CONF, "UseGlobbing", FALSE);
  if ((globbing != NULL && *globbing == FALSE) ||
      !pr_str_is_fnmatch(path) ||
      pr_fs_glob(path, GLOB_PERIOD|GLOB_NOSORT, NULL, &g) != 0) {
    return target_refusing(p, path, opts, &budget, refuses);
  }

  for (i = 0; policy < 0 && i < g.gl_pathc; i++) {
    policy = match_refusing(p, g.gl_pathv[i], opts, &budget, refuses);
  }

  pr_fs_globfree(&g);
  return policy;
}

/* The command as lsargs.c knows it; -1 for any other. */
static int lsargs_cmd(cmd_rec *cmd) {
  static const struct {
    int id;
    enum secftp_lsargs_cmd cmd;
  } cmds[] = {
    { PR_CMD_LIST_ID, SECFTP_LSARGS_LIST },
    { PR_CMD_NLST_ID, SECFTP_LSARGS_NLST },
    { PR_CMD_STAT_ID, SECFTP_LSARGS_STAT },
    { PR_CMD_MLSD_ID, SECFTP_LSARGS_MLSD },
    { PR_CMD_MLST_ID, SECFTP_LSARGS_MLST },
    { PR_CMD_SIZE_ID, SECFTP_LSARGS_SIZE },
    { PR_CMD_MDTM_ID, SECFTP_LSARGS_MDTM },
  };
  size_t i;

  for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
    if (pr_cmd_cmp(cmd, cmds[i].id) == 0) {
      return (int) cmds[i].cmd;
    }
  }

  return -1;
}

/* The ListOptions that mod_ls applies to cmd, or NULL. */
static config_rec *list_options(cmd_rec *cmd) {
  unsigned long skip = pr_cmd_cmp(cmd, PR_CMD_LIST_ID) == 0 ?
    LS_FL_NLST_ONLY : pr_cmd_cmp(cmd, PR_CMD_NLST_ID) == 0 ?
    LS_FL_LIST_ONLY : LS_FL_LIST_ONLY|LS_FL_NLST_ONLY;
  config_rec *c;

  c = find_config(CURRENT_CONF, CONF_PARAM, "ListOptions", FALSE);
  while (c != NULL) {
    if (c->argc < 6 ||
        !(*((unsigned long *) c->argv[5]) & skip)) {
      return c;
    }

    c = find_config_next(c, c->next, CONF_PARAM, "ListOptions", FALSE);
  }

  return NULL;
}

static int path_exists(const char *path, void *data) {
  struct stat st;

  (void) data;
  pr_fs_clear_cache2(path);
  return pr_fsio_stat(path, &st) == 0;
}

/* mod_ls's '~' and '~user' at the start of a listing path: the user's
 * home directory, or the path as written when there is no such user.
 */
static const char *expand_home(pool *p, const char *path) {
  const char *rest;
  struct passwd *pw;

  if (*path != '~') {
    return path;
  }

  rest = path + 1 + strcspn(path + 1, "/");
  pw = pr_auth_getpwnam(p, rest > path + 1 ?
    pstrndup(p, path + 1, rest - path - 1) : session.user);
  return pw != NULL ? pstrcat(p, pw->pw_dir, rest, NULL) : path;
}

/* The refusing policy for what cmd shows, or -1 (also when the command
 * will fail before showing anything).
 */
static int command_refusing(cmd_rec *cmd, int id, refuses_fn refuses) {
  struct secftp_lsargs args;
  config_rec *opts;
  const char *arg, *path;
  unsigned char *show_links;

  arg = pr_fs_decode_path2(cmd->tmp_pool, cmd->arg != NULL ? cmd->arg : "",
    FSIO_DECODE_FL_TELL_ERRORS);
  if (arg == NULL) {
    /* Every module answers 550 for such a path. */
    return -1;
  }

  opts = list_options(cmd);
  if (secftp_lsargs_resolve((enum secftp_lsargs_cmd) id, arg, cmd->argc,
      opts != NULL && opts->argc > 1 && *((unsigned char *) opts->argv[1]),
      path_exists, NULL, &args) < 0 ||
      args.kind == SECFTP_LSARGS_NOTHING) {
    return -1;
  }

  if (opts != NULL &&
      args.expands) {
    args.opts |= secftp_lsargs_options(opts->argv[0]);
  }

  show_links = get_param_ptr(TOPLEVEL_CONF, "ShowSymlinks", FALSE);
  if (show_links != NULL &&
      *show_links == FALSE) {
    /* Every link is listed as what it leads to. */
    args.opts |= SECFTP_LSARGS_OPT_L;
  }

  path = *args.path != '\0' ? args.path : pr_fs_getvwd();
  pr_trace_msg(SECFTP_TRACE_DATA, 9, "%s acts on '%s'%s",
    (char *) cmd->argv[0], secftp_log_escape(cmd->tmp_pool, path),
    (args.opts & SECFTP_LSARGS_OPT_R) ? " and below" : "");

  if (args.kind == SECFTP_LSARGS_FACTS) {
    return path_refusing(cmd->tmp_pool, path, refuses);
  }

  if (!args.expands) {
    unsigned int budget = LISTING_MAX_DIRS;

    return target_refusing(cmd->tmp_pool, path, args.opts, &budget,
      refuses);
  }

  return listing_refusing(cmd->tmp_pool, expand_home(cmd->tmp_pool, path),
    args.opts, refuses);
}

/* The data commands, and where each names its target. */
static int is_data_cmd(cmd_rec *cmd) {
  static const int ids[] = { PR_CMD_RETR_ID, PR_CMD_STOR_ID, PR_CMD_STOU_ID,
    PR_CMD_APPE_ID, PR_CMD_LIST_ID, PR_CMD_NLST_ID, PR_CMD_MLSD_ID };
  size_t i;

  for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
    if (pr_cmd_cmp(cmd, ids[i]) == 0) {
      return TRUE;
    }
  }

  return FALSE;
}

/* The SecureDataConn value that refuses this data command under the
 * current PROT, or -1.  Transfers act on their whole argument (STOU on
 * the working directory).
 */
static int data_cmd_refusing(cmd_rec *cmd) {
  const char *path = cmd->arg;
  int id = lsargs_cmd(cmd);

  if (id >= 0) {
    return command_refusing(cmd, id, refuses_prot);
  }

  if (pr_cmd_cmp(cmd, PR_CMD_STOU_ID) == 0 ||
      path == NULL ||
      *path == '\0') {
    path = pr_fs_getvwd();
  }

  return path_refusing(cmd->tmp_pool, path, refuses_prot);
}

/* The 521 of RFC 4217 section 10.2, before anything else happens. */
static modret_t *refuse_prot(cmd_rec *cmd, int policy) {
  const char *what = policy == SECFTP_DATACONN_NEVER ?
    "must be clear (SecureDataConn never): use PROT C" :
    "must be private (SecureDataConn private): use PROT P";

  secftp_log("%s refused for %s: data connections here %s", (char *)
    cmd->argv[0], pr_netaddr_get_ipstr(session.c->remote_addr), what);
  pr_event_generate(SECFTP_EVENT_PREFIX "policy-denied", "SecureDataConn");
  pr_response_add_err(SECFTP_R_521, _("Data connections here %s"), what);
  pr_cmd_set_errno(cmd, EPERM);
  errno = EPERM;
  return PR_ERROR(cmd);
}

/* The commands that answer on the control connection with a listing or a
 * file's facts.
 */
static int shows_on_ctrl(cmd_rec *cmd) {
  return (pr_cmd_cmp(cmd, PR_CMD_STAT_ID) == 0 && cmd->argc > 1) ||
    pr_cmd_cmp(cmd, PR_CMD_MLST_ID) == 0 ||
    pr_cmd_cmp(cmd, PR_CMD_SIZE_ID) == 0 ||
    pr_cmd_cmp(cmd, PR_CMD_MDTM_ID) == 0;
}

/* On a clear control connection (never protected, or after CCC), a
 * listing or a fact of anything 'SecureDataConn private' covers would go
 * out in clear: 534 (SPEC 6.1).  STAT lists in clear what PROT P asked to
 * keep private, so under PROT P it is refused wherever it points.
 */
static modret_t *clear_ctrl_refusal(cmd_rec *cmd) {
  if (!(pr_cmd_cmp(cmd, PR_CMD_STAT_ID) == 0 &&
        secftp_sess.prot == 'P') &&
      command_refusing(cmd, lsargs_cmd(cmd), refuses_clear_ctrl) < 0) {
    return NULL;
  }

  secftp_log("%s %s refused for %s: the control connection is clear and "
    "SecureDataConn keeps this private", (char *) cmd->argv[0],
    secftp_log_escape(cmd->tmp_pool, cmd->arg), pr_netaddr_get_ipstr(
    session.c->remote_addr));
  pr_event_generate(SECFTP_EVENT_PREFIX "policy-denied", "SecureDataConn");
  pr_response_add_err(R_534, _("%s refused: what it shows must be private "
    "(SecureDataConn private or PROT P) and the control connection is "
    "clear"), (char *) cmd->argv[0]);
  pr_cmd_set_errno(cmd, EPERM);
  errno = EPERM;
  return PR_ERROR(cmd);
}

/* TRUE once the user has logged in: before that, these commands get the
 * core's 530, not a policy reply.
 */
static int logged_in(cmd_rec *cmd) {
  const unsigned char *authenticated;

  authenticated = get_param_ptr(cmd->server->conf, "authenticated", FALSE);
  return authenticated != NULL && *authenticated == TRUE;
}

int secftp_dataconn_is_data_cmd(cmd_rec *cmd) {
  return secftp_session_enabled() &&
    is_data_cmd(cmd) &&
    logged_in(cmd);
}

modret_t *secftp_dataconn_check(cmd_rec *cmd) {
  int policy;

  if (!secftp_session_enabled() ||
      !logged_in(cmd)) {
    return NULL;
  }

  if (shows_on_ctrl(cmd) &&
      !(secftp_sess.state & SECFTP_STATE_CTRL_TLS)) {
    return clear_ctrl_refusal(cmd);
  }

  if (!is_data_cmd(cmd)) {
    return NULL;
  }

  policy = data_cmd_refusing(cmd);
  return policy >= 0 ? refuse_prot(cmd, policy) : NULL;
}
