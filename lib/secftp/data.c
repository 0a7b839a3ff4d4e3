/*
 * data: the TLS side of data connections.
 */

#include "secftp/data.h"
#include "secftp/bulk.h"
#include "secftp/log.h"
#include "secftp/netio.h"
#include "secftp/reuse.h"
#include "secftp/session.h"
#include "secftp/tls.h"

#include <openssl/err.h>

/* ProFTPD's pending error replies (not in its public headers). */
extern pr_response_t *resp_err_list;

/* A protected transfer moves this much per call between ProFTPD and the
 * TLS layer: 16 records, so a download is one read(2) of the file and one
 * write(2) to the socket per 256 KiB instead of six calls per record.
 */
#define DATA_XFER_BUFSZ		(256 * 1024)


static const char *peer(void) {
  return session.d != NULL && session.d->remote_addr != NULL ?
    pr_netaddr_get_ipstr(session.d->remote_addr) : "?";
}

static int refuse_connection(int fd, SSL *ssl, const char *why) {
  secftp_session_set_data_refusal(why);
  secftp_log("data connection from %s refused (522, SecureSessionReuse "
    "%s): %s", peer(), secftp_sess.settings.reuse == SECFTP_REUSE_REQUIRED ?
    "required" : "allowed", why);
  pr_event_generate(SECFTP_EVENT_PREFIX "policy-denied",
    "SecureSessionReuse");

  if (ssl != NULL) {
    /* The thief, or the confused client, gets no data: an alert, then
     * the connection closes.
     */
    ERR_clear_error();
    (void) SSL_shutdown(ssl);
    (void) secftp_bulk_flush(ssl, 1);
    SSL_free(ssl);
  }

  /* Closed both ways now: ProFTPD's lingering close would otherwise wait
   * up to 10 s for a peer that may never close (a silent client, a thief)
   * before the 522 goes out.
   */
  (void) shutdown(fd, SHUT_RDWR);

  session.d->xerrno = errno = EPERM;
  return -1;
}

int secftp_data_postopen(pr_netio_stream_t *nstrm) {
  const char *problem = NULL, *why = NULL;
  SSL *ssl;

  if (nstrm->strm_type != PR_NETIO_STRM_DATA ||
      secftp_sess.prot != 'P' ||
      session.d == NULL) {
    return 0;
  }

  /* ProFTPD opens a read and a write stream on the one data socket and
   * calls this for both; the handshake belongs to the connection, so it
   * runs once, for whichever stream comes first.
   */
  if (secftp_netio_get_ssl(session.d->instrm) != NULL ||
      secftp_netio_get_ssl(session.d->outstrm) != NULL) {
    return 0;
  }

  /* ProFTPD corks data sockets; a corked handshake flight would sit in
   * the kernel for 200 ms before going out.
   */
  (void) pr_inet_set_proto_cork(PR_NETIO_FD(nstrm), FALSE);

  ssl = secftp_tls_accept(secftp_sess.ctx, PR_NETIO_FD(nstrm),
    secftp_sess.settings.handshake_timeout, &problem);
  if (ssl == NULL) {
    char why_failed[128];

    pr_snprintf(why_failed, sizeof(why_failed),
      "data TLS handshake failed: %s", problem);
    return refuse_connection(PR_NETIO_FD(nstrm), NULL, why_failed);
  }

  if (secftp_reuse_check(ssl, &why) < 0) {
    char offered[128];

    pr_snprintf(offered, sizeof(offered), "the client offered %s", why);
    return refuse_connection(PR_NETIO_FD(nstrm), ssl, offered);
  }

  secftp_reuse_issue_transfer_ticket(ssl, FALSE);

  (void) secftp_netio_attach(session.d->instrm, ssl);
  (void) secftp_netio_attach(session.d->outstrm, ssl);
  pr_trace_msg(SECFTP_TRACE_DATA, 9, "data connection protected: %s, %s%s%s",
    SSL_get_version(ssl), SSL_get_cipher_name(ssl),
    SSL_session_reused(ssl) ? ", resumed" : "",
    BIO_get_ktls_send(SSL_get_wbio(ssl)) ? ", kernel TLS" : "");
  pr_event_generate(SECFTP_EVENT_PREFIX "data-handshake", ssl);
  return 0;
}

/* Detaches ssl from whichever data stream still holds it. */
static void detach_data_streams(SSL *ssl) {
  if (session.d == NULL) {
    return;
  }

  if (secftp_netio_get_ssl(session.d->instrm) == ssl) {
    (void) secftp_netio_detach(session.d->instrm);
  }

  if (secftp_netio_get_ssl(session.d->outstrm) == ssl) {
    (void) secftp_netio_detach(session.d->outstrm);
  }
}

void secftp_data_finish(pr_netio_stream_t *nstrm) {
  long timeout = secftp_sess.settings.handshake_timeout;
  SSL *ssl;

  if (nstrm->strm_type != PR_NETIO_STRM_DATA) {
    return;
  }

  ssl = secftp_netio_detach(nstrm);
  if (ssl == NULL) {
    return;
  }

  detach_data_streams(ssl);

  if ((nstrm->strm_flags & PR_NETIO_SESS_ABORT) ||
      (session.sf_flags & SF_ABORT)) {
    /* An aborted download: the client no longer reads, so what is still
     * batched would only stall the close.
     */
    secftp_bulk_discard(ssl);

  } else {
    /* close_notify after the last records, in the same write(2), before
     * the FIN: a client tells a complete transfer from a cut one by it.
     */
    secftp_reuse_issue_transfer_ticket(ssl, TRUE);
    ERR_clear_error();
    (void) SSL_shutdown(ssl);
    (void) secftp_bulk_flush(ssl, timeout);
  }

  ERR_clear_error();
  SSL_free(ssl);
}

/* An upload that ended with an error: when the peer simply closed the TCP
 * connection between two records, the data is whole as far as anyone can
 * tell, and only the missing close_notify is logged; a connection cut
 * inside a record lost bytes and fails the transfer.
 */
static int read_failed(SSL *ssl, int xerrno) {
  if (secftp_bulk_saw_eof(ssl)) {
    if (secftp_bulk_eof_on_record_boundary(ssl)) {
      secftp_log("data connection from %s ended without close_notify, on a "
        "record boundary (%" PR_LU " bytes received): accepted", peer(),
        (pr_off_t) session.xfer.total_bytes);
      return 0;
    }

    secftp_log("data connection from %s cut inside a TLS record after %"
      PR_LU " bytes: transfer failed", peer(),
      (pr_off_t) session.xfer.total_bytes);
    errno = EPIPE;
    return -1;
  }

  errno = xerrno;
  return -1;
}

int secftp_data_read(pr_netio_stream_t *nstrm, char *buf, size_t len) {
  SSL *ssl = secftp_netio_get_ssl(nstrm);
  size_t total;
  int res;

  res = secftp_tls_read(ssl, buf, len);
  if (res < 0) {
    return read_failed(ssl, errno);
  }

  /* Fill the caller's buffer from what has already arrived, without
   * waiting for more: one call per batch instead of one per record.
   */
  total = (size_t) res;
  secftp_bulk_set_nonblocking_reads(ssl, TRUE);
  while (res > 0 &&
         total < len &&
         SSL_has_pending(ssl)) {
    size_t n = 0;

    ERR_clear_error();
    if (SSL_read_ex(ssl, buf + total, len - total, &n) != 1) {
      /* Nothing more for now; an error or close_notify shows up again on
       * the next call.
       */
      break;
    }

    total += n;
  }
  secftp_bulk_set_nonblocking_reads(ssl, FALSE);

  return (int) total;
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

static int is_listing(cmd_rec *cmd) {
  return pr_cmd_cmp(cmd, PR_CMD_LIST_ID) == 0 ||
    pr_cmd_cmp(cmd, PR_CMD_STAT_ID) == 0 ||
    pr_cmd_cmp(cmd, PR_CMD_NLST_ID) == 0 ||
    pr_cmd_cmp(cmd, PR_CMD_MLSD_ID) == 0;
}

/* The path a data command works on, relative to the session's root: the
 * argument, without LIST/NLST options; the working directory for STOU and
 * argument-less listings.
 */
static const char *target_path(cmd_rec *cmd) {
  const char *arg = cmd->arg;

  if (pr_cmd_cmp(cmd, PR_CMD_STOU_ID) == 0 ||
      arg == NULL) {
    arg = "";
  }

  if (is_listing(cmd)) {
    while (*arg == '-') {
      arg += strcspn(arg, " ");
      arg += strspn(arg, " ");
    }
  }

  return *arg != '\0' ? arg : pr_fs_getvwd();
}

/* SecureDataConn as configured for path's directory: <Directory>,
 * .ftpaccess, mod_ifsession blocks, or the server's value.
 */
static int path_policy(pool *p, const char *path) {
  char *best, *full;
  config_rec *dir, *c;
  xaset_t *conf;
  struct stat st;

  best = dir_best_path(p, path);
  if (best == NULL) {
    best = pstrdup(p, pr_fs_getcwd());
  }

  if (pr_fsio_stat(best, &st) < 0) {
    memset(&st, 0, sizeof(st));
  }

  build_dyn_config(p, best, &st, TRUE);

  full = session.chroot_path != NULL ?
    pdircat(p, session.chroot_path, best, NULL) : best;
  dir = dir_match_path(p, full);

  conf = dir != NULL ? dir->subset :
    session.anon_config != NULL ? session.anon_config->subset :
    main_server->conf;

  c = find_config(conf, CONF_PARAM, "SecureDataConn", FALSE);
  return c != NULL ? *((int *) c->argv[0]) : secftp_sess.settings.dataconn;
}

/* The first policy value that refuses the current PROT, or -1. */
static int refusing(int policy) {
  if ((policy == SECFTP_DATACONN_NEVER && secftp_sess.prot == 'P') ||
      (policy == SECFTP_DATACONN_PRIVATE && secftp_sess.prot != 'P')) {
    return policy;
  }

  return -1;
}

/* LIST -R (as an option or in ListOptions) shows every directory below
 * its target.
 */
static int listing_is_recursive(cmd_rec *cmd) {
  const char *arg = cmd->arg, *defaults;

  if (pr_cmd_cmp(cmd, PR_CMD_LIST_ID) != 0) {
    return FALSE;
  }

  defaults = get_param_ptr(CURRENT_CONF, "ListOptions", FALSE);
  if (defaults != NULL &&
      *defaults == '-' &&
      strchr(defaults, 'R') != NULL) {
    return TRUE;
  }

  while (arg != NULL && *arg == '-') {
    size_t n = strcspn(arg, " ");

    if (memchr(arg, 'R', n) != NULL) {
      return TRUE;
    }

    arg += n;
    arg += strspn(arg, " ");
  }

  return FALSE;
}

/* How much of a tree a recursive listing may make us check; a bigger one
 * is refused rather than listed unchecked.  mod_ls reads the same
 * directories (and their .ftpaccess files) to list them.
 */
#define LISTING_MAX_DIRS	65536
#define LISTING_MAX_DEPTH	128

static int subtree_refusing(pool *p, const char *dir, unsigned int depth,
    unsigned int *budget);

static int subtree_refusing_in(pool *p, const char *dir, unsigned int depth,
    unsigned int *budget) {
  int policy;
  void *dh;
  struct dirent *de;

  policy = refusing(path_policy(p, dir));
  if (policy >= 0) {
    return policy;
  }

  if (depth >= LISTING_MAX_DEPTH ||
      *budget == 0) {
    secftp_log("recursive listing of %s reaches more than %u directories "
      "or %u levels: refused", dir, LISTING_MAX_DIRS, LISTING_MAX_DEPTH);
    return secftp_sess.prot == 'P' ? SECFTP_DATACONN_NEVER :
      SECFTP_DATACONN_PRIVATE;
  }
  (*budget)--;

  dh = pr_fsio_opendir(dir);
  if (dh == NULL) {
    /* mod_ls cannot list it either. */
    return -1;
  }

  while (policy < 0 &&
         (de = pr_fsio_readdir(dh)) != NULL) {
    char sub[PR_TUNABLE_PATH_MAX + 1];
    struct stat st;
    int n;

    if (strcmp(de->d_name, ".") == 0 ||
        strcmp(de->d_name, "..") == 0) {
      continue;
    }

    n = snprintf(sub, sizeof(sub), "%s/%s", strcmp(dir, "/") == 0 ? "" :
      dir, de->d_name);
    if (n < 0 ||
        (size_t) n >= sizeof(sub) ||
        pr_fsio_lstat(sub, &st) < 0) {
      continue;
    }

    if (S_ISDIR(st.st_mode)) {
      policy = subtree_refusing(p, sub, depth + 1, budget);

    } else if (S_ISLNK(st.st_mode) &&
               pr_fsio_stat(sub, &st) == 0 &&
               S_ISDIR(st.st_mode)) {
      pool *tmp_pool = make_sub_pool(p);

      policy = refusing(path_policy(tmp_pool, sub));
      destroy_pool(tmp_pool);
    }
  }

  (void) pr_fsio_closedir(dh);
  return policy;
}

/* The policy below dir that refuses the current PROT (a recursive
 * listing shows it all), or -1.  Symbolic links to directories are
 * checked where they lead, not followed further.  Each directory's
 * look-ups use a pool of their own, so a big tree costs no more memory
 * than a deep one.
 */
static int subtree_refusing(pool *p, const char *dir, unsigned int depth,
    unsigned int *budget) {
  pool *tmp_pool = make_sub_pool(p);
  int policy;

  policy = subtree_refusing_in(tmp_pool, dir, depth, budget);
  destroy_pool(tmp_pool);
  return policy;
}

/* The policy that refuses the current PROT for what a listing of path
 * shows, or -1.  A wildcard shows names from every directory it matches
 * in ("LIST * / *"), so each of those is checked.
 */
static int listing_refusing(cmd_rec *cmd, const char *path, int recursive) {
  unsigned int budget = LISTING_MAX_DIRS;
  glob_t g;
  size_t i;
  int policy = -1;

  if (strpbrk(path, "*?[") == NULL ||
      pr_fs_glob(path, GLOB_PERIOD|GLOB_NOSORT, NULL, &g) != 0) {
    policy = refusing(path_policy(cmd->tmp_pool, path));
    if (policy < 0 &&
        recursive) {
      const char *best = dir_best_path(cmd->tmp_pool, path);

      policy = subtree_refusing(cmd->tmp_pool, best != NULL ? best : path,
        0, &budget);
    }

    return policy;
  }

  for (i = 0; policy < 0 && i < g.gl_pathc; i++) {
    const char *match = g.gl_pathv[i], *slash;
    struct stat st;

    slash = strrchr(match, '/');
    policy = refusing(path_policy(cmd->tmp_pool, slash == NULL ? "." :
      slash == match ? "/" :
      pstrndup(cmd->tmp_pool, match, slash - match)));

    if (policy < 0 &&
        recursive &&
        pr_fsio_stat(match, &st) == 0 &&
        S_ISDIR(st.st_mode)) {
      policy = subtree_refusing(cmd->tmp_pool, match, 0, &budget);
    }
  }

  pr_fs_globfree(&g);
  return policy;
}

/* The SecureDataConn value that refuses this data command under the
 * current PROT, or -1.
 */
static int dataconn_refusing(cmd_rec *cmd) {
  const char *path = target_path(cmd);

  if (pr_cmd_cmp(cmd, PR_CMD_LIST_ID) == 0 ||
      pr_cmd_cmp(cmd, PR_CMD_NLST_ID) == 0) {
    return listing_refusing(cmd, path, listing_is_recursive(cmd));
  }

  return refusing(path_policy(cmd->tmp_pool, path));
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

/* ProFTPD sizes its transfer buffer from the TCP buffer sizes (16 KiB by
 * default, one TLS record).  Unless the admin set them (SocketOptions),
 * protected transfers move 256 KiB per call; the sockets are untouched.
 */
static void use_large_xfer_buffer(void) {
  if (!main_server->tcp_sndbuf_override &&
      main_server->tcp_sndbuf_len < DATA_XFER_BUFSZ) {
    main_server->tcp_sndbuf_len = DATA_XFER_BUFSZ;
  }

  if (!main_server->tcp_rcvbuf_override &&
      main_server->tcp_rcvbuf_len < DATA_XFER_BUFSZ) {
    main_server->tcp_rcvbuf_len = DATA_XFER_BUFSZ;
  }
}

/* TRUE once the user has logged in: before that, the data commands get
 * the core's 530, not a policy reply.
 */
static int logged_in(cmd_rec *cmd) {
  const unsigned char *authenticated;

  authenticated = get_param_ptr(cmd->server->conf, "authenticated", FALSE);
  return authenticated != NULL && *authenticated == TRUE;
}

/* STAT with a path lists it on the control connection.  When that is
 * clear (never protected, or after CCC), it is refused wherever a listing
 * could not go out in clear: under PROT P, or from a directory that
 * 'SecureDataConn private' covers (SPEC 3.2).
 */
static modret_t *clear_stat_listing(cmd_rec *cmd) {
  int policy = SECFTP_DATACONN_PRIVATE;

  if (secftp_sess.prot != 'P') {
    policy = listing_refusing(cmd, target_path(cmd), TRUE);
    if (policy < 0) {
      return PR_DECLINED(cmd);
    }
  }

  secftp_log("STAT %s refused for %s: the control connection is clear and "
    "the listing must be private", cmd->arg, pr_netaddr_get_ipstr(
    session.c->remote_addr));
  pr_event_generate(SECFTP_EVENT_PREFIX "policy-denied", "SecureDataConn");
  pr_response_add_err(R_534, _("Listing refused: it must be private "
    "(SecureDataConn private or PROT P) and the control connection is "
    "clear; use LIST"));
  pr_cmd_set_errno(cmd, EPERM);
  errno = EPERM;
  return PR_ERROR(cmd);
}

modret_t *secftp_data_pre_cmd(cmd_rec *cmd) {
  int policy;

  if (secftp_session_enabled() &&
      pr_cmd_cmp(cmd, PR_CMD_STAT_ID) == 0 &&
      cmd->argc > 1 &&
      !(secftp_sess.state & SECFTP_STATE_CTRL_TLS) &&
      logged_in(cmd)) {
    return clear_stat_listing(cmd);
  }

  if (!secftp_session_enabled() ||
      !is_data_cmd(cmd) ||
      !logged_in(cmd)) {
    return PR_DECLINED(cmd);
  }

  secftp_session_set_data_refusal(NULL);

  policy = dataconn_refusing(cmd);
  if (policy >= 0) {
    return refuse_prot(cmd, policy);
  }

  if (secftp_sess.prot == 'P') {
    /* Second guard for sendfile(2), which would bypass TLS: tell mod_xfer
     * again, right before the transfer, that the data is protected.
     */
    secftp_session_announce_prot();
    secftp_reuse_before_transfer();

    /* Listings are small; ProFTPD keeps a transfer buffer in its pools
     * for the rest of the session, so only file transfers get a big one.
     */
    if (!is_listing(cmd)) {
      use_large_xfer_buffer();
    }
  }

  return PR_DECLINED(cmd);
}

modret_t *secftp_data_post_err(cmd_rec *cmd) {
  if (secftp_sess.data_refusal[0] == '\0') {
    return PR_DECLINED(cmd);
  }

  /* ProFTPD answers any failed data connection with 425; RFC 4217 wants
   * 522 for a refused TLS negotiation, so that reply replaces it.
   */
  pr_response_clear(&resp_err_list);
  pr_response_add_err(R_522, _("Data connection refused "
    "(SecureSessionReuse): %s"), secftp_sess.data_refusal);
  secftp_session_set_data_refusal(NULL);
  return PR_DECLINED(cmd);
}
