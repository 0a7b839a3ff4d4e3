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

/* The verification error that makes OpenSSL send the fitting alert
 * (RFC 8446 section 6.2): certificate_revoked for a revoked certificate,
 * certificate_unknown otherwise.
 */
static int verify_error(int res) {
  switch (res) {
    case SECFTP_OCSP_REVOKED:
      return X509_V_ERR_CERT_REVOKED;

    case SECFTP_OCSP_UNKNOWN:
      return X509_V_ERR_OCSP_CERT_UNKNOWN;

    default:
      return X509_V_ERR_OCSP_VERIFY_FAILED;
  }
}

int secftp_revocation_verify_leaf(X509_STORE_CTX *store_ctx,
    const struct secftp_settings *st, const char **reason) {
  STACK_OF(X509) *chain;
  char text[256];
  int res;

  if (!(st->revocation & SECFTP_REVOKE_OCSP)) {
    return 0;
  }

  /* The chain OpenSSL has just verified names the issuer to ask about; a
   * trust anchor presented as the client certificate has none.
   */
  chain = X509_STORE_CTX_get0_chain(store_ctx);
  if (chain == NULL ||
      sk_X509_num(chain) < 2) {
    X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_OCSP_VERIFY_FAILED);
    *reason = "OCSP: the client certificate has no verified issuer";
    return -1;
  }

  res = secftp_ocsp_query(sk_X509_value(chain, 0), sk_X509_value(chain, 1),
    X509_STORE_CTX_get0_store(store_ctx), st->ocsp_url, st->ocsp_timeout,
    text, sizeof(text));
  if (res < 0 ||
      !secftp_ocsp_accepts(res, (st->opts & SECFTP_OPT_OCSP_SOFT_FAIL) != 0)) {
    X509_STORE_CTX_set_error(store_ctx, verify_error(res));
    *reason = res < 0 ? "OCSP check impossible" :
      pstrcat(session.pool, "OCSP: ", text, NULL);
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
