/*
 * ocsp: one OCSP query, bounded in time, and the checks on its answer.
 */

#include "secftp/ocsp.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

/* An OCSP answer is small; a bigger one is not worth reading. */
#define OCSP_MAX_RESPONSE	(100 * 1024)

/* Allowed clock skew for thisUpdate/nextUpdate, in seconds. */
#define OCSP_CLOCK_SKEW		300

/* One query's state, freed in one place. */
struct query {
  char *host, *port, *path;
  OCSP_REQUEST *req;
  OCSP_CERTID *id;		/* owned by req */
  OCSP_CERTID *lookup_id;	/* our own copy, to find the answer */
  BIO *req_bio, *rsp_bio;
  BIO *conn_bio;		/* our connection to the responder */
  OCSP_RESPONSE *rsp;
  OCSP_BASICRESP *basic;
  STACK_OF(X509) *untrusted;
  STACK_OF(OPENSSL_STRING) *aia;
  time_t next_update;		/* 0: the answer has none */
};

static void query_free(struct query *q) {
  OPENSSL_free(q->host);
  OPENSSL_free(q->port);
  OPENSSL_free(q->path);
  OCSP_REQUEST_free(q->req);
  OCSP_CERTID_free(q->lookup_id);
  BIO_free(q->req_bio);
  BIO_free(q->rsp_bio);
  BIO_free_all(q->conn_bio);
  OCSP_RESPONSE_free(q->rsp);
  OCSP_BASICRESP_free(q->basic);
  sk_X509_free(q->untrusted);
  X509_email_free(q->aia);
}

static int result(int res, char *reason, size_t reason_len, const char *text) {
  unsigned long err = ERR_peek_last_error();

  if (err != 0 &&
      ERR_reason_error_string(err) != NULL) {
    snprintf(reason, reason_len, "%s (%s)", text,
      ERR_reason_error_string(err));

  } else {
    snprintf(reason, reason_len, "%s", text);
  }

  ERR_clear_error();
  return res;
}

int secftp_ocsp_check_url(const char *url) {
  char *host = NULL, *port = NULL, *path = NULL;
  int use_ssl = 0, ok;

  if (url == NULL ||
      *url == '\0') {
    errno = EINVAL;
    return -1;
  }

  ok = OSSL_HTTP_parse_url(url, &use_ssl, NULL, &host, &port, NULL, &path,
    NULL, NULL) == 1 &&
    strncmp(url, "http://", 7) == 0 &&
    !use_ssl;
  OPENSSL_free(host);
  OPENSSL_free(port);
  OPENSSL_free(path);
  ERR_clear_error();

  if (!ok) {
    errno = EINVAL;
    return -1;
  }

  return 0;
}

/* Waits for a non-blocking connect(2) on fd to finish, until deadline.
 * Returns 0 when connected, -1 (refused, unreachable, timed out).
 */
static int connect_wait(int fd, time_t deadline) {
  struct pollfd pfd;
  int err = 0, res;
  socklen_t len = sizeof(err);

  while (1) {
    time_t now = time(NULL);

    if (now >= deadline) {
      errno = ETIMEDOUT;
      return -1;
    }

    pfd.fd = fd;
    pfd.events = POLLOUT;
    pfd.revents = 0;
    res = poll(&pfd, 1, (int) (deadline - now) * 1000);
    if (res > 0) {
      break;
    }

    if (res == 0) {
      errno = ETIMEDOUT;
      return -1;
    }

    if (errno != EINTR) {
      return -1;
    }
  }

  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ||
      err != 0) {
    errno = err != 0 ? err : errno;
    return -1;
  }

  return 0;
}

/* Connects to the responder, trying each of its addresses in turn.  A
 * refused or unreachable address fails at once (OpenSSL's own connect
 * retries a refused one until the timeout); only a responder that does
 * not answer uses up the time.  The socket stays non-blocking, so that
 * the HTTP exchange is bounded too.  Returns the fd, or -1.
 */
static int connect_responder(const char *host, const char *port,
    time_t deadline) {
  struct addrinfo hints, *res = NULL, *ai;
  int fd = -1;

  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, port, &hints, &res) != 0) {
    return -1;
  }

  for (ai = res; ai != NULL; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
      SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      continue;
    }

    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
        (errno == EINPROGRESS &&
         connect_wait(fd, deadline) == 0)) {
      break;
    }

    (void) close(fd);
    fd = -1;
  }

  freeaddrinfo(res);
  return fd;
}

/* Sends the request of q to q->host and keeps the HTTP body in q->rsp_bio.
 * No proxy from the environment: the responder is what was configured.
 */
static int transfer(struct query *q, long timeout) {
  time_t deadline = time(NULL) + timeout;
  long left;
  int fd;

  q->req_bio = ASN1_item_i2d_mem_bio(ASN1_ITEM_rptr(OCSP_REQUEST),
    (const ASN1_VALUE *) q->req);
  if (q->req_bio == NULL) {
    return -1;
  }

  fd = connect_responder(q->host, q->port, deadline);
  if (fd < 0) {
    return -1;
  }

  q->conn_bio = BIO_new_socket(fd, BIO_CLOSE);
  if (q->conn_bio == NULL) {
    (void) close(fd);
    return -1;
  }

  left = (long) (deadline - time(NULL));
  q->rsp_bio = OSSL_HTTP_transfer(NULL, q->host, q->port, q->path, 0, NULL,
    NULL, q->conn_bio, q->conn_bio, NULL, NULL, 0, NULL,
    "application/ocsp-request", q->req_bio, "application/ocsp-response", 1,
    OCSP_MAX_RESPONSE, (int) (left > 0 ? left : 1), 0);
  return q->rsp_bio != NULL ? 0 : -1;
}

/* t as seconds since the epoch; 0 for NULL or a bad time. */
static time_t asn1_time_to_time_t(const ASN1_GENERALIZEDTIME *t) {
  struct tm tm;

  if (t == NULL ||
      ASN1_TIME_to_tm(t, &tm) != 1) {
    return 0;
  }

  return timegm(&tm);
}

/* Checks the signed part of the answer; returns the certificate status
 * (V_OCSP_CERTSTATUS_*) or -1 with *why set.
 */
static int check_basic(struct query *q, X509 *issuer, X509_STORE *store,
    const char **why) {
  ASN1_GENERALIZEDTIME *this_update = NULL, *next_update = NULL;
  int status = -1, crl_reason = -1;

  q->basic = OCSP_response_get1_basic(q->rsp);
  if (q->basic == NULL) {
    *why = "no basic OCSP response";
    return -1;
  }

  /* Our nonce must come back; a responder that sends none (it
   * pre-computes its answers) is accepted, since the dates are checked.
   */
  if (OCSP_check_nonce(q->req, q->basic) == 0) {
    *why = "nonce mismatch";
    return -1;
  }

  q->untrusted = sk_X509_new_null();
  if (q->untrusted == NULL ||
      !sk_X509_push(q->untrusted, issuer) ||
      OCSP_basic_verify(q->basic, q->untrusted, store, 0) != 1) {
    *why = "response signature does not verify";
    return -1;
  }

  if (OCSP_resp_find_status(q->basic, q->lookup_id, &status, &crl_reason,
      NULL, &this_update, &next_update) != 1) {
    *why = "response does not cover this certificate";
    return -1;
  }

  if (OCSP_check_validity(this_update, next_update, OCSP_CLOCK_SKEW,
      -1) != 1) {
    *why = "response is not current";
    return -1;
  }

  q->next_update = asn1_time_to_time_t(next_update);

  return status;
}

static int ask(struct query *q, X509 *leaf, X509 *issuer, X509_STORE *store,
    const char *url, long timeout, char *reason, size_t reason_len) {
  const char *why = NULL;
  int use_ssl = 0, status;

  if (url == NULL ||
      *url == '\0') {
    q->aia = X509_get1_ocsp(leaf);
    if (q->aia == NULL ||
        sk_OPENSSL_STRING_num(q->aia) == 0) {
      return result(SECFTP_OCSP_INVALID, reason, reason_len,
        "no OCSP responder: the certificate names none (AIA) and "
        "SecureOCSPResponder is not set");
    }
    url = sk_OPENSSL_STRING_value(q->aia, 0);
  }

  if (secftp_ocsp_check_url(url) < 0 ||
      OSSL_HTTP_parse_url(url, &use_ssl, NULL, &q->host, &q->port, NULL,
        &q->path, NULL, NULL) != 1) {
    return result(SECFTP_OCSP_INVALID, reason, reason_len,
      "responder URL is not an http:// URL");
  }

  q->req = OCSP_REQUEST_new();
  q->id = OCSP_cert_to_id(NULL, leaf, issuer);
  q->lookup_id = q->id != NULL ? OCSP_CERTID_dup(q->id) : NULL;
  if (q->req == NULL ||
      q->lookup_id == NULL ||
      OCSP_request_add0_id(q->req, q->id) == NULL) {
    OCSP_CERTID_free(q->id);
    return result(SECFTP_OCSP_INVALID, reason, reason_len,
      "unable to build the OCSP request");
  }

  if (OCSP_request_add1_nonce(q->req, NULL, -1) != 1) {
    return result(SECFTP_OCSP_INVALID, reason, reason_len,
      "unable to add a nonce");
  }

  if (transfer(q, timeout) < 0) {
    return result(SECFTP_OCSP_UNREACHABLE, reason, reason_len,
      "responder unreachable, timed out, or HTTP error");
  }

  q->rsp = ASN1_item_d2i_bio(ASN1_ITEM_rptr(OCSP_RESPONSE), q->rsp_bio,
    NULL);
  if (q->rsp == NULL) {
    return result(SECFTP_OCSP_INVALID, reason, reason_len,
      "malformed OCSP response");
  }

  switch (OCSP_response_status(q->rsp)) {
    case OCSP_RESPONSE_STATUS_SUCCESSFUL:
      break;

    case OCSP_RESPONSE_STATUS_INTERNALERROR:
    case OCSP_RESPONSE_STATUS_TRYLATER:
      return result(SECFTP_OCSP_UNREACHABLE, reason, reason_len,
        "responder unable to answer (internalError/tryLater)");

    default:
      return result(SECFTP_OCSP_INVALID, reason, reason_len,
        "responder refused the request");
  }

  status = check_basic(q, issuer, store, &why);
  if (status >= 0) {
    /* Errors OpenSSL queued on the way do not describe the answer. */
    ERR_clear_error();
  }

  switch (status) {
    case V_OCSP_CERTSTATUS_GOOD:
      return result(SECFTP_OCSP_GOOD, reason, reason_len, "good");

    case V_OCSP_CERTSTATUS_REVOKED:
      return result(SECFTP_OCSP_REVOKED, reason, reason_len,
        "certificate revoked");

    case V_OCSP_CERTSTATUS_UNKNOWN:
      return result(SECFTP_OCSP_UNKNOWN, reason, reason_len,
        "certificate unknown to the responder");

    default:
      return result(SECFTP_OCSP_INVALID, reason, reason_len,
        why != NULL ? why : "unusable response");
  }
}

/* The verified answer of q for the caller to keep (stapling). */
static int keep_answer(struct query *q, struct secftp_ocsp_answer *answer) {
  unsigned char *der = NULL;
  int len;

  len = i2d_OCSP_RESPONSE(q->rsp, &der);
  if (len <= 0) {
    return -1;
  }

  answer->der = der;
  answer->der_len = (size_t) len;
  answer->next_update = q->next_update;
  return 0;
}

int secftp_ocsp_fetch(X509 *leaf, X509 *issuer, X509_STORE *store,
    const char *url, long timeout, struct secftp_ocsp_answer *answer,
    char *reason, size_t reason_len) {
  struct query q;
  int res;

  if (leaf == NULL ||
      issuer == NULL ||
      store == NULL ||
      timeout <= 0 ||
      reason == NULL ||
      reason_len == 0) {
    errno = EINVAL;
    return -1;
  }

  if (answer != NULL) {
    memset(answer, 0, sizeof(*answer));
  }

  memset(&q, 0, sizeof(q));
  ERR_clear_error();
  res = ask(&q, leaf, issuer, store, url, timeout, reason, reason_len);

  /* Only an answer that passed every check is kept. */
  if (answer != NULL &&
      (res == SECFTP_OCSP_GOOD ||
       res == SECFTP_OCSP_REVOKED ||
       res == SECFTP_OCSP_UNKNOWN) &&
      keep_answer(&q, answer) < 0) {
    res = result(SECFTP_OCSP_INVALID, reason, reason_len,
      "unable to encode the response");
  }

  query_free(&q);
  return res;
}

int secftp_ocsp_query(X509 *leaf, X509 *issuer, X509_STORE *store,
    const char *url, long timeout, char *reason, size_t reason_len) {
  return secftp_ocsp_fetch(leaf, issuer, store, url, timeout, NULL, reason,
    reason_len);
}

int secftp_ocsp_accepts(int res, int soft_fail) {
  return res == SECFTP_OCSP_GOOD ||
    (res == SECFTP_OCSP_UNREACHABLE && soft_fail);
}

const char *secftp_ocsp_result_name(int res) {
  switch (res) {
    case SECFTP_OCSP_GOOD:
      return "good";

    case SECFTP_OCSP_REVOKED:
      return "revoked";

    case SECFTP_OCSP_UNKNOWN:
      return "unknown";

    case SECFTP_OCSP_UNREACHABLE:
      return "unreachable";

    case SECFTP_OCSP_INVALID:
      return "invalid";

    default:
      return NULL;
  }
}
