/*
 * keys: PKCS#12 keyrings, encrypted PEM keys and their passphrases.
 */

#include "secftp/keys.h"
#include "secftp/certfile.h"
#include "secftp/confpos.h"
#include "secftp/log.h"
#include "secftp/passprov.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

/* One key that may need a passphrase, and what went wrong getting it. */
struct pass_request {
  pool *p;
  const char *path;
  const char *provider;
  const char *problem;
};

/* The reason of the last OpenSSL error, or fallback. */
static const char *openssl_reason(pool *p, const char *fallback) {
  const char *reason = ERR_reason_error_string(ERR_peek_last_error());

  return pstrdup(p, reason != NULL ? reason : fallback);
}

/* Reads the passphrase file open on fd. */
static int read_file(int fd, char *buf, size_t size, const char **why) {
  int len;

  len = secftp_passprov_read_line(fd, buf, size,
    time(NULL) + SECFTP_PASSPHRASE_TIMEOUT);
  if (len < 0) {
    *why = strerror(errno);
  }

  return len;
}

/* Fetches the passphrase for req->path into buf.  Returns its length, or
 * -1 with req->problem set.
 */
static int get_passphrase(struct pass_request *req, char *buf, size_t size) {
  const char *why = NULL;
  char reason[512];
  int len, fd, is_program = FALSE;

  if (req->provider == NULL) {
    req->problem = pstrcat(req->p, "'", req->path, "' is encrypted, and no "
      "SecurePassPhraseProvider is configured", NULL);
    return -1;
  }

  /* Checked again, and opened once, when it is used: it runs as root. */
  fd = secftp_passprov_open(req->provider, 0, &is_program, reason,
    sizeof(reason));
  if (fd < 0) {
    why = reason;
    len = -1;

  } else if (is_program) {
    len = secftp_passprov_run(fd, req->provider, req->path, buf, size,
      SECFTP_PASSPHRASE_TIMEOUT, reason, sizeof(reason));
    why = reason;

  } else {
    len = read_file(fd, buf, size, &why);
  }

  if (fd >= 0) {
    (void) close(fd);
  }

  if (len == 0) {
    why = "an empty passphrase";
    len = -1;
  }

  if (len < 0) {
    req->problem = pstrcat(req->p, "SecurePassPhraseProvider '",
      req->provider, "' gave no passphrase for '", req->path, "': ",
      pstrdup(req->p, why), NULL);
  }

  return len;
}

/* pem_password_cb: OpenSSL asks only for an encrypted key. */
static int pem_passphrase_cb(char *buf, int size, int rwflag, void *data) {
  struct pass_request *req = data;
  char pass[SECFTP_PASSPHRASE_MAX + 1];
  int len;

  len = get_passphrase(req, pass, sizeof(pass));
  if (len >= size) {
    req->problem = pstrcat(req->p, "the passphrase for '", req->path,
      "' is too long", NULL);
    len = -1;
  }

  if (len > 0) {
    memcpy(buf, pass, (size_t) len);
  }

  OPENSSL_cleanse(pass, sizeof(pass));
  return len;
}

/* pem_password_cb that only notes it was asked. */
EVP_PKEY *secftp_keys_read_pem(pool *p, const char *path,
    const char *provider, const char **problem) {
  struct pass_request req;
  EVP_PKEY *key;
  BIO *bio;

  ERR_clear_error();
  bio = BIO_new_file(path, "r");
  if (bio == NULL) {
    *problem = pstrcat(p, "unable to read private key '", path, "': ",
      strerror(errno), NULL);
    ERR_clear_error();
    return NULL;
  }

  memset(&req, 0, sizeof(req));
  req.p = p;
  req.path = path;
  req.provider = provider;
  key = PEM_read_bio_PrivateKey(bio, NULL, pem_passphrase_cb, &req);
  BIO_free(bio);

  if (key == NULL) {
    *problem = req.problem != NULL ? req.problem : pstrcat(p,
      "unable to decrypt or parse private key '", path, "' (wrong "
      "passphrase?): ", openssl_reason(p, "bad key"), NULL);
  }

  ERR_clear_error();
  return key;
}

/* The passphrase of a keyring: none when its MAC verifies without one,
 * else from the provider, and it must verify.  Returns the length (0 for
 * none), or -1 with req->problem set.
 */
static int keyring_passphrase(struct pass_request *req, PKCS12 *p12,
    char *buf, size_t size) {
  int len;

  if (!PKCS12_mac_present(p12) ||
      PKCS12_verify_mac(p12, NULL, 0) == 1 ||
      PKCS12_verify_mac(p12, "", 0) == 1) {
    buf[0] = '\0';
    return 0;
  }

  len = get_passphrase(req, buf, size);
  if (len < 0) {
    return -1;
  }

  if (PKCS12_verify_mac(p12, buf, len) != 1) {
    OPENSSL_cleanse(buf, size);
    req->problem = pstrcat(req->p, "wrong passphrase for keyring '",
      req->path, "' (SecurePassPhraseProvider '", req->provider, "')", NULL);
    return -1;
  }

  return len;
}

static PKCS12 *read_keyring(const char *path) {
  PKCS12 *p12;
  BIO *bio;

  bio = BIO_new_file(path, "rb");
  if (bio == NULL) {
    return NULL;
  }

  p12 = d2i_PKCS12_bio(bio, NULL);
  BIO_free(bio);
  return p12;
}

static int use_keyring(pool *p, SSL_CTX *ctx, const char *path,
    const char *provider, const char **problem) {
  struct pass_request req;
  char pass[SECFTP_PASSPHRASE_MAX + 1];
  EVP_PKEY *key = NULL;
  X509 *cert = NULL;
  STACK_OF(X509) *chain = NULL;
  PKCS12 *p12;
  int res = -1;

  ERR_clear_error();
  p12 = read_keyring(path);
  if (p12 == NULL) {
    *problem = pstrcat(p, "'", path, "' is not a readable PKCS#12 file: ",
      openssl_reason(p, strerror(errno)), NULL);
    ERR_clear_error();
    return -1;
  }

  memset(&req, 0, sizeof(req));
  req.p = p;
  req.path = path;
  req.provider = provider;

  if (keyring_passphrase(&req, p12, pass, sizeof(pass)) < 0) {
    *problem = req.problem;

  } else if (PKCS12_parse(p12, pass, &key, &cert, &chain) != 1 ||
      key == NULL ||
      cert == NULL) {
    *problem = pstrcat(p, "keyring '", path, "' does not hold a private key "
      "with its certificate: ", openssl_reason(p, "missing"), NULL);

  } else if (SSL_CTX_use_cert_and_key(ctx, cert, key, chain, 1) != 1) {
    *problem = pstrcat(p, "keyring '", path, "': unusable key or "
      "certificate: ", openssl_reason(p, "rejected"), NULL);

  } else {
    /* The context holds this very certificate: logs name the keyring. */
    secftp_certfile_name_cert(cert, path);
    res = 0;
  }

  OPENSSL_cleanse(pass, sizeof(pass));
  EVP_PKEY_free(key);
  X509_free(cert);
  sk_X509_pop_free(chain, X509_free);
  PKCS12_free(p12);
  ERR_clear_error();
  return res;
}

int secftp_keys_use_keyrings(pool *p, SSL_CTX *ctx,
    const struct secftp_settings *st, const char **problem) {
  const char **paths = st->keyrings->elts;
  unsigned int i;

  for (i = 0; i < st->keyrings->nelts; i++) {
    if (use_keyring(p, ctx, paths[i], st->passphrase_provider,
        problem) < 0) {
      return -1;
    }

    pr_trace_msg(SECFTP_TRACE_TLS, 9, "loaded keyring '%s'", paths[i]);
  }

  return 0;
}

/* usage: SecureKeyring file.p12 */
modret_t *secftp_set_keyring(cmd_rec *cmd) {
  const char *mode_problem;
  PKCS12 *p12;

  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, CONF_ROOT|CONF_VIRTUAL|CONF_GLOBAL);

  if (pr_fs_valid_path(cmd->argv[1]) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
      (char *) cmd->argv[1], "': must be an absolute path", NULL));
  }

  /* Its structure and modes are checked now, as root; the passphrase,
   * which may come from a later SecurePassPhraseProvider line, at startup.
   */
  ERR_clear_error();
  PRIVS_ROOT
  p12 = read_keyring(cmd->argv[1]);
  mode_problem = secftp_certfile_key_mode_problem(cmd->tmp_pool,
    cmd->argv[1]);
  PRIVS_RELINQUISH
  if (p12 == NULL) {
    const char *reason = openssl_reason(cmd->tmp_pool, strerror(errno));

    ERR_clear_error();
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "'", (char *) cmd->argv[1],
      "' is not a readable PKCS#12 file: ", reason, NULL));
  }

  PKCS12_free(p12);
  if (mode_problem != NULL) {
    CONF_ERROR(cmd, mode_problem);
  }

  secftp_confpos_note(add_config_param_str(cmd->argv[0], 1, cmd->argv[1]));
  return PR_HANDLED(cmd);
}

/* usage: SecurePassPhraseProvider program|file */
modret_t *secftp_set_passphrase_provider(cmd_rec *cmd) {
  const char *path;
  char why[512];
  struct stat st;
  int fd, is_program = FALSE;

  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, CONF_ROOT|CONF_VIRTUAL|CONF_GLOBAL);

  path = cmd->argv[1];
  if (pr_fs_valid_path(path) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '", path, "': must "
      "be the absolute path of a program or of a file", NULL));
  }

  /* Whoever can change the provider, or a directory above it, can read or
   * choose the passphrase; and a program runs as root.
   */
  PRIVS_ROOT
  fd = secftp_passprov_open(path, 0, &is_program, why, sizeof(why));
  if (fd >= 0 &&
      fstat(fd, &st) < 0) {
    memset(&st, 0, sizeof(st));
  }
  PRIVS_RELINQUISH
  if (fd < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "unusable provider '", path,
      "': ", why, NULL));
  }
  (void) close(fd);

  if (!is_program &&
      (st.st_mode & (S_IRWXG|S_IRWXO))) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "passphrase file '", path,
      "' must be readable by root only (mode 0600 or 0400)", NULL));
  }

  (void) add_config_param_str(cmd->argv[0], 1, path);
  return PR_HANDLED(cmd);
}
