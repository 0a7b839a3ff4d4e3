/*
 * reply: refusing a command with a policy verdict (reply, module log,
 * trace, policy-denied event), the same way for every handler.
 */

#ifndef SECFTP_REPLY_H
#define SECFTP_REPLY_H

#include "mod_secftp.h"
#include "secftp/policy.h"

/* Refuses cmd with v's reply; logs which policy refused it and raises
 * mod_secftp.policy-denied.  Returns the handler's PR_ERROR.
 */
modret_t *secftp_reply_refuse(cmd_rec *cmd, const struct secftp_verdict *v);

#endif /* SECFTP_REPLY_H */
