/*
 * ctrl: the RFC 2228 / RFC 4217 commands of the control connection
 * (AUTH, PBSZ, PROT, CCC), STAT's protection lines, the FEAT lines, and the
 * control-channel handshake and teardown.
 */

#ifndef SECFTP_CTRL_H
#define SECFTP_CTRL_H

#include "mod_secftp.h"
#include "secftp/policy.h"

modret_t *secftp_cmd_auth(cmd_rec *cmd);
modret_t *secftp_cmd_pbsz(cmd_rec *cmd);
modret_t *secftp_cmd_prot(cmd_rec *cmd);
modret_t *secftp_cmd_ccc(cmd_rec *cmd);
modret_t *secftp_pre_stat(cmd_rec *cmd);

/* Protects the control connection: runs the handshake and routes the
 * control streams through TLS.  On failure the session is ended (there is
 * no plaintext fallback).  how names the trigger, for the log.
 */
void secftp_ctrl_protect(const char *how);

/* Ends TLS on the control connection (CCC, REIN); the TCP connection
 * stays.  With notify, close_notify is exchanged, tolerating a client that
 * goes on in the clear at once; without, TLS is dropped silently.
 * Returns TRUE when the client's close_notify was received.
 */
int secftp_ctrl_unprotect(int notify);

/* TRUE when a USER/PASS pair has succeeded and no REIN/AUTH has logged the
 * client out since.
 */
int secftp_ctrl_logged_in(void);

/* The policy unit's view of this session. */
void secftp_ctrl_policy_in(struct secftp_policy_in *in);

/* Sends a refusal: the verdict's reply, one SecureFTPLog line naming the
 * policy, the policy-denied event.  Returns PR_ERROR(cmd).
 */
modret_t *secftp_ctrl_refuse(cmd_rec *cmd, const struct secftp_verdict *v);

/* Adds this session's FEAT lines. */
void secftp_ctrl_add_feats(void);

/* Marks the commands this session implements in HELP's list (the core
 * lists the RFC 2228 verbs as unimplemented).
 */
void secftp_ctrl_add_help(void);

#endif /* SECFTP_CTRL_H */
