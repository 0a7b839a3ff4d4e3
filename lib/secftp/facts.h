/*
 * facts: the TLS facts of a protected session, for other modules.
 *
 * Session notes (%{note:NAME} in LogFormat, mod_exec's %{note:NAME}) and,
 * with SecureOptions StdEnvVars, environment variables of the same names:
 * what mod_tls's StdEnvVars gives, under SECFTP_* names (the manual's
 * "Session facts" table maps each TLS_* name).  The certificate mapping
 * (certuser.c) publishes the client certificate's names, serial and
 * fingerprint; this unit the rest, at every control handshake.
 */

#ifndef SECFTP_FACTS_H
#define SECFTP_FACTS_H

#include "mod_secftp.h"

/* sess_init: publish at every control handshake (AUTH, implicit FTPS). */
void secftp_facts_sess_init(void);

#endif /* SECFTP_FACTS_H */
