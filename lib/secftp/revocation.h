/*
 * revocation: SecureVerifyOrder, SecureOCSPResponder and SecureOCSPTimeout,
 * and the OCSP check of a verified client certificate.
 *
 * CRLs are checked by OpenSSL's store during chain verification (see
 * verify.c), so they always come first; OCSP runs on the verified chain
 * right after the handshake, before the session goes on.
 */

#ifndef SECFTP_REVOCATION_H
#define SECFTP_REVOCATION_H

#include "mod_secftp.h"
#include "secftp/conf.h"

/* Directive handlers. */
modret_t *secftp_set_verify_order(cmd_rec *cmd);
modret_t *secftp_set_ocsp_responder(cmd_rec *cmd);
modret_t *secftp_set_ocsp_timeout(cmd_rec *cmd);

/* Runs the OCSP check of st (when SecureVerifyOrder names ocsp) on leaf,
 * issued by issuer, trusting store for the responder's signature.
 * Returns 0 when the certificate is accepted, -1 when refused, with
 * *reason saying why (static or from session.pool).  Usable from a verify
 * callback at depth 0.
 */
int secftp_revocation_check_cert(X509 *leaf, X509 *issuer, X509_STORE *store,
  const struct secftp_settings *st, const char **reason);

/* The same for the client certificate of a finished handshake, with the
 * chain OpenSSL verified.  No client certificate: 0.
 */
int secftp_revocation_check_peer(SSL *ssl, const struct secftp_settings *st,
  const char **reason);

#endif /* SECFTP_REVOCATION_H */
