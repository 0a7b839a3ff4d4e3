/*
 * ctrltls: TLS on the control connection -- the handshake that protects
 * it (AUTH, implicit FTPS) and the close_notify exchange that ends it
 * (CCC, REIN) while the TCP connection stays.
 */

#ifndef SECFTP_CTRLTLS_H
#define SECFTP_CTRLTLS_H

#include "mod_secftp.h"

/* Runs the control handshake (how names the occasion in the log) and
 * protects the control connection with it.  A failed handshake, or any
 * failure to put TLS under the control streams, closes the connection:
 * never a plaintext fallback (RFC 4217 section 10.1).
 */
void secftp_ctrltls_protect(const char *how);

/* Ends TLS on the control connection: with notify, the close_notify
 * exchange (tolerant of clients that go on in the clear at once).  ccc
 * tells CCC from REIN.  Returns TRUE when close_notify was exchanged.
 */
int secftp_ctrltls_unprotect(int notify, int ccc);

#endif /* SECFTP_CTRLTLS_H */
