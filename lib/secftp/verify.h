/*
 * verify: client certificate verification (SecureLogin levels,
 * SecureCACertificate, SecureCARevocation, SecureVerifyDepth), set up once
 * per server context with OpenSSL's own store and checks.
 */

#ifndef SECFTP_VERIFY_H
#define SECFTP_VERIFY_H

#include "mod_secftp.h"
#include "secftp/conf.h"

/* Checks, at parse time as root, that path (a file or a hashed directory)
 * holds what directive (SecureCACertificate or SecureCARevocation) needs.
 * Returns NULL, or a message naming the path and the problem.
 */
const char *secftp_verify_check_path(pool *p, const char *directive,
  const char *path);

/* Refuses the combinations of settings of s that cannot work (SPEC 2),
 * then sets ctx's client certificate request, trust anchors, CRLs and
 * depth from st.  Returns 0, or -1 after logging why.
 */
int secftp_verify_setup(SSL_CTX *ctx, server_rec *s,
  const struct secftp_settings *st);

/* usage: SecureCACertificate|SecureCARevocation file|dir (loaded as
 * root at parse time: a bad file stops startup on its line).
 */
modret_t *secftp_set_ca_path(cmd_rec *cmd);

#endif /* SECFTP_VERIFY_H */
