/*
 * dataconn: SecureDataConn for the path a command acts on (SPEC 3.2 and
 * 6.1, doc/data-channel.md).  The path is found as the command's own
 * module finds it (lsargs.c, then ProFTPD's globbing and '~' expansion);
 * the policy is the one configured for that path (<Directory>,
 * .ftpaccess, mod_ifsession, the server).
 */

#ifndef SECFTP_DATACONN_H
#define SECFTP_DATACONN_H

#include "mod_secftp.h"

/* RFC 4217 section 10.2: the data protection level is not allowed here. */
#define SECFTP_R_521	"521"

/* For a logged-in session with the module enabled: the refusal of cmd,
 * or NULL when SecureDataConn lets it through.
 * - A data command (RETR STOR STOU APPE LIST NLST MLSD) whose path does
 *   not allow the current PROT: 521, before any 150.
 * - STAT with a path, MLST, SIZE or MDTM on a clear control connection
 *   (never protected, or after CCC) of something 'SecureDataConn private'
 *   covers: 534 naming SecureDataConn.  STAT with a path under PROT P
 *   on a clear control connection: 534 too.
 */
modret_t *secftp_dataconn_check(cmd_rec *cmd);

/* TRUE for a data command (RETR STOR STOU APPE LIST NLST MLSD) of a
 * logged-in session with the module enabled.
 */
int secftp_dataconn_is_data_cmd(cmd_rec *cmd);

#endif /* SECFTP_DATACONN_H */
