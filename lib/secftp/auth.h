/*
 * auth: the certificate side of login (SPEC 4): SecureLogin verify_user,
 * SecurePortAccess and SecurePassword, in ProFTPD's USER/PASS flow.
 *
 * The permission a certificate gives ("alice needs no password") is bound
 * to the one USER command that named its user, and is reset by every
 * USER, AUTH, REIN and CCC.
 */

#ifndef SECFTP_AUTH_H
#define SECFTP_AUTH_H

#include "mod_secftp.h"

/* Resets the binding for a new session. */
void secftp_auth_sess_init(void);

/* authtab "requires_pass": HANDLED (no password) only for the USER that
 * the control connection's certificate maps to, under SecurePassword
 * optional.
 */
modret_t *secftp_auth_requires_pass(cmd_rec *cmd);

/* PRE_CMD USER: SecureLogin required/verify_user and SecurePortAccess
 * refusals (530 before any PASS), and the new binding.
 */
modret_t *secftp_auth_pre_user(cmd_rec *cmd);

/* PRE_CMD PASS: under verify_user, only the user the certificate vouched
 * for in the last USER.
 */
modret_t *secftp_auth_pre_pass(cmd_rec *cmd);

/* POST_CMD PASS: publishes SECFTP_AUTH_METHOD. */
modret_t *secftp_auth_post_pass(cmd_rec *cmd);

/* POST_CMD_ERR PASS: a login whose password the certificate waived has
 * failed; the connection is closed (see auth.c).
 */
modret_t *secftp_auth_post_pass_err(cmd_rec *cmd);

/* PRE_CMD AUTH, REIN, CCC: the binding ends. */
modret_t *secftp_auth_reset(cmd_rec *cmd);

#endif /* SECFTP_AUTH_H */
