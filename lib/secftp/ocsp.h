/*
 * ocsp: asks an OCSP responder (RFC 6960) about a client certificate, over
 * plain HTTP with a bounded time, and checks the answer: signed by a
 * responder the trust store accepts, fresh, with our nonce, for this
 * certificate.
 *
 * Pure C (OpenSSL and libc only) so that Check can run it against a real
 * responder.
 */

#ifndef SECFTP_OCSP_H
#define SECFTP_OCSP_H

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>

/* SecureVerifyOrder: the revocation checks of client certificates. */
#define SECFTP_REVOKE_CRL		0x01
#define SECFTP_REVOKE_OCSP		0x02
#define SECFTP_DEFAULT_VERIFY_ORDER	SECFTP_REVOKE_CRL

/* SecureOCSPTimeout default and bounds, in seconds. */
#define SECFTP_DEFAULT_OCSP_TIMEOUT	5
#define SECFTP_OCSP_TIMEOUT_MAX		60

/* What the responder said, or why there is no usable answer. */
enum secftp_ocsp_result {
  SECFTP_OCSP_GOOD = 0,
  SECFTP_OCSP_REVOKED,
  SECFTP_OCSP_UNKNOWN,		/* the responder does not know the cert */
  SECFTP_OCSP_UNREACHABLE,	/* no connection, timeout, HTTP failure,
				 * or the responder's internalError/tryLater */
  SECFTP_OCSP_INVALID		/* no responder, or an answer that fails
				 * its checks (signature, nonce, dates) */
};

/* Checks that url is an http:// URL this unit can query.  Returns 0, or -1
 * with errno EINVAL.
 */
int secftp_ocsp_check_url(const char *url);

/* Asks the responder at url (NULL or "": the first OCSP URL in leaf's
 * Authority Information Access) about leaf, issued by issuer, waiting at
 * most timeout seconds in all.  The response must be signed by a
 * certificate that verifies against store (the issuer itself, or a
 * delegated responder it issued).  Returns a secftp_ocsp_result and, in
 * reason, a short explanation for the log; -1 with errno EINVAL for bad
 * arguments.
 */
int secftp_ocsp_query(X509 *leaf, X509 *issuer, X509_STORE *store,
  const char *url, long timeout, char *reason, size_t reason_len);

/* A verified answer, kept to be stapled (RFC 6066 section 8). */
struct secftp_ocsp_answer {
  unsigned char *der;		/* the OCSPResponse, DER; OPENSSL_free() */
  size_t der_len;
  time_t next_update;		/* 0: the responder gave none */
};

/* secftp_ocsp_query() that also keeps, in *answer (when not NULL), the
 * DER of a response that passed every check (GOOD, REVOKED or UNKNOWN);
 * otherwise answer->der is NULL.
 */
int secftp_ocsp_fetch(X509 *leaf, X509 *issuer, X509_STORE *store,
  const char *url, long timeout, struct secftp_ocsp_answer *answer,
  char *reason, size_t reason_len);

/* The policy: 1 when a client certificate with this result is accepted
 * (GOOD, or UNREACHABLE with soft_fail), else 0.  UNKNOWN is refused like
 * REVOKED.
 */
int secftp_ocsp_accepts(int result, int soft_fail);

/* A name for a result ("good", "revoked", ...), for logs. */
const char *secftp_ocsp_result_name(int result);

#endif /* SECFTP_OCSP_H */
