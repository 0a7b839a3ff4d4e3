/*
 * revocation: SecureVerifyOrder, SecureOCSPResponder and SecureOCSPTimeout,
 * and the OCSP check of a verified client certificate.
 *
 * CRLs are checked by OpenSSL's store during chain verification (see
 * verify.c), so they always come first; OCSP runs on the verified chain
 * at the end of that verification, inside the handshake.
 */

#ifndef SECFTP_REVOCATION_H
#define SECFTP_REVOCATION_H

#include "mod_secftp.h"
#include "secftp/conf.h"

/* Directive handlers. */
modret_t *secftp_set_verify_order(cmd_rec *cmd);
modret_t *secftp_set_ocsp_responder(cmd_rec *cmd);
modret_t *secftp_set_ocsp_timeout(cmd_rec *cmd);

/* The OCSP check of st (when SecureVerifyOrder names ocsp), run from the
 * verify callback on the leaf of the chain OpenSSL has just verified, so
 * that a refusal fails the handshake itself with the fitting alert
 * (certificate_revoked for a revoked certificate).  Returns 0 when the
 * certificate is accepted, -1 when refused: the store context's error is
 * set and *reason says why (static or from session.pool).
 */
int secftp_revocation_verify_leaf(X509_STORE_CTX *store_ctx,
  const struct secftp_settings *st, const char **reason);

#endif /* SECFTP_REVOCATION_H */
