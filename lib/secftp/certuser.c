/*
 * certuser: SecureCertMap files, and the certificate -> user mapping of
 * this session's control connection.
 */

#include "secftp/certuser.h"
#include "secftp/dn.h"
#include "secftp/fleetmap.h"
#include "secftp/log.h"
#include "secftp/session.h"

#include <openssl/pem.h>

/* A map file larger than this is surely a mistake. */
#define CERTMAP_MAX_SIZE	(16 * 1024 * 1024)

/* The facts published about a client certificate; cleared together. */
static const char *cert_facts[] = {
  "SECFTP_CLIENT_S_DN",
  "SECFTP_CLIENT_I_DN",
  "SECFTP_CLIENT_SERIAL",
  "SECFTP_CLIENT_FINGERPRINT",
  "SECFTP_CLIENT_CERT",
  "SECFTP_CERT_USER",
  NULL
};

static const char *read_map_text(pool *p, const char *path, char **text,
    size_t *len) {
  struct stat st;
  pr_fh_t *fh;
  char *buf;
  size_t done = 0;

  fh = pr_fsio_open(path, O_RDONLY);
  if (fh == NULL) {
    return pstrcat(p, "unable to open '", path, "': ", strerror(errno),
      NULL);
  }

  if (pr_fsio_fstat(fh, &st) < 0 ||
      !S_ISREG(st.st_mode) ||
      st.st_size > CERTMAP_MAX_SIZE) {
    (void) pr_fsio_close(fh);
    return pstrcat(p, "'", path, "' is not a regular file of at most 16 MB",
      NULL);
  }

  buf = palloc(p, (size_t) st.st_size + 1);
  while (done < (size_t) st.st_size) {
    int res = pr_fsio_read(fh, buf + done, (size_t) st.st_size - done);

    if (res <= 0) {
      break;
    }
    done += (size_t) res;
  }

  (void) pr_fsio_close(fh);
  *text = buf;
  *len = done;
  return NULL;
}

const char *secftp_certuser_load_map(pool *p, const char *path,
    struct secftp_certmap **map) {
  struct secftp_certmap_error err;
  const char *problem;
  char *text = NULL;
  size_t len = 0;

  problem = read_map_text(p, path, &text, &len);
  if (problem != NULL) {
    return problem;
  }

  memset(&err, 0, sizeof(err));
  *map = secftp_certmap_parse(text, len, &err);
  if (*map == NULL) {
    char line[32];

    if (err.line == 0) {
      return pstrcat(p, path, ": ", err.msg[0] ? err.msg : strerror(errno),
        NULL);
    }

    pr_snprintf(line, sizeof(line), "%u", err.line);
    return pstrcat(p, path, ":", line, ": ", err.msg, NULL);
  }

  pr_trace_msg(SECFTP_TRACE_CERTMAP, 5, "%s: %lu rules", path,
    (unsigned long) secftp_certmap_count(*map));
  return NULL;
}

/* The maps parsed from the configuration, freed at restart and shutdown.
 * Not a pool cleanup: at a restart mod_dso may unload this module before
 * the old configuration's pools are destroyed.
 */
struct loaded_map {
  struct secftp_certmap *map;
  struct loaded_map *next;
};

static struct loaded_map *loaded_maps = NULL;

int secftp_certuser_keep_map(struct secftp_certmap *map) {
  struct loaded_map *node;

  node = malloc(sizeof(*node));
  if (node == NULL) {
    errno = ENOMEM;
    return -1;
  }

  node->map = map;
  node->next = loaded_maps;
  loaded_maps = node;
  return 0;
}

void secftp_certuser_free_maps(void) {
  while (loaded_maps != NULL) {
    struct loaded_map *node = loaded_maps;

    loaded_maps = node->next;
    secftp_certmap_free(node->map);
    free(node);
  }
}

/* Forgets the previous control connection's certificate facts. */
static void clear_cert_facts(void) {
  int i;

  for (i = 0; cert_facts[i] != NULL; i++) {
    secftp_session_clear_fact(cert_facts[i]);
  }
}

/* Publishes a name as an RFC 4514 string (control characters escaped). */
static void publish_dn(const char *fact, const X509_NAME *name) {
  char *text;

  text = secftp_dn_format_x509(name);
  if (text != NULL) {
    secftp_session_set_fact(fact, text);
    free(text);
  }
}

static void publish_pem(X509 *cert) {
  BIO *bio;
  char *data = NULL;
  long len;

  bio = BIO_new(BIO_s_mem());
  if (bio == NULL ||
      PEM_write_bio_X509(bio, cert) != 1) {
    BIO_free(bio);
    return;
  }

  len = BIO_get_mem_data(bio, &data);
  secftp_session_set_fact("SECFTP_CLIENT_CERT",
    pstrndup(session.pool, data, (size_t) len));
  BIO_free(bio);
}

static void publish_cert(X509 *cert, const char *fingerprint) {
  char serial[512];

  publish_dn("SECFTP_CLIENT_S_DN", X509_get_subject_name(cert));
  publish_dn("SECFTP_CLIENT_I_DN", X509_get_issuer_name(cert));
  if (secftp_certmap_serial(cert, serial, sizeof(serial)) == 0) {
    secftp_session_set_fact("SECFTP_CLIENT_SERIAL", serial);
  }
  secftp_session_set_fact("SECFTP_CLIENT_FINGERPRINT", fingerprint);

  if (secftp_sess.settings.opts & SECFTP_OPT_EXPORT_CERT_DATA) {
    publish_pem(cert);
  }
}

/* Runs the map on cert and logs the decision, whatever it is. */
static void map_cert(X509 *cert, const char *fingerprint) {
  const struct secftp_settings *st = &secftp_sess.settings;
  const struct secftp_certmap *map;
  struct secftp_certmap_result res;

  map = secftp_fleetmap_current(st->certmap_path, st->certmap);
  if (map == NULL) {
    secftp_log("client certificate %s: no SecureCertMap, maps to no user",
      fingerprint);
    return;
  }

  memset(&res, 0, sizeof(res));
  if (secftp_certmap_match(map, cert, &res) < 0) {
    secftp_log("client certificate %s: mapping failed: %s", fingerprint,
      strerror(errno));
    return;
  }

  if (res.status != SECFTP_CERTMAP_MAPPED) {
    char where[64] = "";

    if (res.other_line != 0) {
      pr_snprintf(where, sizeof(where), ", lines %u and %u", res.line,
        res.other_line);

    } else if (res.line != 0) {
      pr_snprintf(where, sizeof(where), ", line %u", res.line);
    }

    secftp_log("client certificate %s maps to no user: %s (SecureCertMap "
      "%s%s)", fingerprint, res.reason, st->certmap_path, where);
    pr_trace_msg(SECFTP_TRACE_CERTMAP, 5, "%s: no user", fingerprint);
    return;
  }

  secftp_session_set_cert_user(res.user);
  secftp_session_set_fact("SECFTP_CERT_USER", res.user);
  secftp_log("client certificate %s maps to user '%s' (SecureCertMap %s, "
    "line %u)", fingerprint, res.user, st->certmap_path, res.line);
  pr_trace_msg(SECFTP_TRACE_CERTMAP, 5, "%s: user '%s' (line %u)",
    fingerprint, res.user, res.line);
  pr_event_generate(SECFTP_EVENT_PREFIX "cert-mapped",
    (void *) secftp_sess.cert.user);
}

/* A control connection handshake finished: a new certificate, or none. */
static void ctrl_handshake_ev(const void *event_data, void *user_data) {
  SSL *ssl = (SSL *) event_data;
  char fingerprint[SECFTP_CERTMAP_FINGERPRINT_SIZE];
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  X509 *cert;
  char *subject;

  clear_cert_facts();

  cert = SSL_get0_peer_certificate(ssl);
  if (cert == NULL) {
    secftp_session_set_cert(ssl, FALSE, NULL, 0);
    pr_trace_msg(SECFTP_TRACE_CERTMAP, 9, "no client certificate");
    return;
  }

  /* Data connections that present a certificate must present this one
   * (SPEC 6), verified or not.
   */
  if (X509_digest(cert, EVP_sha256(), md, &md_len) != 1) {
    md_len = 0;
  }

  /* The verify callback refuses what does not verify; this is a second
   * lock on the same door.
   */
  if (SSL_get_verify_result(ssl) != X509_V_OK ||
      secftp_certmap_fingerprint(cert, fingerprint, sizeof(fingerprint)) < 0) {
    secftp_session_set_cert(ssl, FALSE, md, md_len);
    secftp_log("client certificate not verified; ignoring it");
    return;
  }

  secftp_session_set_cert(ssl, TRUE, md, md_len);
  publish_cert(cert, fingerprint);

  subject = secftp_dn_format_x509(X509_get_subject_name(cert));
  secftp_log("client certificate %s verified, subject '%s'", fingerprint,
    subject != NULL ? subject : "?");
  free(subject);

  map_cert(cert, fingerprint);
}

void secftp_certuser_sess_init(void) {
  pr_event_register(&secftp_module, SECFTP_EVENT_PREFIX "ctrl-handshake",
    ctrl_handshake_ev, NULL);
}

/* TRUE while the control connection is still the one the certificate was
 * presented on.
 */
static int same_connection(void) {
  return secftp_sess.cert.ssl != NULL &&
    secftp_sess.cert.ssl == secftp_sess.ctrl_ssl &&
    (secftp_sess.state & SECFTP_STATE_CTRL_TLS);
}

int secftp_certuser_has_cert(void) {
  return secftp_sess.cert.has_cert && same_connection();
}

const char *secftp_certuser_mapped(void) {
  return secftp_certuser_has_cert() ? secftp_sess.cert.user : NULL;
}

/* usage: SecureCertMap file|redis:KEY */
modret_t *secftp_set_certmap(cmd_rec *cmd) {
  struct secftp_certmap *map = NULL;
  const char *problem;
  config_rec *c;

  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, SECFTP_SERVER_CTX);

  /* Parsed whole at startup (and again at every restart): a bad rule
   * stops the server with the map's file and line.  A redis: map starts
   * empty (nothing maps) until a session reads a valid one.
   */
  if (secftp_fleetmap_is_redis(cmd->argv[1])) {
    problem = secftp_fleetmap_check(cmd->tmp_pool, cmd->argv[1]);
    if (problem == NULL) {
      map = secftp_certmap_parse("", 0, NULL);
      problem = map == NULL ? "out of memory" : NULL;
    }

  } else {
    PRIVS_ROOT
    problem = secftp_certuser_load_map(cmd->tmp_pool, cmd->argv[1], &map);
    PRIVS_RELINQUISH
  }

  if (problem != NULL) {
    CONF_ERROR(cmd, problem);
  }

  if (secftp_certuser_keep_map(map) < 0) {
    secftp_certmap_free(map);
    CONF_ERROR(cmd, "out of memory");
  }

  c = add_config_param(cmd->argv[0], 2, NULL, NULL);
  c->argv[0] = pstrdup(c->pool, cmd->argv[1]);
  c->argv[1] = map;
  return PR_HANDLED(cmd);
}
