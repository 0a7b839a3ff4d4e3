/*
 * facts: the TLS facts of a protected session (session notes, StdEnvVars).
 */

#include "secftp/facts.h"
#include "secftp/certmap.h"
#include "secftp/dn.h"
#include "secftp/session.h"
#include "secftp/values.h"

/* The certificate facts set under SECFTP_CLIENT_ and SECFTP_SERVER_. */
static const char *const cert_suffixes[] = {
  "M_VERSION", "V_START", "V_END", "A_SIG", "A_KEY", NULL
};

/* The most chain certificates published: a client cannot make this
 * process keep an unbounded number of notes.
 */
#define SECFTP_FACTS_CHAIN_MAX	16

#define SECFTP_FACTS_NAME_MAX	64

static void set_fact_under(const char *prefix, const char *suffix,
    const char *value) {
  char name[SECFTP_FACTS_NAME_MAX];

  pr_snprintf(name, sizeof(name), "%s%s", prefix, suffix);
  secftp_session_set_fact(name, value);
}

static void clear_fact_under(const char *prefix, const char *suffix) {
  char name[SECFTP_FACTS_NAME_MAX];

  pr_snprintf(name, sizeof(name), "%s%s", prefix, suffix);
  secftp_session_clear_fact(name);
}

/* bytes as upper-case hex, in p. */
static const char *hex(pool *p, const unsigned char *bytes, size_t len) {
  static const char digits[] = "0123456789ABCDEF";
  char *text;
  size_t i;

  text = pcalloc(p, len * 2 + 1);
  for (i = 0; i < len; i++) {
    text[i * 2] = digits[bytes[i] >> 4];
    text[i * 2 + 1] = digits[bytes[i] & 0x0f];
  }

  return text;
}

static const char *number(pool *p, long value) {
  char buf[32];

  pr_snprintf(buf, sizeof(buf), "%ld", value);
  return pstrdup(p, buf);
}

/* What a BIO writer made of obj, in p (NULL if it failed). */
static const char *bio_text(pool *p, int (*write)(BIO *, const void *),
    const void *obj) {
  BIO *bio;
  char *data = NULL;
  long len;
  const char *text = NULL;

  bio = BIO_new(BIO_s_mem());
  if (bio == NULL) {
    return NULL;
  }

  if (write(bio, obj) == 1) {
    len = BIO_get_mem_data(bio, &data);
    text = pstrndup(p, data, (size_t) len);
  }

  BIO_free(bio);
  return text;
}

/* An ASN1_TIME as OpenSSL prints it ("Jan  1 00:00:00 2027 GMT"). */
static int write_time(BIO *bio, const void *t) {
  return ASN1_TIME_print(bio, t);
}

static int write_pem(BIO *bio, const void *cert) {
  return PEM_write_bio_X509(bio, (X509 *) cert);
}

static void publish_dn(const char *prefix, const char *suffix,
    const X509_NAME *name) {
  char *text;

  text = secftp_dn_format_x509(name);
  if (text != NULL) {
    set_fact_under(prefix, suffix, text);
    free(text);
  }
}

static void publish_cert(pool *p, const char *prefix, X509 *cert) {
  const X509_ALGOR *sig_alg = NULL;
  const ASN1_OBJECT *obj = NULL;
  EVP_PKEY *key;

  /* The version as the certificate encodes it, plus one (v3 is 3). */
  set_fact_under(prefix, "M_VERSION", number(p, X509_get_version(cert) + 1));
  set_fact_under(prefix, "V_START", bio_text(p, write_time,
    X509_get0_notBefore(cert)));
  set_fact_under(prefix, "V_END", bio_text(p, write_time,
    X509_get0_notAfter(cert)));

  X509_get0_signature(NULL, &sig_alg, cert);
  if (sig_alg != NULL) {
    X509_ALGOR_get0(&obj, NULL, NULL, sig_alg);
    if (obj != NULL) {
      set_fact_under(prefix, "A_SIG", OBJ_nid2ln(OBJ_obj2nid(obj)));
    }
  }

  key = X509_get0_pubkey(cert);
  if (key != NULL) {
    set_fact_under(prefix, "A_KEY", OBJ_nid2ln(EVP_PKEY_get_base_id(key)));
  }
}

static void publish_server_cert(pool *p, SSL *ssl) {
  X509 *cert = SSL_get_certificate(ssl);
  char serial[512];

  if (cert == NULL) {
    return;
  }

  publish_cert(p, "SECFTP_SERVER_", cert);
  if (secftp_certmap_serial(cert, serial, sizeof(serial)) == 0) {
    secftp_session_set_fact("SECFTP_SERVER_SERIAL", serial);
  }
  publish_dn("SECFTP_SERVER_", "S_DN", X509_get_subject_name(cert));
  publish_dn("SECFTP_SERVER_", "I_DN", X509_get_issuer_name(cert));
  if (secftp_sess.settings.opts & SECFTP_OPT_EXPORT_CERT_DATA) {
    secftp_session_set_fact("SECFTP_SERVER_CERT", bio_text(p, write_pem,
      cert));
  }
}

static void clear_client_cert(void) {
  const char *const *s;
  int i;

  for (s = cert_suffixes; *s != NULL; s++) {
    clear_fact_under("SECFTP_CLIENT_", *s);
  }

  for (i = 1; i <= SECFTP_FACTS_CHAIN_MAX; i++) {
    char suffix[32];

    pr_snprintf(suffix, sizeof(suffix), "CERT_CHAIN%d", i);
    clear_fact_under("SECFTP_CLIENT_", suffix);
  }
}

/* The verified client certificate, and its chain with ExportCertData
 * (SSL_get_peer_cert_chain(3): on a server, without the client's own).
 */
static void publish_client_cert(pool *p, SSL *ssl) {
  STACK_OF(X509) *chain;
  X509 *cert;
  int i, n;

  cert = SSL_get0_peer_certificate(ssl);
  if (cert == NULL ||
      SSL_get_verify_result(ssl) != X509_V_OK) {
    return;
  }

  publish_cert(p, "SECFTP_CLIENT_", cert);
  if (!(secftp_sess.settings.opts & SECFTP_OPT_EXPORT_CERT_DATA)) {
    return;
  }

  chain = SSL_get_peer_cert_chain(ssl);
  n = chain != NULL ? sk_X509_num(chain) : 0;
  for (i = 0; i < n && i < SECFTP_FACTS_CHAIN_MAX; i++) {
    char suffix[32];

    pr_snprintf(suffix, sizeof(suffix), "CERT_CHAIN%d", i + 1);
    set_fact_under("SECFTP_CLIENT_", suffix, bio_text(p, write_pem,
      sk_X509_value(chain, i)));
  }
}

static void publish_connection(pool *p, SSL *ssl) {
  const SSL_SESSION *tls_sess;
  const SSL_CIPHER *cipher;
  const char *sni;

  tls_sess = SSL_get_session(ssl);
  if (tls_sess != NULL) {
    const unsigned char *id;
    unsigned int id_len = 0;

    id = SSL_SESSION_get_id(tls_sess, &id_len);
    if (id_len > 0) {
      secftp_session_set_fact("SECFTP_SESSION_ID", hex(p, id, id_len));
    }
  }

  secftp_session_set_fact("SECFTP_SESSION_RESUMED",
    SSL_session_reused(ssl) ? "1" : "0");
  secftp_session_set_fact("SECFTP_LIBRARY_VERSION",
    OpenSSL_version(OPENSSL_VERSION));

  cipher = SSL_get_current_cipher(ssl);
  if (cipher != NULL) {
    int alg_bits = 0, used_bits;

    used_bits = SSL_CIPHER_get_bits(cipher, &alg_bits);
    secftp_session_set_fact("SECFTP_CIPHER_KEYSIZE_USED",
      number(p, used_bits));
    secftp_session_set_fact("SECFTP_CIPHER_KEYSIZE_POSSIBLE",
      number(p, alg_bits));
  }

  /* The SNI unit has refused, during the handshake, any name that is not
   * a valid DNS host name (SPEC 6.1).
   */
  sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (sni != NULL) {
    secftp_session_set_fact("SECFTP_SERVER_NAME", sni);

  } else {
    secftp_session_clear_fact("SECFTP_SERVER_NAME");
  }
}

/* Every value is built in a pool of its own: set_fact copies only what
 * changed, so repeated handshakes (REIN, AUTH) do not grow the session's
 * pool.
 */
static void ctrl_handshake_ev(const void *event_data, void *user_data) {
  SSL *ssl = (SSL *) event_data;
  pool *p;

  if (ssl == NULL) {
    return;
  }

  p = make_sub_pool(session.pool);
  publish_connection(p, ssl);
  publish_server_cert(p, ssl);
  clear_client_cert();
  publish_client_cert(p, ssl);
  destroy_pool(p);
}

void secftp_facts_sess_init(void) {
  pr_event_register(&secftp_module, SECFTP_EVENT_PREFIX "ctrl-handshake",
    ctrl_handshake_ev, NULL);
}
