/*
 * revocation: the revocation directives and the OCSP check.
 */

#include "secftp/revocation.h"
#include "secftp/log.h"
#include "secftp/ocsp.h"

/* usage: SecureVerifyOrder crl | ocsp | crl ocsp */
modret_t *secftp_set_verify_order(cmd_rec *cmd) {
  unsigned int i, order = 0;

  CHECK_CONF(cmd, CONF_ROOT|CONF_VIRTUAL|CONF_GLOBAL);
  if (cmd->argc < 2) {
    CONF_ERROR(cmd, "missing parameters: crl, ocsp, or crl ocsp");
  }

  if (cmd->argc > 3) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "unexpected value '",
      (char *) cmd->argv[3], "': expected crl, ocsp, or crl ocsp", NULL));
  }

  for (i = 1; i < cmd->argc; i++) {
    unsigned int method;

    if (strcasecmp(cmd->argv[i], "crl") == 0) {
      method = SECFTP_REVOKE_CRL;

    } else if (strcasecmp(cmd->argv[i], "ocsp") == 0) {
      method = SECFTP_REVOKE_OCSP;

    } else {
      CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
        (char *) cmd->argv[i], "': expected crl, ocsp, or crl ocsp", NULL));
    }

    /* CRLs are part of chain verification, which OCSP needs done. */
    if ((order & method) ||
        (method == SECFTP_REVOKE_CRL && (order & SECFTP_REVOKE_OCSP))) {
      CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad order at '",
        (char *) cmd->argv[i], "': expected crl, ocsp, or crl ocsp", NULL));
    }

    order |= method;
  }

  (void) secftp_conf_add_value(cmd, &order, sizeof(order));
  return PR_HANDLED(cmd);
}

/* usage: SecureOCSPResponder http://host[:port]/path */
modret_t *secftp_set_ocsp_responder(cmd_rec *cmd) {
  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, CONF_ROOT|CONF_VIRTUAL|CONF_GLOBAL);

  if (secftp_ocsp_check_url(cmd->argv[1]) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
      (char *) cmd->argv[1], "': expected an http:// URL", NULL));
  }

  (void) add_config_param_str(cmd->argv[0], 1, cmd->argv[1]);
  return PR_HANDLED(cmd);
}

/* usage: SecureOCSPTimeout seconds */
modret_t *secftp_set_ocsp_timeout(cmd_rec *cmd) {
  long secs;

  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, CONF_ROOT|CONF_VIRTUAL|CONF_GLOBAL);

  if (secftp_parse_seconds(cmd->argv[1], 1, SECFTP_OCSP_TIMEOUT_MAX,
      &secs) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
      (char *) cmd->argv[1], "': expected seconds from 1 to 60", NULL));
  }

  (void) secftp_conf_add_value(cmd, &secs, sizeof(secs));
  return PR_HANDLED(cmd);
}

int secftp_revocation_check_cert(X509 *leaf, X509 *issuer, X509_STORE *store,
    const struct secftp_settings *st, const char **reason) {
  char text[256];
  int res, soft_fail;

  if (!(st->revocation & SECFTP_REVOKE_OCSP)) {
    return 0;
  }

  soft_fail = (st->opts & SECFTP_OPT_OCSP_SOFT_FAIL) != 0;
  res = secftp_ocsp_query(leaf, issuer, store, st->ocsp_url,
    st->ocsp_timeout, text, sizeof(text));
  if (res < 0) {
    *reason = "OCSP check impossible (no issuer or trust store)";
    return -1;
  }

  if (!secftp_ocsp_accepts(res, soft_fail)) {
    *reason = pstrcat(session.pool, "OCSP: ", text, NULL);
    return -1;
  }

  if (res == SECFTP_OCSP_UNREACHABLE) {
    secftp_log("OCSP responder unreachable (%s); client certificate "
      "accepted under SecureOptions OCSPSoftFail", text);

  } else {
    pr_trace_msg(SECFTP_TRACE_TLS, 9, "OCSP: client certificate %s",
      secftp_ocsp_result_name(res));
  }

  return 0;
}

int secftp_revocation_check_peer(SSL *ssl, const struct secftp_settings *st,
    const char **reason) {
  STACK_OF(X509) *chain;
  X509 *leaf;

  leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == NULL ||
      !(st->revocation & SECFTP_REVOKE_OCSP)) {
    return 0;
  }

  /* Only a chain OpenSSL verified names a trustworthy issuer.  A trust
   * anchor presented as the client certificate has none to ask about.
   */
  chain = SSL_get0_verified_chain(ssl);
  if (SSL_get_verify_result(ssl) != X509_V_OK ||
      chain == NULL ||
      sk_X509_num(chain) < 2) {
    *reason = "OCSP: the client certificate has no verified issuer";
    return -1;
  }

  return secftp_revocation_check_cert(leaf, sk_X509_value(chain, 1),
    SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl)), st, reason);
}
