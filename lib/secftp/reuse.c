/*
 * reuse: data connections must prove possession of their control
 * connection's TLS secrets (SecureSessionReuse, doc/session-reuse.md).
 */

#include "secftp/reuse.h"
#include "secftp/bulk.h"
#include "secftp/log.h"
#include "secftp/session.h"

#include <openssl/err.h>
#include <openssl/rand.h>

/* What a refused data connection offered, for the log and the 522. */
#define OFFERED_NOTHING		"no ticket/session (full handshake)"
#define OFFERED_FOREIGN		"a ticket/session of another control connection"
#define OFFERED_OTHER_CERT	"a different client certificate"

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

/* The lineage token sess carries, or NULL. */
static const unsigned char *session_token(const SSL_SESSION *sess) {
  void *data = NULL;
  size_t len = 0;

  if (sess == NULL ||
      SSL_SESSION_get0_ticket_appdata((SSL_SESSION *) sess, &data,
        &len) != 1 ||
      len != SECFTP_LINEAGE_LEN) {
    return NULL;
  }

  return data;
}

static int session_has_lineage(const SSL_SESSION *sess) {
  const unsigned char *token = session_token(sess);

  return secftp_sess.lineage.have &&
    token != NULL &&
    CRYPTO_memcmp(token, secftp_sess.lineage.token, SECFTP_LINEAGE_LEN) == 0;
}

static int stamp_session(SSL_SESSION *sess) {
  if (!secftp_sess.lineage.have ||
      sess == NULL) {
    return 0;
  }

  return SSL_SESSION_set1_ticket_appdata(sess,
    secftp_sess.lineage.token, SECFTP_LINEAGE_LEN) == 1 ?
    0 : -1;
}

/* A control handshake that resumed a session carrying a token continues
 * that session's lineage: the client proved it holds the secrets of the
 * connection the token was drawn for.  (Sessions resume only on the host
 * that made them: vhostid.h.)  Runs once per control handshake, at the
 * first point that needs the answer.
 */
static void settle_lineage(SSL *ssl) {
  const unsigned char *token;

  if (secftp_sess.lineage.settled) {
    return;
  }

  token = SSL_session_reused(ssl) == 1 ?
    session_token(SSL_get_session(ssl)) : NULL;
  if (token == NULL) {
    secftp_session_set_lineage(secftp_sess.lineage.have ?
      secftp_sess.lineage.token : NULL, TRUE);
    pr_trace_msg(SECFTP_TRACE_DATA, 9, "control connection starts a new "
      "session lineage");
    return;
  }

  secftp_session_set_lineage(token, TRUE);
  pr_trace_msg(SECFTP_TRACE_DATA, 9, "control connection resumed a session: "
    "it continues that session's lineage");
}

/* A data connection earns tickets only once it resumed the lineage. */
static int data_proven(SSL *ssl) {
  return SSL_session_reused(ssl) == 1 &&
    session_has_lineage(SSL_get_session(ssl));
}

/* Every ticket of the control connection, and of its proven data
 * connections, carries the lineage.  Any other data connection's ticket
 * (a TLS 1.2 full handshake) carries none, and proves nothing.
 */
static int ticket_gen_cb(SSL *ssl, void *arg) {
  if (is_data_ssl(ssl)) {
    return !data_proven(ssl) ||
      stamp_session(SSL_get_session(ssl)) == 0 ? 1 : 0;
  }

  settle_lineage(ssl);
  return stamp_session(SSL_get_session(ssl)) == 0 ? 1 : 0;
}

/* A data connection resumes only a ticket of this lineage; anything else
 * is ignored, as if no ticket had been offered, and noted for the
 * refusal.  Control connections keep OpenSSL's own answer.
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
    /* A resumed control connection always gets a fresh ticket: a client
     * that uses each TLS 1.3 ticket once (RFC 8446 appendix C.4) spent
     * its only one on this handshake, and its first data connection
     * needs another (a reconnect, doc/session-reuse.md).
     */
    return ok ? SSL_TICKET_RETURN_USE_RENEW : SSL_TICKET_RETURN_IGNORE_RENEW;
  }

  if (!ok ||
      !session_has_lineage(sess)) {
    if (status != SSL_TICKET_EMPTY) {
      secftp_session_note_foreign_ticket(TRUE);
    }
    pr_trace_msg(SECFTP_TRACE_DATA, 5, "data connection offered a ticket "
      "of another control connection (or an unreadable one): ignored");
    return SSL_TICKET_RETURN_IGNORE;
  }

  return SSL_TICKET_RETURN_USE;
}

/* When the control handshake is done: the session (kept in this process's
 * cache for TLS 1.2 session IDs) carries the lineage, and the client
 * certificate, if any, is remembered for the data connections.
 */
static void ctrl_info_cb(const SSL *ssl, int where, int ret) {
  void (*ctx_cb)(const SSL *, int, int);

  /* A per-connection callback hides the context's: keep it running. */
  ctx_cb = SSL_CTX_get_info_callback(SSL_get_SSL_CTX(ssl));
  if (ctx_cb != NULL) {
    ctx_cb(ssl, where, ret);
  }

  if (!(where & SSL_CB_HANDSHAKE_DONE)) {
    return;
  }

  settle_lineage((SSL *) ssl);
  (void) stamp_session(SSL_get_session(ssl));
}

int secftp_reuse_setup_ctx(SSL_CTX *ctx) {
  kernel_tls = kernel_has_tls_ulp();
  return SSL_CTX_set_session_ticket_cb(ctx, ticket_gen_cb, ticket_dec_cb,
    NULL) == 1 ? 0 : -1;
}

int secftp_reuse_stamp_new_session(SSL *ssl, SSL_SESSION *sess) {
  if (is_data_ssl(ssl)) {
    /* A data connection's own new session resumes nothing of use. */
    return -1;
  }

  settle_lineage(ssl);
  return stamp_session(sess);
}

static void prepare_ctrl(SSL *ssl) {
  unsigned char token[SECFTP_LINEAGE_LEN];

  /* A new control handshake (AUTH, implicit, REIN): a fresh lineage, so
   * that no earlier session of this process still counts, unless this
   * handshake resumes one (settle_lineage).
   */
  secftp_session_set_lineage(RAND_bytes(token, sizeof(token)) == 1 ?
    token : NULL, FALSE);

  SSL_set_info_callback(ssl, ctrl_info_cb);

  /* One ticket at the handshake; each transfer brings another
   * (secftp_reuse_issue_transfer_ticket).  OpenSSL would issue two.
   */
  (void) SSL_set_num_tickets(ssl, 1);

  /* The control connection idles most of its life: its record buffers
   * (about 34 KiB) are better given back between commands.
   */
  SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
}

void secftp_reuse_prepare(SSL *ssl, int fd) {
  if (!is_data_ssl(ssl)) {
    prepare_ctrl(ssl);
    return;
  }

  secftp_session_note_foreign_ticket(FALSE);

  /* No tickets at the handshake: the one a proven connection gets is
   * issued after the check, so that refused connections get none.
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
  if (cert == NULL) {
    return TRUE;
  }

  return secftp_sess.cert.md_len != 0 &&
    X509_digest(cert, EVP_sha256(), md, &md_len) == 1 &&
    md_len == secftp_sess.cert.md_len &&
    CRYPTO_memcmp(md, secftp_sess.cert.md, md_len) == 0;
}

int secftp_reuse_check(SSL *data_ssl, const char **why) {
  if (!same_client_cert(data_ssl)) {
    *why = OFFERED_OTHER_CERT;
    return -1;
  }

  if (data_proven(data_ssl) ||
      secftp_sess.settings.reuse != SECFTP_REUSE_REQUIRED) {
    return 0;
  }

  *why = SSL_session_reused(data_ssl) == 1 ||
    secftp_sess.lineage.data_offered_foreign ?
    OFFERED_FOREIGN : OFFERED_NOTHING;
  return -1;
}

/* Asks OpenSSL for one more TLS 1.3 ticket on ssl (written with ssl's
 * next record).  Returns TRUE when one is on its way.
 */
static int new_ticket(SSL *ssl) {
  ERR_clear_error();
  if (SSL_version(ssl) < TLS1_3_VERSION ||
      SSL_new_session_ticket(ssl) != 1) {
    ERR_clear_error();
    return FALSE;
  }

  return TRUE;
}

void secftp_reuse_issue_transfer_ticket(SSL *data_ssl, int closing) {
  int upload = session.xfer.direction == PR_NETIO_IO_RD;

  /* While the control connection is protected, it carries the next
   * transfer's ticket (secftp_reuse_before_transfer).  After CCC only the
   * data connection can.
   */
  if (upload != closing ||
      secftp_sess.state & SECFTP_STATE_CTRL_TLS ||
      !data_proven(data_ssl) ||
      !new_ticket(data_ssl)) {
    return;
  }

  /* Written now, not with the next data record: on an upload the server
   * writes none.
   */
  if (SSL_do_handshake(data_ssl) != 1 ||
      secftp_bulk_flush(data_ssl,
        secftp_sess.settings.handshake_timeout) < 0) {
    secftp_log_openssl_errors("data connection: fresh session ticket");
    return;
  }

  pr_trace_msg(SECFTP_TRACE_DATA, 9, "issued a fresh session ticket on the "
    "data connection");
}

void secftp_reuse_before_transfer(void) {
  SSL *ctrl = secftp_sess.ctrl_ssl;

  if (ctrl == NULL ||
      !(secftp_sess.state & SECFTP_STATE_CTRL_TLS) ||
      !new_ticket(ctrl)) {
    return;
  }

  /* It goes out ahead of this command's first reply, so the client holds
   * it before it opens the next data connection; each transfer thus
   * leaves the client one fresh ticket, and long sessions never hold only
   * expired ones.
   */
  pr_trace_msg(SECFTP_TRACE_DATA, 9, "issued a fresh session ticket on "
    "the control connection");
}
