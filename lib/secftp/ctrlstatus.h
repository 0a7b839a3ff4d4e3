/*
 * ctrlstatus: what `ftpdctl secftp status` says about one vhost: its
 * certificates (subject, issuer, SHA-256 fingerprint, dates, days left,
 * key type), protocols, suites, and whether it is in service.
 */

#ifndef SECFTP_CTRLSTATUS_H
#define SECFTP_CTRLSTATUS_H

#include "mod_secftp.h"

/* Adds the response lines describing server s to ctrl. */
void secftp_ctrlstatus_server(pr_ctrls_t *ctrl, pool *p, server_rec *s);

#endif /* SECFTP_CTRLSTATUS_H */
