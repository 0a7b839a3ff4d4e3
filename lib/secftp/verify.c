/*
 * verify: client certificate verification.
 *
 * Everything here is OpenSSL's own machinery: the context's X509_STORE
 * holds the trust anchors and the CRLs, and OpenSSL decides.  This unit
 * only says what to load and how strict to be, and logs the verdicts.
 */

#include "secftp/verify.h"
#include "secftp/confpos.h"
#include "secftp/confpos.h"
#include "secftp/dn.h"
#include "secftp/log.h"
#include "secftp/ocsp.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

/* Counts the certificates and CRLs of a PEM file.  Returns 0, or -1 when
 * the file cannot be read or parsed.
 */
static int count_pem_objects(const char *path, int *ncerts, int *ncrls) {
  STACK_OF(X509_INFO) *infos;
  BIO *bio;
  int i;

  *ncerts = *ncrls = 0;
  bio = BIO_new_file(path, "r");
  if (bio == NULL) {
    return -1;
  }

  infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
  BIO_free(bio);
  if (infos == NULL) {
    return -1;
  }

  for (i = 0; i < sk_X509_INFO_num(infos); i++) {
    X509_INFO *info = sk_X509_INFO_value(infos, i);

    *ncerts += info->x509 != NULL;
    *ncrls += info->crl != NULL;
  }

  sk_X509_INFO_pop_free(infos, X509_INFO_free);
  return 0;
}

const char *secftp_verify_check_path(pool *p, const char *directive,
    const char *path) {
  int is_crl, ncerts, ncrls;
  struct stat st;

  if (stat(path, &st) < 0) {
    return pstrcat(p, "unable to use '", path, "': ", strerror(errno),
      NULL);
  }

  if (S_ISDIR(st.st_mode)) {
    /* A hashed directory (openssl rehash): OpenSSL reads it lazily, by
     * issuer hash, during each verification.
     */
    return access(path, R_OK|X_OK) == 0 ? NULL : pstrcat(p,
      "unable to read directory '", path, "': ", strerror(errno), NULL);
  }

  is_crl = strcasecmp(directive, "SecureCARevocation") == 0;
  ERR_clear_error();
  if (count_pem_objects(path, &ncerts, &ncrls) < 0) {
    ERR_clear_error();
    return pstrcat(p, "unable to read PEM data from '", path, "'", NULL);
  }

  if (is_crl ? ncrls == 0 : ncerts == 0) {
    return pstrcat(p, "'", path, "' holds no PEM ",
      is_crl ? "CRL" : "certificate", NULL);
  }

  return NULL;
}

/* Logs why OpenSSL refused a client certificate; the handshake then fails
 * with the matching alert.
 */
static int verify_cb(int ok, X509_STORE_CTX *store_ctx) {
  X509 *cert;
  char *subject = NULL;
  int err;

  if (ok) {
    return ok;
  }

  err = X509_STORE_CTX_get_error(store_ctx);
  cert = X509_STORE_CTX_get_current_cert(store_ctx);
  if (cert != NULL) {
    subject = secftp_dn_format_x509(X509_get_subject_name(cert));
  }

  secftp_log("client certificate refused (SecureLogin): depth %d, "
    "subject '%s': %s", X509_STORE_CTX_get_error_depth(store_ctx),
    subject != NULL ? subject : "(unknown)",
    X509_verify_cert_error_string(err));
  free(subject);
  return ok;
}

/* Says which setting is missing for st to work, or NULL. */
static const char *settings_problem(const struct secftp_settings *st) {
  if (st->login != SECFTP_LOGIN_NO_CLIENT_AUTH &&
      st->ca_path == NULL) {
    return "SecureLogin optional, required and verify_user need "
      "SecureCACertificate to verify client certificates";
  }

  if (st->login == SECFTP_LOGIN_VERIFY_USER &&
      st->certmap == NULL) {
    return "SecureLogin verify_user needs a SecureCertMap to map "
      "certificates to users";
  }

  if (st->password == SECFTP_PASSWORD_OPTIONAL &&
      st->login == SECFTP_LOGIN_NO_CLIENT_AUTH) {
    return "SecurePassword optional needs client certificates, but "
      "SecureLogin is no_client_auth";
  }

  if (st->password == SECFTP_PASSWORD_OPTIONAL &&
      st->certmap == NULL) {
    return "SecurePassword optional needs a SecureCertMap to know which "
      "user a certificate stands for";
  }

  if (st->port_access->nelts > 0 &&
      st->login != SECFTP_LOGIN_VERIFY_USER) {
    return "SecurePortAccess applies only with SecureLogin verify_user";
  }

  if (st->crl_path != NULL &&
      st->ca_path == NULL) {
    return "SecureCARevocation needs SecureCACertificate";
  }

  /* CRLs loaded into the store are always checked by OpenSSL; an order
   * that leaves them out would be silently overruled.
   */
  if (st->crl_path != NULL &&
      !(st->revocation & SECFTP_REVOKE_CRL)) {
    return "SecureCARevocation is set but SecureVerifyOrder leaves out crl";
  }

  return NULL;
}

/* Loads the trust anchors, and names them in the CertificateRequest so
 * that clients holding several certificates pick the right one.
 */
static int load_trust_anchors(SSL_CTX *ctx, const char *path) {
  STACK_OF(X509_NAME) *names;
  struct stat st;

  if (stat(path, &st) < 0) {
    return -1;
  }

  if (S_ISDIR(st.st_mode)) {
    names = sk_X509_NAME_new_null();
    if (names == NULL ||
        SSL_CTX_load_verify_dir(ctx, path) != 1 ||
        SSL_add_dir_cert_subjects_to_stack(names, path) != 1) {
      sk_X509_NAME_pop_free(names, X509_NAME_free);
      return -1;
    }

  } else {
    if (SSL_CTX_load_verify_file(ctx, path) != 1) {
      return -1;
    }

    names = SSL_load_client_CA_file(path);
    if (names == NULL) {
      return -1;
    }
  }

  SSL_CTX_set_client_CA_list(ctx, names);
  return 0;
}

/* Adds the CRLs to ctx's store and makes OpenSSL check every certificate
 * of the chain against them: a CA without a CRL then refuses too.
 */
static int load_crls(SSL_CTX *ctx, const char *path) {
  X509_STORE *store = SSL_CTX_get_cert_store(ctx);
  X509_LOOKUP *lookup;
  struct stat st;

  if (stat(path, &st) < 0) {
    return -1;
  }

  if (S_ISDIR(st.st_mode)) {
    lookup = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir());
    if (lookup == NULL ||
        X509_LOOKUP_add_dir(lookup, path, X509_FILETYPE_PEM) != 1) {
      return -1;
    }

  } else {
    lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
    if (lookup == NULL ||
        X509_load_crl_file(lookup, path, X509_FILETYPE_PEM) <= 0) {
      return -1;
    }
  }

  return X509_STORE_set_flags(store,
    X509_V_FLAG_CRL_CHECK|X509_V_FLAG_CRL_CHECK_ALL) == 1 ? 0 : -1;
}

static int verify_mode(int login) {
  switch (login) {
    case SECFTP_LOGIN_OPTIONAL:
      /* Requested; if sent, it must verify. */
      return SSL_VERIFY_PEER;

    case SECFTP_LOGIN_REQUIRED:
    case SECFTP_LOGIN_VERIFY_USER:
      return SSL_VERIFY_PEER|SSL_VERIFY_FAIL_IF_NO_PEER_CERT;

    default:
      /* No CertificateRequest at all. */
      return SSL_VERIFY_NONE;
  }
}

int secftp_verify_setup(SSL_CTX *ctx, server_rec *s,
    const struct secftp_settings *st) {
  const char *problem, *directive = NULL, *path = NULL;

  problem = settings_problem(st);
  if (problem != NULL) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": server '%s': %s%s",
      s->ServerName, problem, secftp_confpos_where_named(s->pool, s,
        problem));
    return -1;
  }

  if (st->login == SECFTP_LOGIN_NO_CLIENT_AUTH) {
    if (st->certmap != NULL) {
      pr_log_pri(PR_LOG_WARNING, MOD_SECFTP_VERSION ": server '%s': "
        "SecureCertMap is unused: SecureLogin no_client_auth requests no "
        "client certificate", s->ServerName);
    }

    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    return 0;
  }

  ERR_clear_error();
  if (load_trust_anchors(ctx, st->ca_path) < 0) {
    directive = "SecureCACertificate";
    path = st->ca_path;

  } else if (st->crl_path != NULL &&
             load_crls(ctx, st->crl_path) < 0) {
    directive = "SecureCARevocation";
    path = st->crl_path;
  }

  if (directive != NULL) {
    unsigned long code = ERR_peek_last_error();

    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": server '%s': %s: unable "
      "to load '%s': %s%s", s->ServerName, directive, path,
      code != 0 && ERR_reason_error_string(code) != NULL ?
        ERR_reason_error_string(code) : strerror(errno),
      secftp_confpos_where(s->pool, s, directive, NULL));
    ERR_clear_error();
    return -1;
  }

  SSL_CTX_set_verify_depth(ctx, st->verify_depth);
  SSL_CTX_set_verify(ctx, verify_mode(st->login), verify_cb);
  pr_trace_msg(SECFTP_TRACE_TLS, 9, "server '%s': client certificates %s, "
    "CA '%s', CRL '%s', depth %d", s->ServerName,
    secftp_token_name(secftp_login_tokens, st->login), st->ca_path,
    st->crl_path != NULL ? st->crl_path : "none", st->verify_depth);
  return 0;
}

/* usage: SecureCACertificate|SecureCARevocation file|dir */
modret_t *secftp_set_ca_path(cmd_rec *cmd) {
  const char *problem;

  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, SECFTP_SERVER_CTX);

  /* Loaded now, as root, so that a bad file stops startup on this line. */
  PRIVS_ROOT
  problem = secftp_verify_check_path(cmd->tmp_pool, cmd->argv[0],
    cmd->argv[1]);
  PRIVS_RELINQUISH
  if (problem != NULL) {
    CONF_ERROR(cmd, problem);
  }

  secftp_confpos_note(add_config_param_str(cmd->argv[0], 1, cmd->argv[1]));
  return PR_HANDLED(cmd);
}
