/*
 * reuse: data connections must resume their own control connection's
 * session (SecureSessionReuse).
 */

#include "secftp/reuse.h"
#include "secftp/bulk.h"
#include "secftp/log.h"
#include "secftp/session.h"

#include <openssl/rand.h>

#define REUSE_TOKEN_LEN		32

/* This process serves one control connection; these belong to it. */
static unsigned char token[REUSE_TOKEN_LEN];
static int have_token = FALSE;
static unsigned char ctrl_cert_md[EVP_MAX_MD_SIZE];
static unsigned int ctrl_cert_md_len = 0;
static time_t last_ticket_time = 0;

/* Whether the kernel offers kernel TLS (the "tls" TCP ULP); read in the
 * daemon, before chroot makes /proc unreachable.
 */
static int kernel_tls = FALSE;

static int kernel_has_tls_ulp(void) {
  char buf[256];
  size_t n;
  FILE *fh;

  fh = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "r");
  if (fh == NULL) {
    return FALSE;
  }

  n = fread(buf, 1, sizeof(buf) - 1, fh);
  fclose(fh);
  buf[n] = '\0';
  return strstr(buf, "tls") != NULL;
}

/* The control connection's socket; every other one is a data connection. */
static int is_data_ssl(const SSL *ssl) {
  return session.c != NULL &&
    SSL_get_fd(ssl) != PR_NETIO_FD(session.c->instrm);
}

static int session_has_token(const SSL_SESSION *sess) {
  void *data = NULL;
  size_t len = 0;

  if (!have_token ||
      sess == NULL ||
      SSL_SESSION_get0_ticket_appdata((SSL_SESSION *) sess, &data,
        &len) != 1) {
    return FALSE;
  }

  return len == REUSE_TOKEN_LEN &&
    CRYPTO_memcmp(data, token, REUSE_TOKEN_LEN) == 0;
}

static int stamp_session(SSL_SESSION *sess) {
  if (!have_token ||
      sess == NULL) {
    return 0;
  }

  return SSL_SESSION_set1_ticket_appdata(sess, token, REUSE_TOKEN_LEN) == 1 ?
    0 : -1;
}

/* Every ticket a control connection issues carries its token. */
static int ticket_gen_cb(SSL *ssl, void *arg) {
  if (is_data_ssl(ssl)) {
    return 1;
  }

  return stamp_session(SSL_get_session(ssl)) == 0 ? 1 : 0;
}

/* A data connection resumes only a ticket of this control connection;
 * anything else is ignored, as if no ticket had been offered.  Control
 * connections keep OpenSSL's own answer.
 */
static SSL_TICKET_RETURN ticket_dec_cb(SSL *ssl, SSL_SESSION *sess,
    const unsigned char *keyname, size_t keyname_len,
    SSL_TICKET_STATUS status, void *arg) {
  int ok = status == SSL_TICKET_SUCCESS ||
    status == SSL_TICKET_SUCCESS_RENEW;

  if (status == SSL_TICKET_FATAL_ERR_MALLOC ||
      status == SSL_TICKET_FATAL_ERR_OTHER) {
    return SSL_TICKET_RETURN_ABORT;
  }

  if (!is_data_ssl(ssl)) {
    if (!ok) {
      return SSL_TICKET_RETURN_IGNORE_RENEW;
    }

    return status == SSL_TICKET_SUCCESS_RENEW ?
      SSL_TICKET_RETURN_USE_RENEW : SSL_TICKET_RETURN_USE;
  }

  if (!ok ||
      !session_has_token(sess)) {
    pr_trace_msg(SECFTP_TRACE_DATA, 5, "data connection offered a ticket "
      "of another control connection (or an unreadable one): ignored");
    return SSL_TICKET_RETURN_IGNORE;
  }

  return SSL_TICKET_RETURN_USE;
}

/* When the control handshake is done: the session (kept in this process's
 * cache for TLS 1.2 session IDs) carries the token, and the client
 * certificate, if any, is remembered for the data connections.
 */
static void ctrl_info_cb(const SSL *ssl, int where, int ret) {
  void (*ctx_cb)(const SSL *, int, int);
  X509 *cert;

  /* A per-connection callback hides the context's: keep it running. */
  ctx_cb = SSL_CTX_get_info_callback(SSL_get_SSL_CTX(ssl));
  if (ctx_cb != NULL) {
    ctx_cb(ssl, where, ret);
  }

  if (!(where & SSL_CB_HANDSHAKE_DONE)) {
    return;
  }

  (void) stamp_session(SSL_get_session(ssl));
  last_ticket_time = time(NULL);

  ctrl_cert_md_len = 0;
  cert = SSL_get0_peer_certificate(ssl);
  if (cert != NULL &&
      X509_digest(cert, EVP_sha256(), ctrl_cert_md, &ctrl_cert_md_len) != 1) {
    ctrl_cert_md_len = 0;
  }
}

int secftp_reuse_setup_ctx(SSL_CTX *ctx) {
  kernel_tls = kernel_has_tls_ulp();
  return SSL_CTX_set_session_ticket_cb(ctx, ticket_gen_cb, ticket_dec_cb,
    NULL) == 1 ? 0 : -1;
}

void secftp_reuse_prepare(SSL *ssl, int fd) {
  if (!is_data_ssl(ssl)) {
    /* A new control handshake (AUTH, implicit, REIN): a new token, so
     * that no earlier session of this process still counts.
     */
    if (RAND_bytes(token, sizeof(token)) == 1) {
      have_token = TRUE;
    }

    SSL_set_info_callback(ssl, ctrl_info_cb);

    /* One ticket is all a client resumes its data connections with (a
     * fresh one follows when it ages); OpenSSL would issue two.
     */
    (void) SSL_set_num_tickets(ssl, 1);

    /* The control connection idles most of its life: its record buffers
     * (about 34 KiB) are better given back between commands.
     */
    SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
    return;
  }

  /* A ticket per data connection only costs time: clients resume the
   * control session.
   */
  (void) SSL_set_num_tickets(ssl, 0);

  if (kernel_tls) {
    /* The kernel encrypts: OpenSSL keeps its socket BIO, and falls back to
     * its own record layer if the kernel refuses this cipher.
     */
    SSL_set_options(ssl, SSL_OP_ENABLE_KTLS);
    return;
  }

  if (secftp_bulk_attach(ssl, fd,
      session.xfer.direction == PR_NETIO_IO_RD) < 0) {
    secftp_log_openssl_errors("data connection: bulk I/O unavailable");
  }
}

/* A client certificate on the data connection must be the control one. */
static int same_client_cert(SSL *data_ssl) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  X509 *cert;

  cert = SSL_get0_peer_certificate(data_ssl);
  if (cert == NULL ||
      ctrl_cert_md_len == 0) {
    return TRUE;
  }

  return X509_digest(cert, EVP_sha256(), md, &md_len) == 1 &&
    md_len == ctrl_cert_md_len &&
    CRYPTO_memcmp(md, ctrl_cert_md, md_len) == 0;
}

int secftp_reuse_check(SSL *data_ssl, const char **why) {
  int resumed;

  resumed = SSL_session_reused(data_ssl) == 1 &&
    session_has_token(SSL_get_session(data_ssl));

  if (!same_client_cert(data_ssl)) {
    *why = "client certificate differs from the control connection's";
    return -1;
  }

  if (!resumed &&
      secftp_sess.settings.reuse == SECFTP_REUSE_REQUIRED) {
    *why = SSL_session_reused(data_ssl) == 1 ?
      "resumed a session of another control connection" :
      "did not resume the control connection's TLS session";
    return -1;
  }

  return 0;
}

void secftp_reuse_refresh_tickets(void) {
  SSL *ctrl = secftp_sess.ctrl_ssl;
  long lifetime;

  if (ctrl == NULL ||
      SSL_version(ctrl) < TLS1_3_VERSION ||
      SSL_get_session(ctrl) == NULL) {
    return;
  }

  lifetime = SSL_SESSION_get_timeout(SSL_get_session(ctrl));
  if (time(NULL) - last_ticket_time < lifetime / 2) {
    return;
  }

  /* Sent with the next reply on the control connection. */
  if (SSL_new_session_ticket(ctrl) == 1) {
    last_ticket_time = time(NULL);
    pr_trace_msg(SECFTP_TRACE_DATA, 9, "issued a fresh session ticket on "
      "the control connection");
  }
}
