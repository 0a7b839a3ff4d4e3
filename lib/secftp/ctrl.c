/*
 * ctrl: AUTH, PBSZ, PROT, CCC and STAT on the control connection.
 *
 * The decisions are the pure policy unit's (policy.c); this file carries
 * them out: replies, the handshake, and the TLS teardown of CCC/REIN.
 */

#include "secftp/ctrl.h"
#include "secftp/certfile.h"
#include "secftp/ctrltls.h"
#include "secftp/log.h"
#include "secftp/policy.h"
#include "secftp/reply.h"
#include "secftp/session.h"
#include "secftp/tls.h"

/* The policy unit reads the session's state bits as they are. */
_Static_assert(SECFTP_STATE_CTRL_TLS == SECFTP_PST_CTRL_TLS &&
  SECFTP_STATE_PBSZ == SECFTP_PST_PBSZ &&
  SECFTP_STATE_CCC == SECFTP_PST_CCC &&
  SECFTP_STATE_IMPLICIT == SECFTP_PST_IMPLICIT,
  "session.h and policy.h state bits differ");

/* Runs one policy decision; NULL when the verdict is not a refusal. */
static modret_t *decide(cmd_rec *cmd, int res,
    const struct secftp_verdict *v) {
  if (res < 0) {
    static const struct secftp_verdict internal = {
      "451", "Internal error in the protection policy", NULL, 0, 0, 0
    };

    return secftp_reply_refuse(cmd, &internal);
  }

  return v->action == SECFTP_ACT_NONE ? secftp_reply_refuse(cmd, v) : NULL;
}

static const char *cmd_arg(cmd_rec *cmd) {
  return cmd->argc == 2 ? (const char *) cmd->argv[1] : NULL;
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

  secftp_session_policy_in(&in);
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

    return secftp_reply_refuse(cmd, &no_cert);
  }

  if (v.action == SECFTP_ACT_AUTH_LOGOUT) {
    /* RFC 4217 section 4.2: a new AUTH ends the login. */
    secftp_session_logout("AUTH after login");
  }

  /* An accepted AUTH requires USER (and PASS) again (RFC 2228 section
   * 3): a USER sent before it, in the clear, begins no login.
   */
  (void) pr_table_remove(session.notes, SECFTP_ORIG_USER_NOTE, NULL);

  pr_response_send(R_234, "AUTH %s successful",
    ((char *) cmd->argv[1]));
  secftp_ctrltls_protect(pstrcat(cmd->tmp_pool, "AUTH ", cmd->argv[1],
    NULL));

  secftp_session_clear_pbsz();
  secftp_session_set_prot('C');
  if (v.implies_private) {
    secftp_session_accept_pbsz();
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

  secftp_session_accept_pbsz();
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

  secftp_session_policy_in(&in);
  refused = decide(cmd, secftp_policy_ccc(&in, &v), &v);
  if (refused != NULL) {
    return refused;
  }

  /* The 200 still goes out protected; then TLS ends, TCP stays. */
  pr_response_send(v.code, "%s", v.reason);
  notify = secftp_sess.settings.rfc_level != SECFTP_RFC_CCC_NONOTIFY;
  exchanged = secftp_ctrltls_unprotect(notify, TRUE);

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
