/*
 * addrbind: client certificates bound to the client's address
 * (SecureOptions CertMustNameClientIP, CertMustNameClientHost,
 * CertMustHaveCN), checked inside certificate verification so that a
 * certificate presented from the wrong address fails the handshake.
 */

#ifndef SECFTP_ADDRBIND_H
#define SECFTP_ADDRBIND_H

#include "mod_secftp.h"
#include "secftp/conf.h"

/* The SecureOptions flags this unit enforces. */
#define SECFTP_ADDRBIND_OPTS	(SECFTP_OPT_CERT_MUST_NAME_CLIENT_IP | \
  SECFTP_OPT_CERT_MUST_NAME_CLIENT_HOST | SECFTP_OPT_CERT_MUST_HAVE_CN)

/* Says why the binding options of st cannot work (no client certificates
 * requested; CertMustNameClientHost without UseReverseDNS on), or NULL.
 */
const char *secftp_addrbind_settings_problem(const struct secftp_settings *st);

/* Checks the leaf of the chain being verified against the control
 * connection's client address, as st's options ask.  Returns 0 when it
 * passes, -1 when refused: the store context's error is set (the client
 * gets the alert OpenSSL sends for it) and *reason says why.
 */
int secftp_addrbind_verify_leaf(X509_STORE_CTX *store_ctx,
  const struct secftp_settings *st, const char **reason);

#endif /* SECFTP_ADDRBIND_H */
