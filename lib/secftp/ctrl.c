/*
 * ctrl: AUTH, PBSZ and PROT.
 */

#include "secftp/ctrl.h"
#include "secftp/log.h"
#include "secftp/netio.h"
#include "secftp/revocation.h"
#include "secftp/session.h"
#include "secftp/sni.h"
#include "secftp/tls.h"

/* The AUTH mechanisms, and whether each implies PBSZ 0 + PROT P (the IBM i
 * meaning of SSL and TLS-P).
 */
static const struct {
  const char *name;
  int implies_private;
} auth_mechs[] = {
  { "TLS", FALSE },
  { "TLS-C", FALSE },
  { "SSL", TRUE },
  { "TLS-P", TRUE },
  { NULL, FALSE }
};

/* Refuses cmd with code and the formatted text, logging why. */
static modret_t *refuse(cmd_rec *cmd, const char *code, int xerrno,
    const char *text) {
  secftp_log("%s refused from %s: %s %s", (char *) cmd->argv[0],
    pr_netaddr_get_ipstr(session.c->remote_addr), code, text);
  pr_response_add_err(code, "%s", text);
  pr_cmd_set_errno(cmd, xerrno);
  errno = xerrno;
  return PR_ERROR(cmd);
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

  secftp_sess.ctrl_ssl = ssl;
  (void) secftp_netio_attach(in, ssl);
  (void) secftp_netio_attach(out, ssl);
  secftp_sess.state |= SECFTP_STATE_CTRL_TLS;

  session.rfc2228_mech = "TLS";
  (void) pr_session_set_protocol("ftps");
  secftp_session_publish_tls(ssl);

  secftp_log("%s: control connection from %s protected: %s, %s", how,
    pr_netaddr_get_ipstr(session.c->remote_addr), SSL_get_version(ssl),
    SSL_get_cipher_name(ssl));
  pr_event_generate(SECFTP_EVENT_PREFIX "ctrl-handshake", ssl);
}

/* usage: AUTH mechanism */
modret_t *secftp_cmd_auth(cmd_rec *cmd) {
  const char *mech;
  int i;

  if (!secftp_session_enabled()) {
    return PR_DECLINED(cmd);
  }

  if (cmd->argc != 2) {
    return refuse(cmd, R_501, EINVAL,
      _("AUTH requires one argument: TLS, TLS-C, SSL or TLS-P"));
  }

  if (secftp_sess.state & (SECFTP_STATE_CTRL_TLS|SECFTP_STATE_CCC)) {
    return refuse(cmd, R_534, EPERM,
      _("Unwilling to accept AUTH: the control connection is already "
        "protected or was cleared by CCC"));
  }

  mech = cmd->argv[1];
  for (i = 0; auth_mechs[i].name != NULL; i++) {
    if (strcasecmp(auth_mechs[i].name, mech) == 0) {
      break;
    }
  }

  if (auth_mechs[i].name == NULL) {
    return refuse(cmd, R_504, EINVAL, pstrcat(cmd->tmp_pool, "AUTH ",
      mech, " not supported: use TLS, TLS-C, SSL or TLS-P", NULL));
  }

  pr_response_send(R_234, _("AUTH %s successful"), auth_mechs[i].name);
  secftp_ctrl_protect(pstrcat(cmd->tmp_pool, "AUTH ", auth_mechs[i].name,
    NULL));

  if (auth_mechs[i].implies_private &&
      secftp_sess.settings.dataconn != SECFTP_DATACONN_NEVER) {
    secftp_sess.state |= SECFTP_STATE_PBSZ;
    secftp_session_set_prot('P');
    secftp_session_announce_prot();
  }

  return PR_HANDLED(cmd);
}

/* The 503 for PBSZ/PROT on a connection that is not protected. */
static modret_t *refuse_unprotected(cmd_rec *cmd) {
  if (secftp_sess.state & SECFTP_STATE_CCC) {
    return refuse(cmd, R_503, EPERM, pstrcat(cmd->tmp_pool,
      (char *) cmd->argv[0], " not allowed after CCC", NULL));
  }

  return refuse(cmd, R_503, EPERM, pstrcat(cmd->tmp_pool,
    (char *) cmd->argv[0], " requires AUTH first", NULL));
}

/* usage: PBSZ size */
modret_t *secftp_cmd_pbsz(cmd_rec *cmd) {
  unsigned long size;

  if (!secftp_session_enabled()) {
    return PR_DECLINED(cmd);
  }

  if (!(secftp_sess.state & SECFTP_STATE_CTRL_TLS)) {
    return refuse_unprotected(cmd);
  }

  if (cmd->argc != 2 ||
      secftp_parse_pbsz(cmd->argv[1], &size) < 0) {
    return refuse(cmd, R_501, EINVAL,
      _("PBSZ requires a decimal size from 0 to 4294967295"));
  }

  /* TLS has no protection buffer: any size is answered with 0. */
  secftp_sess.state |= SECFTP_STATE_PBSZ;
  pr_response_add(R_200, "PBSZ=0");
  return PR_HANDLED(cmd);
}

/* usage: PROT C|S|E|P */
modret_t *secftp_cmd_prot(cmd_rec *cmd) {
  const struct secftp_settings *st = &secftp_sess.settings;
  char level;

  if (!secftp_session_enabled()) {
    return PR_DECLINED(cmd);
  }

  if (!(secftp_sess.state & SECFTP_STATE_CTRL_TLS)) {
    return refuse_unprotected(cmd);
  }

  if (!(secftp_sess.state & SECFTP_STATE_PBSZ) &&
      !(st->opts & SECFTP_OPT_ALLOW_PROT_NO_PBSZ)) {
    return refuse(cmd, R_503, EPERM, _("PROT requires PBSZ first"));
  }

  if (cmd->argc != 2) {
    return refuse(cmd, R_501, EINVAL, _("PROT requires one argument"));
  }

  level = (char) toupper((unsigned char) ((char *) cmd->argv[1])[0]);
  if (strlen(cmd->argv[1]) != 1) {
    level = '?';
  }

  switch (level) {
    case 'C':
      if (st->dataconn == SECFTP_DATACONN_PRIVATE) {
        return refuse(cmd, R_534, EPERM, _("PROT C refused: data "
          "connections must be private (SecureDataConn private)"));
      }
      break;

    case 'P':
      if (st->dataconn == SECFTP_DATACONN_NEVER) {
        return refuse(cmd, R_534, EPERM, _("PROT P refused: data "
          "connections must be clear (SecureDataConn never)"));
      }
      break;

    case 'S':
    case 'E':
      return refuse(cmd, R_536, EINVAL, pstrcat(cmd->tmp_pool, "PROT ",
        (char *) cmd->argv[1], " not supported by TLS", NULL));

    default:
      return refuse(cmd, R_504, EINVAL, pstrcat(cmd->tmp_pool, "PROT ",
        (char *) cmd->argv[1], " unknown: use C or P", NULL));
  }

  secftp_session_set_prot(level);
  pr_response_add(R_200, level == 'P' ? _("Protection set to Private") :
    _("Protection set to Clear"));
  return PR_HANDLED(cmd);
}

void secftp_ctrl_add_feats(void) {
  const struct secftp_settings *st = &secftp_sess.settings;

  (void) pr_feat_add("AUTH TLS");
  (void) pr_feat_add("PBSZ");
  (void) pr_feat_add("PROT");

  if (st->ctrlconn == SECFTP_CTRLCONN_CLEAR &&
      st->rfc_level != SECFTP_RFC_DRAFT &&
      !st->implicit) {
    (void) pr_feat_add("CCC");
  }
}
