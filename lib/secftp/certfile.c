/*
 * certfile: the server's certificate files and their dates (see
 * certfile.h and doc/mod_secftp.html, "Certificates: renewal, reload,
 * expiry").
 */

#include "secftp/certfile.h"
#include "secftp/conf.h"
#include "secftp/confpos.h"
#include "secftp/keys.h"
#include "secftp/log.h"
#include "secftp/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* The contexts of the server-wide directives. */
#define CERTFILE_CTX	(CONF_ROOT|CONF_VIRTUAL|CONF_GLOBAL)

/* ProFTPD's list of configured servers (not in its public headers). */
extern xaset_t *server_list;

/* The X509 ex_data slot holding the file a server certificate came from. */
static int cert_path_idx = -1;

/* The daily expiry check: its timer, and the daemon that armed it (a
 * session inherits the timer list at fork and must not run it).
 */
static int check_timerno = -1;
static pid_t check_pid = 0;

/* The first OpenSSL error on the queue, as text, or fallback. */
static const char *openssl_reason(pool *p, const char *fallback) {
  unsigned long code;
  const char *reason;

  code = ERR_peek_last_error();
  reason = code != 0 ? ERR_reason_error_string(code) : NULL;
  return reason != NULL ? pstrdup(p, reason) : fallback;
}

static X509 *read_pem_cert(BIO *bio) {
  return PEM_read_bio_X509(bio, NULL, NULL, NULL);
}

static X509 *read_leaf_cert(const char *path) {
  BIO *bio;
  X509 *cert;

  bio = BIO_new_file(path, "r");
  if (bio == NULL) {
    return NULL;
  }

  cert = read_pem_cert(bio);
  BIO_free(bio);
  return cert;
}

static EVP_PKEY *read_private_key(const char *path) {
  BIO *bio;
  EVP_PKEY *key;

  bio = BIO_new_file(path, "r");
  if (bio == NULL) {
    return NULL;
  }

  key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
  BIO_free(bio);
  return key;
}

const char *secftp_certfile_key_mode_problem(pool *p, const char *path) {
  struct stat st;

  if (stat(path, &st) < 0) {
    return NULL;
  }

  /* Group-readable stays fine: Debian's ssl-cert group convention. */
  if (st.st_mode & (S_IROTH|S_IWOTH)) {
    char mode[8];

    pr_snprintf(mode, sizeof(mode), "%04o", (unsigned int)
      (st.st_mode & 07777));
    return pstrcat(p, "private key file '", path, "' is ",
      (st.st_mode & S_IROTH) ? "readable" : "writable", " by others (mode ",
      mode, "); allow at most the owner and its group (chmod o-rwx '", path,
      "')", NULL);
  }

  return NULL;
}

/* Checks, as root at parse time, that cert_path holds a PEM certificate
 * and key_path the matching private key with safe modes.  The dates are
 * not checked here: they take the server out of service, not the daemon.
 */
static const char *check_cert_files(pool *p, const char *cert_path,
    const char *key_path) {
  X509 *cert;
  EVP_PKEY *key;
  const char *problem;

  problem = secftp_certfile_key_mode_problem(p, key_path);
  if (problem != NULL) {
    return problem;
  }

  ERR_clear_error();
  cert = read_leaf_cert(cert_path);
  if (cert == NULL) {
    problem = pstrcat(p, "unable to read a PEM certificate from '",
      cert_path, "': ", openssl_reason(p, strerror(errno)), NULL);
    ERR_clear_error();
    return problem;
  }

  /* An encrypted key is checked at startup, once its passphrase (which a
   * later SecurePassPhraseProvider line may configure) is known.
   */
  if (secftp_keys_pem_is_encrypted(key_path)) {
    X509_free(cert);
    return NULL;
  }

  key = read_private_key(key_path);
  if (key == NULL) {
    problem = pstrcat(p, "no usable PEM private key in '", key_path,
      "' (missing, unreadable, or encrypted without a passphrase): ",
      openssl_reason(p, strerror(errno)), NULL);

  } else if (X509_check_private_key(cert, key) != 1) {
    problem = pstrcat(p, "private key '", key_path,
      "' does not match certificate '", cert_path, "'", NULL);
  }

  EVP_PKEY_free(key);
  X509_free(cert);
  ERR_clear_error();
  return problem;
}

/* usage: SecureCertificate cert-file [key-file] */
modret_t *secftp_set_certificate(cmd_rec *cmd) {
  const char *cert_path, *key_path, *problem;

  CHECK_CONF(cmd, CERTFILE_CTX);
  if (cmd->argc < 2) {
    CONF_ERROR(cmd, "missing parameters: cert-file [key-file]");
  }

  if (cmd->argc > 3) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "unexpected value '",
      (char *) cmd->argv[3], "': expected cert-file [key-file] (a chain "
      "file goes in SecureCertificateChain)", NULL));
  }

  cert_path = cmd->argv[1];
  key_path = cmd->argc == 3 ? cmd->argv[2] : cmd->argv[1];

  /* Read now, as root, so that a bad file stops startup on this line.
   * Root privileges are asked for explicitly: at a restart, an earlier
   * directive may have given them up.
   */
  PRIVS_ROOT
  problem = check_cert_files(cmd->tmp_pool, cert_path, key_path);
  PRIVS_RELINQUISH
  if (problem != NULL) {
    CONF_ERROR(cmd, problem);
  }

  secftp_confpos_note(add_config_param_str(cmd->argv[0], 2, cert_path,
    key_path));
  return PR_HANDLED(cmd);
}

/* Reads every PEM certificate of path into a new stack, or NULL. */
static STACK_OF(X509) *read_chain(const char *path) {
  STACK_OF(X509) *chain;
  BIO *bio;
  X509 *cert;

  bio = BIO_new_file(path, "r");
  if (bio == NULL) {
    return NULL;
  }

  chain = sk_X509_new_null();
  while (chain != NULL &&
         (cert = read_pem_cert(bio)) != NULL) {
    if (sk_X509_push(chain, cert) <= 0) {
      X509_free(cert);
      break;
    }
  }

  BIO_free(bio);
  ERR_clear_error();

  if (chain != NULL &&
      sk_X509_num(chain) == 0) {
    sk_X509_free(chain);
    chain = NULL;
  }

  return chain;
}

/* usage: SecureCertificateChain file */
modret_t *secftp_set_certificate_chain(cmd_rec *cmd) {
  STACK_OF(X509) *chain;

  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, CERTFILE_CTX);

  if (pr_fs_valid_path(cmd->argv[1]) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
      (char *) cmd->argv[1], "': must be an absolute path", NULL));
  }

  PRIVS_ROOT
  chain = read_chain(cmd->argv[1]);
  PRIVS_RELINQUISH
  if (chain == NULL) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "no PEM certificate in '",
      (char *) cmd->argv[1], "' (missing, unreadable, or not PEM)", NULL));
  }

  sk_X509_pop_free(chain, X509_free);
  secftp_confpos_note(add_config_param_str(cmd->argv[0], 1, cmd->argv[1]));
  return PR_HANDLED(cmd);
}

/* Parses a SecureCertificateWarning time: days ("30d"), or a duration
 * with s, m or h.  Returns 0, or -1.
 */
static int parse_warning(pool *p, const char *token, long *secs) {
  size_t len = strlen(token);
  long days;

  if (len > 1 &&
      (token[len - 1] == 'd' || token[len - 1] == 'D')) {
    if (secftp_parse_seconds(pstrndup(p, token, len - 1), 1,
        SECFTP_CERT_WARNING_MAX / 86400, &days) < 0) {
      return -1;
    }

    *secs = days * 86400;
    return 0;
  }

  return secftp_parse_duration(token, 1, secs) < 0 ||
    *secs > SECFTP_CERT_WARNING_MAX ? -1 : 0;
}

/* usage: SecureCertificateWarning duration|off */
modret_t *secftp_set_certificate_warning(cmd_rec *cmd) {
  long secs = 0;

  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, CERTFILE_CTX);

  if (strcasecmp(cmd->argv[1], "off") != 0 &&
      parse_warning(cmd->tmp_pool, cmd->argv[1], &secs) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
      (char *) cmd->argv[1], "': expected off or a duration up to 3650d "
      "(30d, 12h, ...)", NULL));
  }

  (void) secftp_conf_add_value(cmd, &secs, sizeof(secs));
  return PR_HANDLED(cmd);
}

void secftp_certfile_name_cert(X509 *cert, const char *path) {
  if (cert_path_idx < 0) {
    cert_path_idx = X509_get_ex_new_index(0, NULL, NULL, NULL, NULL);
  }

  if (cert != NULL &&
      cert_path_idx >= 0) {
    (void) X509_set_ex_data(cert, cert_path_idx, (void *) path);
  }
}

int secftp_certfile_finish_cert(pool *p, SSL_CTX *ctx, server_rec *s,
    const char *path, const char **problem) {
  const char *chain_path;
  STACK_OF(X509) *chain;
  int i, res = 0;

  secftp_certfile_name_cert(SSL_CTX_get0_certificate(ctx), path);

  chain_path = get_param_ptr(s->conf, "SecureCertificateChain", FALSE);
  if (chain_path == NULL) {
    return 0;
  }

  chain = read_chain(chain_path);
  if (chain == NULL) {
    *problem = pstrcat(p, "SecureCertificateChain: no PEM certificate in '",
      chain_path, "'", NULL);
    return -1;
  }

  /* Sent after the leaf (and after any chain in the certificate file
   * itself), in the file's order: RFC 8446 section 4.4.2.
   */
  for (i = 0; i < sk_X509_num(chain); i++) {
    if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(chain, i)) != 1) {
      *problem = pstrcat(p, "SecureCertificateChain: unable to add '",
        chain_path, "': ", openssl_reason(p, "rejected"), NULL);
      res = -1;
      break;
    }
  }

  sk_X509_pop_free(chain, X509_free);
  ERR_clear_error();
  return res;
}

/* A date of a certificate as "2026-12-03 09:00:00 UTC". */
static const char *format_date(pool *p, const ASN1_TIME *t) {
  struct tm tm;
  char buf[64];

  if (t == NULL ||
      ASN1_TIME_to_tm(t, &tm) != 1 ||
      strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0) {
    return "(unreadable date)";
  }

  return pstrdup(p, buf);
}

static const char *subject_of(pool *p, X509 *cert) {
  char *oneline;
  const char *subject;

  oneline = X509_NAME_oneline(X509_get_subject_name(cert), NULL, 0);
  subject = pstrdup(p, oneline != NULL ? oneline : "(no subject)");
  OPENSSL_free(oneline);
  return subject;
}

/* "'/etc/ssl/ftp.crt' (/CN=ftp.example.com)" in logs; only the subject
 * in a reply, which may go to anyone who connects.
 */
static const char *name_of(pool *p, X509 *cert, int with_path) {
  const char *path = NULL;

  if (with_path &&
      cert_path_idx >= 0) {
    path = X509_get_ex_data(cert, cert_path_idx);
  }

  if (path != NULL) {
    return pstrcat(p, "'", path, "' (", subject_of(p, cert), ")", NULL);
  }

  return pstrcat(p, "'", subject_of(p, cert), "'", NULL);
}

/* What is wrong with cert's dates at now, or NULL. */
static const char *date_problem(pool *p, X509 *cert, time_t now,
    int with_path) {
  const ASN1_TIME *not_before = X509_get0_notBefore(cert);
  const ASN1_TIME *not_after = X509_get0_notAfter(cert);
  const char *state;

  if (X509_cmp_time(not_after, &now) <= 0) {
    state = "has expired";

  } else if (X509_cmp_time(not_before, &now) >= 0) {
    state = "is not yet valid";

  } else {
    return NULL;
  }

  return pstrcat(p, "certificate ", name_of(p, cert, with_path), " ", state,
    ": valid from ", format_date(p, not_before), " to ",
    format_date(p, not_after), NULL);
}

/* Calls fn for every server certificate of ctx; the walk leaves the first
 * one current again.
 */
static void for_each_cert(SSL_CTX *ctx, void (*fn)(X509 *, void *),
    void *data) {
  int res;

  for (res = SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_FIRST);
       res == 1;
       res = SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_NEXT)) {
    X509 *cert = SSL_CTX_get0_certificate(ctx);

    if (cert != NULL) {
      fn(cert, data);
    }
  }

  (void) SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_FIRST);
}

struct date_survey {
  pool *p;
  time_t now;
  int with_path;
  int valid;			/* certificates valid now */
  const char *problems;		/* the others, joined by "; " */
};

static void survey_cert(X509 *cert, void *data) {
  struct date_survey *ds = data;
  const char *problem;

  problem = date_problem(ds->p, cert, ds->now, ds->with_path);
  if (problem == NULL) {
    ds->valid++;
    return;
  }

  ds->problems = ds->problems == NULL ? problem :
    pstrcat(ds->p, ds->problems, "; ", problem, NULL);
}

static void survey(pool *p, SSL_CTX *ctx, int with_path,
    struct date_survey *ds) {
  memset(ds, 0, sizeof(*ds));
  ds->p = p;
  ds->now = time(NULL);
  ds->with_path = with_path;
  for_each_cert(ctx, survey_cert, ds);
}

static const char *out_of_service_text(pool *p, const char *problems) {
  return pstrcat(p, "TLS is out of service on this server: ",
    problems != NULL ? problems : "no server certificate",
    " (SecureCertificate)", NULL);
}

const char *secftp_certfile_out_of_service(pool *p, server_rec *s,
    SSL_CTX *ctx) {
  struct date_survey ds;

  if (ctx == NULL) {
    return out_of_service_text(p, NULL);
  }

  survey(p, ctx, TRUE, &ds);
  if (ds.valid > 0) {
    return NULL;
  }

  /* Loud on every refusal: SystemLog and this session's SecureFTPLog. */
  pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": server '%s': refusing TLS: "
    "%s", s->ServerName, out_of_service_text(p, ds.problems));
  secftp_log("refusing TLS for server '%s': %s", s->ServerName,
    out_of_service_text(p, ds.problems));

  survey(p, ctx, FALSE, &ds);
  return out_of_service_text(p, ds.problems);
}

struct expiry_check {
  pool *p;
  server_rec *server;
  const char *log_path;
  time_t now;
  long warning;			/* seconds; 0: off */
};

/* Warns about cert when it expires within the SecureCertificateWarning
 * time.
 */
static void warn_if_expiring(X509 *cert, void *data) {
  struct expiry_check *ec = data;
  int days = 0, secs = 0;

  if (ec->warning <= 0 ||
      date_problem(ec->p, cert, ec->now, FALSE) != NULL ||
      ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)) != 1 ||
      (long) days * 86400L + secs > ec->warning) {
    return;
  }

  secftp_log_server(ec->server, ec->log_path, PR_LOG_WARNING,
    "warning: certificate %s expires in %d day%s, on %s "
    "(SecureCertificateWarning); renew it and reload (SIGHUP)",
    name_of(ec->p, cert, TRUE), days, days == 1 ? "" : "s",
    format_date(ec->p, X509_get0_notAfter(cert)));
}

static long warning_of(server_rec *s) {
  config_rec *c;

  c = find_config(s->conf, CONF_PARAM, "SecureCertificateWarning", FALSE);
  return c != NULL ? *((long *) c->argv[0]) : SECFTP_DEFAULT_CERT_WARNING;
}

/* Logs what is wrong with the dates of s's certificates, and those that
 * expire soon.
 */
static void check_server(pool *p, server_rec *s, SSL_CTX *ctx,
    const char *log_path) {
  struct date_survey ds;
  struct expiry_check ec;

  survey(p, ctx, TRUE, &ds);
  if (ds.problems != NULL) {
    secftp_log_server(s, log_path, ds.valid > 0 ? PR_LOG_WARNING :
      PR_LOG_ERR, "%s%s", ds.problems, ds.valid > 0 ?
      "; this server uses its other certificate" :
      "; TLS on this server is OUT OF SERVICE (AUTH gets 431, implicit "
      "FTPS connections are closed) while it has no valid certificate: "
      "replace the certificate and reload (SIGHUP); the other servers "
      "serve on");
  }

  memset(&ec, 0, sizeof(ec));
  ec.p = p;
  ec.server = s;
  ec.log_path = log_path;
  ec.now = ds.now;
  ec.warning = warning_of(s);
  for_each_cert(ctx, warn_if_expiring, &ec);
}

/* Checks every server; with_module_logs FALSE: SystemLog (or stderr)
 * only.
 */
static void check_servers(int with_module_logs) {
  pool *p;
  server_rec *s;

  p = make_sub_pool(permanent_pool);
  pr_pool_tag(p, "mod_secftp certificate dates");

  for (s = (server_rec *) server_list->xas_list; s != NULL; s = s->next) {
    SSL_CTX *ctx = secftp_tls_server_ctx(s);
    const struct secftp_settings *st = secftp_tls_server_settings(s);

    if (ctx != NULL &&
        st != NULL) {
      check_server(p, s, ctx, with_module_logs ? st->log_path : NULL);
    }
  }

  destroy_pool(p);
}

static int daily_check_cb(CALLBACK_FRAME) {
  if (getpid() != check_pid) {
    /* A session that inherited the timer: only the daemon checks. */
    return 0;
  }

  PRIVS_ROOT
  check_servers(TRUE);
  PRIVS_RELINQUISH
  return 1;
}

void secftp_certfile_report(void) {
  check_servers(FALSE);
}

void secftp_certfile_check_all(void) {
  check_servers(TRUE);

  secftp_certfile_stop_checks();
  if (ServerType == SERVER_STANDALONE) {
    check_pid = getpid();
    check_timerno = pr_timer_add(SECFTP_CERT_CHECK_INTERVAL, -1,
      &secftp_module, daily_check_cb, "certificate expiry check");
    pr_trace_msg(SECFTP_TRACE, 5, "next certificate expiry check in %d "
      "seconds (timer %d)", SECFTP_CERT_CHECK_INTERVAL, check_timerno);
  }
}

void secftp_certfile_stop_checks(void) {
  if (check_timerno > 0) {
    (void) pr_timer_remove(check_timerno, &secftp_module);
  }

  check_timerno = -1;
}
