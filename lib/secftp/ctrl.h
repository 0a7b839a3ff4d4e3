/*
 * ctrl: the RFC 2228 / RFC 4217 commands of the control connection
 * (AUTH, PBSZ, PROT) and the control-channel handshake.
 */

#ifndef SECFTP_CTRL_H
#define SECFTP_CTRL_H

#include "mod_secftp.h"

modret_t *secftp_cmd_auth(cmd_rec *cmd);
modret_t *secftp_cmd_pbsz(cmd_rec *cmd);
modret_t *secftp_cmd_prot(cmd_rec *cmd);

/* Protects the control connection: runs the handshake and routes the
 * control streams through TLS.  On failure the session is ended (there is
 * no plaintext fallback).  how names the trigger, for the log.
 */
void secftp_ctrl_protect(const char *how);

/* Adds this session's FEAT lines. */
void secftp_ctrl_add_feats(void);

#endif /* SECFTP_CTRL_H */
