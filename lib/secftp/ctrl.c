/*
 * ctrl: AUTH, PBSZ, PROT, CCC and STAT on the control connection.
 *
 * The decisions are the pure policy unit's (policy.c); this file carries
 * them out: replies, the handshake, and the TLS teardown of CCC/REIN.
 */

#include "secftp/ctrl.h"
#include "secftp/certfile.h"
#include "secftp/log.h"
#include "secftp/netio.h"
#include "secftp/revocation.h"
#include "secftp/policy.h"
#include "secftp/rein.h"
#include "secftp/session.h"
#include "secftp/sni.h"
#include "secftp/tls.h"

#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>

/* The first byte of a TLS record is its content type: change_cipher_spec
 * (20), alert (21), handshake (22) or application data (23).  No FTP
 * command starts with one of these bytes.
 */
#define TLS_CONTENT_TYPE_MIN	20
#define TLS_CONTENT_TYPE_MAX	23

/* The policy unit reads the session's state bits as they are. */
_Static_assert(SECFTP_STATE_CTRL_TLS == SECFTP_PST_CTRL_TLS &&
  SECFTP_STATE_PBSZ == SECFTP_PST_PBSZ &&
  SECFTP_STATE_CCC == SECFTP_PST_CCC &&
  SECFTP_STATE_IMPLICIT == SECFTP_PST_IMPLICIT,
  "session.h and policy.h state bits differ");

int secftp_ctrl_logged_in(void) {
  const unsigned char *authenticated;

  authenticated = get_param_ptr(main_server->conf, "authenticated", FALSE);
  return authenticated != NULL &&
    *authenticated == TRUE &&
    !secftp_sess.logged_out;
}

void secftp_ctrl_policy_in(struct secftp_policy_in *in) {
  const struct secftp_settings *st = &secftp_sess.settings;
  const int *dataconn;

  memset(in, 0, sizeof(*in));
  in->state = secftp_sess.state;
  in->logged_in = secftp_ctrl_logged_in();
  /* mod_auth keeps the USER name until the login succeeds or fails. */
  in->user_given = pr_table_get(session.notes, SECFTP_ORIG_USER_NOTE,
    NULL) != NULL;
  in->logged_out = secftp_sess.logged_out;
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

modret_t *secftp_ctrl_refuse(cmd_rec *cmd, const struct secftp_verdict *v) {
  int xerrno = v->policy != NULL ? EPERM : EINVAL;

  if (v->policy != NULL) {
    secftp_log("%s refused from %s by policy %s: %s %s",
      (char *) cmd->argv[0], pr_netaddr_get_ipstr(session.c->remote_addr),
      v->policy, v->code, v->reason);
    pr_trace_msg(SECFTP_TRACE_POLICY, 3, "%s refused by %s: %s",
      (char *) cmd->argv[0], v->policy, v->code);

    /* The event's data is the policy's name, as for login refusals. */
    pr_event_generate(SECFTP_EVENT_PREFIX "policy-denied", v->policy);

  } else {
    secftp_log("%s refused from %s: %s %s", (char *) cmd->argv[0],
      pr_netaddr_get_ipstr(session.c->remote_addr), v->code, v->reason);
  }

  pr_response_add_err(v->code, "%s", v->reason);
  pr_cmd_set_errno(cmd, xerrno);
  errno = xerrno;
  return PR_ERROR(cmd);
}

/* Runs one policy decision; NULL when the verdict is not a refusal. */
static modret_t *decide(cmd_rec *cmd, int res,
    const struct secftp_verdict *v) {
  if (res < 0) {
    static const struct secftp_verdict internal = {
      "451", "Internal error in the protection policy", NULL, 0, 0, 0
    };

    return secftp_ctrl_refuse(cmd, &internal);
  }

  return v->action == SECFTP_ACT_NONE ? secftp_ctrl_refuse(cmd, v) : NULL;
}

static const char *cmd_arg(cmd_rec *cmd) {
  return cmd->argc == 2 ? (const char *) cmd->argv[1] : NULL;
}

void secftp_ctrl_protect(const char *how) {
  pr_netio_stream_t *in = session.c->instrm, *out = session.c->outstrm;
  const char *problem = NULL;
  SSL *ssl;

  ssl = secftp_tls_accept(secftp_sess.ctx, PR_NETIO_FD(in),
    secftp_sess.settings.handshake_timeout, &problem);
  if (ssl != NULL &&
      secftp_revocation_check_peer(ssl, secftp_sni_settings(),
        &problem) < 0) {
    secftp_tls_close(ssl, FALSE, 0);
    ssl = NULL;
  }

  if (ssl == NULL) {
    secftp_log("%s: control TLS handshake with %s failed: %s; closing the "
      "connection", how, pr_netaddr_get_ipstr(session.c->remote_addr),
      problem);
    pr_session_disconnect(&secftp_module, PR_SESS_DISCONNECT_BY_APPLICATION,
      problem);
  }

  /* Whatever arrived in the clear before the handshake is dropped, not
   * executed as if it had been protected (CVE-2011-0411 class).
   */
  secftp_netio_discard_buffered(in);

  /* A control TLS connection left over from before REIN is done with. */
  if (secftp_sess.ctrl_ssl != NULL) {
    SSL_free(secftp_sess.ctrl_ssl);
  }

  secftp_sess.ctrl_ssl = ssl;
  (void) secftp_netio_attach(in, ssl);
  (void) secftp_netio_attach(out, ssl);
  secftp_sess.state |= SECFTP_STATE_CTRL_TLS;
  secftp_sess.state &= ~SECFTP_STATE_CCC;

  session.rfc2228_mech = "TLS";
  (void) pr_session_set_protocol("ftps");
  secftp_session_publish_tls(ssl);

  secftp_log("%s: control connection from %s protected: %s, %s", how,
    pr_netaddr_get_ipstr(session.c->remote_addr), SSL_get_version(ssl),
    SSL_get_cipher_name(ssl));
  pr_event_generate(SECFTP_EVENT_PREFIX "ctrl-handshake", ssl);
}

/* What the client sends next, once the reply to CCC/REIN is out. */
enum next_bytes {
  NEXT_NOTHING = 0,	/* nothing before the deadline, or EOF/error */
  NEXT_TLS,		/* a TLS record (its close_notify, we expect) */
  NEXT_CLEAR		/* plaintext: it went on without close_notify */
};

/* Waits until the client sends something or the deadline passes, and
 * tells TLS from plaintext by peeking at one byte, never consuming it.
 */
static enum next_bytes peek_next(int fd, time_t deadline) {
  while (TRUE) {
    struct pollfd pfd;
    unsigned char first;
    time_t now = time(NULL);
    int res;

    if (now >= deadline) {
      return NEXT_NOTHING;
    }

    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    res = poll(&pfd, 1, (int) (deadline - now) * 1000);
    if (res < 0 &&
        errno == EINTR) {
      pr_signals_handle();
      continue;
    }

    if (res <= 0 ||
        recv(fd, &first, 1, MSG_PEEK) != 1) {
      return NEXT_NOTHING;
    }

    return first >= TLS_CONTENT_TYPE_MIN && first <= TLS_CONTENT_TYPE_MAX ?
      NEXT_TLS : NEXT_CLEAR;
  }
}

/* Reads records until the client's close_notify, up to the deadline.
 * Only bytes that start a TLS record are handed to OpenSSL, and OpenSSL
 * (without read-ahead) reads exactly one record at a time, so a plaintext
 * command that follows is left in the socket for ProFTPD.
 */
static void read_close_notify(SSL *ssl, int fd, time_t deadline) {
  char discard[512];

  while (!(SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN)) {
    int res, err;

    if (peek_next(fd, deadline) != NEXT_TLS) {
      return;
    }

    ERR_clear_error();
    res = SSL_read(ssl, discard, sizeof(discard));
    if (res > 0) {
      /* Protected data sent after the reply: not a command any more. */
      continue;
    }

    err = SSL_get_error(ssl, res);
    if (err != SSL_ERROR_WANT_READ &&
        err != SSL_ERROR_ZERO_RETURN) {
      return;
    }
  }
}

/* The close_notify exchange of CCC and REIN, tolerant of every client:
 *
 * - one that sends its close_notify at once (curl, Python, lftp): read it,
 *   then answer with ours.  Answering second matters: a client still
 *   reading the 200 may take a close_notify that arrives with it for the
 *   end of the connection (lftp does);
 * - one that goes on in the clear at once: send nothing more, so that no
 *   TLS bytes land in its plaintext replies;
 * - one that waits for ours first: after a short grace, send it, then
 *   read theirs.
 */
static int exchange_close_notify(SSL *ssl, int fd, long timeout) {
  time_t deadline = time(NULL) + timeout;

  switch (peek_next(fd, time(NULL) + 1)) {
    case NEXT_TLS:
      read_close_notify(ssl, fd, deadline);
      if (SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN) {
        ERR_clear_error();
        (void) SSL_shutdown(ssl);
        return TRUE;
      }
      break;

    case NEXT_CLEAR:
      pr_trace_msg(SECFTP_TRACE_TLS, 9, "client went on in the clear "
        "without close_notify");
      return FALSE;

    case NEXT_NOTHING:
      break;
  }

  ERR_clear_error();
  (void) SSL_shutdown(ssl);
  read_close_notify(ssl, fd, deadline);
  if (!(SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN)) {
    secftp_log("no close_notify from the client (within %lds); going on "
      "in the clear", timeout);
    return FALSE;
  }

  return TRUE;
}

int secftp_ctrl_unprotect(int notify) {
  SSL *ssl = secftp_sess.ctrl_ssl;
  int fd, exchanged = FALSE;

  if (ssl == NULL ||
      !(secftp_sess.state & SECFTP_STATE_CTRL_TLS)) {
    return FALSE;
  }

  (void) secftp_netio_detach(session.c->instrm);
  (void) secftp_netio_detach(session.c->outstrm);

  /* Commands the client pipelined behind CCC/REIN inside TLS are dropped,
   * like those in later records (read_close_notify): what arrives after
   * the reply is never taken for a command.
   */
  secftp_netio_discard_buffered(session.c->instrm);

  fd = SSL_get_fd(ssl);
  if (notify) {
    int flags = fcntl(fd, F_GETFL);

    /* Non-blocking, so that a client that never answers cannot hold the
     * session: OpenSSL returns WANT_READ instead of waiting.
     */
    (void) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    exchanged = exchange_close_notify(ssl, fd,
      secftp_sess.settings.handshake_timeout);
    (void) fcntl(fd, F_SETFL, flags);
  }

  /* Nothing more is ever sent or expected on this TLS connection; the
   * object stays (the session is the one data connections resume) until
   * the session ends or a new AUTH replaces it.
   */
  SSL_set_quiet_shutdown(ssl, 1);
  SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN|SSL_RECEIVED_SHUTDOWN);
  ERR_clear_error();

  secftp_sess.state &= ~SECFTP_STATE_CTRL_TLS;
  session.rfc2228_mech = NULL;
  (void) pr_session_set_protocol("ftp");
  return exchanged;
}

/* A policy decision on a command's argument. */
typedef int (*arg_policy_fn)(const struct secftp_policy_in *, const char *,
  struct secftp_verdict *);

/* Asks policy about cmd in this session's state.  Returns NULL when the
 * command may proceed (v says how), or the refusal to return.
 */
static modret_t *judge_with_arg(cmd_rec *cmd, arg_policy_fn policy,
    struct secftp_verdict *v) {
  struct secftp_policy_in in;

  secftp_ctrl_policy_in(&in);
  return decide(cmd, policy(&in, cmd_arg(cmd), v), v);
}

/* usage: AUTH mechanism */
modret_t *secftp_cmd_auth(cmd_rec *cmd) {
  struct secftp_verdict v;
  const char *out_of_service;
  modret_t *refused;
  SSL_CTX *ctx;

  if (!secftp_session_enabled()) {
    return PR_DECLINED(cmd);
  }

  refused = judge_with_arg(cmd, secftp_policy_auth, &v);
  if (refused != NULL) {
    return refused;
  }

  /* The handshake uses main_server's context: after HOST, that vhost's. */
  ctx = secftp_tls_server_ctx(main_server);
  out_of_service = secftp_certfile_out_of_service(cmd->tmp_pool,
    main_server, ctx != NULL ? ctx : secftp_sess.ctx);
  if (out_of_service != NULL) {
    const struct secftp_verdict no_cert = {
      "431", out_of_service, NULL, 0, 0, 0
    };

    return secftp_ctrl_refuse(cmd, &no_cert);
  }

  if (v.action == SECFTP_ACT_AUTH_LOGOUT) {
    /* RFC 4217 section 4.2: a new AUTH ends the login. */
    secftp_rein_logout("AUTH after login");
  }

  /* An accepted AUTH requires USER (and PASS) again (RFC 2228 section
   * 3): a USER sent before it, in the clear, begins no login.
   */
  (void) pr_table_remove(session.notes, SECFTP_ORIG_USER_NOTE, NULL);

  pr_response_send(R_234, "AUTH %s successful",
    ((char *) cmd->argv[1]));
  secftp_ctrl_protect(pstrcat(cmd->tmp_pool, "AUTH ", cmd->argv[1], NULL));

  secftp_sess.state &= ~SECFTP_STATE_PBSZ;
  secftp_session_set_prot('C');
  if (v.implies_private) {
    secftp_sess.state |= SECFTP_STATE_PBSZ;
    secftp_session_set_prot('P');
  }
  secftp_session_announce_prot();

  return PR_HANDLED(cmd);
}

/* usage: PBSZ size */
modret_t *secftp_cmd_pbsz(cmd_rec *cmd) {
  struct secftp_verdict v;
  modret_t *refused;

  if (!secftp_session_enabled()) {
    return PR_DECLINED(cmd);
  }

  refused = judge_with_arg(cmd, secftp_policy_pbsz, &v);
  if (refused != NULL) {
    return refused;
  }

  secftp_sess.state |= SECFTP_STATE_PBSZ;
  pr_response_add(v.code, "%s", v.reason);
  return PR_HANDLED(cmd);
}

/* usage: PROT C|S|E|P */
modret_t *secftp_cmd_prot(cmd_rec *cmd) {
  struct secftp_verdict v;
  modret_t *refused;

  if (!secftp_session_enabled()) {
    return PR_DECLINED(cmd);
  }

  refused = judge_with_arg(cmd, secftp_policy_prot, &v);
  if (refused != NULL) {
    return refused;
  }

  secftp_session_set_prot(v.prot);
  pr_response_add(v.code, "%s", v.reason);
  return PR_HANDLED(cmd);
}

/* usage: CCC */
modret_t *secftp_cmd_ccc(cmd_rec *cmd) {
  struct secftp_policy_in in;
  struct secftp_verdict v;
  modret_t *refused;
  int notify, exchanged;

  if (!secftp_session_enabled()) {
    return PR_DECLINED(cmd);
  }

  secftp_ctrl_policy_in(&in);
  refused = decide(cmd, secftp_policy_ccc(&in, &v), &v);
  if (refused != NULL) {
    return refused;
  }

  /* The 200 still goes out protected; then TLS ends, TCP stays. */
  pr_response_send(v.code, "%s", v.reason);
  notify = secftp_sess.settings.rfc_level != SECFTP_RFC_CCC_NONOTIFY;
  exchanged = secftp_ctrl_unprotect(notify);
  secftp_sess.state |= SECFTP_STATE_CCC;

  secftp_log("CCC from %s: control connection now clear (%s); data "
    "protection stays PROT %c", pr_netaddr_get_ipstr(session.c->remote_addr),
    !notify ? "without close_notify, SecureRFCLevel ccc_nonotify" :
      exchanged ? "close_notify exchanged" :
      "the client sent no close_notify", secftp_sess.prot);
  return PR_HANDLED(cmd);
}

/* STAT without an argument: the protection state goes in front of the
 * core's status lines (mod_ls answers STAT; a PRE_CMD handler is the only
 * place where lines can be added before its own).
 */
modret_t *secftp_pre_stat(cmd_rec *cmd) {
  const struct secftp_settings *st = &secftp_sess.settings;
  SSL *ssl = secftp_sess.ctrl_ssl;

  if (!secftp_session_enabled() ||
      cmd->argc != 1) {
    return PR_DECLINED(cmd);
  }

  if (secftp_sess.state & SECFTP_STATE_CTRL_TLS) {
    pr_response_add(R_211, "Control connection: protected, %s, %s%s",
      SSL_get_version(ssl), SSL_get_cipher_name(ssl),
      (secftp_sess.state & SECFTP_STATE_IMPLICIT) ? " (implicit FTPS)" : "");

  } else {
    pr_response_add(R_211, "Control connection: clear%s",
      (secftp_sess.state & SECFTP_STATE_CCC) ? " (after CCC)" : "");
  }

  pr_response_add(R_DUP, "Data protection: PROT %c (%s)", secftp_sess.prot,
    secftp_sess.prot == 'P' ? "Private" : "Clear");
  pr_response_add(R_DUP, "RFC level: %s (SecureRFCLevel)",
    secftp_token_name(secftp_rfc_level_tokens, st->rfc_level));
  return PR_DECLINED(cmd);
}

void secftp_ctrl_add_feats(void) {
  const struct secftp_settings *st = &secftp_sess.settings;

  (void) pr_feat_add("AUTH TLS");
  (void) pr_feat_add("PBSZ");
  (void) pr_feat_add("PROT");

  /* CCC is advertised before and after login whenever it could be
   * accepted after login (SPEC section 6).
   */
  if (st->ctrlconn == SECFTP_CTRLCONN_CLEAR &&
      st->rfc_level != SECFTP_RFC_DRAFT &&
      !st->implicit) {
    (void) pr_feat_add("CCC");
  }
}

void secftp_ctrl_add_help(void) {
  const struct secftp_settings *st = &secftp_sess.settings;

  pr_help_add(C_AUTH, _("<sp> TLS|TLS-C|SSL|TLS-P"), TRUE);
  pr_help_add(C_PBSZ, _("<sp> 0"), TRUE);
  pr_help_add(C_PROT, _("<sp> C|P"), TRUE);

  /* At draft level CCC and REIN are answered 500 and 502. */
  if (st->rfc_level != SECFTP_RFC_DRAFT) {
    pr_help_add(C_CCC, _("(clear the control connection)"), TRUE);
    pr_help_add(C_REIN, _("(reinitialize the session)"), TRUE);
  }
}
