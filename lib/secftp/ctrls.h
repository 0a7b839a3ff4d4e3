/*
 * ctrls: the `ftpdctl secftp` actions (ProFTPD's mod_ctrls) and
 * SecureControlsACLs, who may run them.
 *
 *   ftpdctl secftp status          per vhost: certificates, dates, service
 *   ftpdctl secftp sessions        the protected sessions (sessiontab.h)
 *   ftpdctl secftp cache           session cache and ticket keys
 *   ftpdctl secftp reload-certmap  re-reads the SecureCertMap files
 *
 * The actions run in the daemon.  Without a SecureControlsACLs line for an
 * action, only root may run it.
 */

#ifndef SECFTP_CTRLS_H
#define SECFTP_CTRLS_H

#include "mod_secftp.h"

#define SECFTP_TRACE_CTRLS	"secftp.ctrls"

/* At module init: registers the "secftp" action. */
int secftp_ctrls_init(void);

/* At restart, before the configuration is read again: every action back
 * to root-only.
 */
void secftp_ctrls_restart(void);

/* At module unload or shutdown. */
void secftp_ctrls_release(void);

/* usage: SecureControlsACLs actions|all allow|deny user|group list */
modret_t *secftp_set_controls_acls(cmd_rec *cmd);

#endif /* SECFTP_CTRLS_H */
