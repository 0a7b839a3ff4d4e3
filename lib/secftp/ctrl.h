/*
 * ctrl: the RFC 2228 / RFC 4217 commands of the control connection
 * (AUTH, PBSZ, PROT, CCC), STAT's protection lines and the FEAT lines.
 * The TLS itself is ctrltls.c's; the state is session.c's.
 */

#ifndef SECFTP_CTRL_H
#define SECFTP_CTRL_H

#include "mod_secftp.h"

modret_t *secftp_cmd_auth(cmd_rec *cmd);
modret_t *secftp_cmd_pbsz(cmd_rec *cmd);
modret_t *secftp_cmd_prot(cmd_rec *cmd);
modret_t *secftp_cmd_ccc(cmd_rec *cmd);
modret_t *secftp_pre_stat(cmd_rec *cmd);

/* Adds this session's FEAT lines. */
void secftp_ctrl_add_feats(void);

/* Marks the commands this session implements in HELP's list (the core
 * lists the RFC 2228 verbs as unimplemented).
 */
void secftp_ctrl_add_help(void);

#endif /* SECFTP_CTRL_H */
