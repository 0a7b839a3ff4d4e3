/*
 * rein: REIN, the protocol-level logout of RFC 4217 (REIN, and AUTH after
 * login), and the gate every command passes first (SecureFTP required,
 * SecureDataConn private, logged-out sessions, other protocols' verbs).
 */

#ifndef SECFTP_REIN_H
#define SECFTP_REIN_H

#include "mod_secftp.h"

/* usage: REIN */
modret_t *secftp_cmd_rein(cmd_rec *cmd);

/* PRE_CMD for every command: the policy gate. */
modret_t *secftp_pre_any(cmd_rec *cmd);

#endif /* SECFTP_REIN_H */
