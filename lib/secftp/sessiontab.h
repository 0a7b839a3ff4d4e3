/*
 * sessiontab: the protected sessions, as the daemon sees them.
 *
 * Each session process writes its own row of a table in anonymous shared
 * memory that the daemon maps once, before any session forks (see
 * doc/mod_secftp.html, "Controls").  A row changes only when the session's
 * TLS facts change (handshake, login, PROT, CCC, REIN, HOST/SNI): never
 * per data transfer.  The daemon reads the rows for `ftpdctl secftp
 * sessions`; a row whose process is gone counts as free.
 */

#ifndef SECFTP_SESSIONTAB_H
#define SECFTP_SESSIONTAB_H

#include "mod_secftp.h"

/* Rows: more concurrent protected sessions than this are served but not
 * listed (the listing says how many were left out).
 */
#define SECFTP_SESSIONTAB_ROWS		4096

struct secftp_sessiontab_row {
  pid_t pid;
  time_t since;			/* control connection protected at */
  char vhost[80];		/* ServerName */
  char client[48];		/* client address */
  char user[64];		/* logged-in account, or "" */
  char protocol[16];		/* TLSv1.3 ... */
  char cipher[64];
  char prot;			/* 'C' or 'P' */
  char control[8];		/* "TLS", "clear" (after CCC) */
  char client_dn[256];		/* client certificate subject, or "" */
};

/* In the daemon, at startup and after each restart: maps the table (the
 * same one across restarts, see sessiontab.c).
 */
int secftp_sessiontab_init(void);

/* In a session: registers the listeners that keep its row current. */
void secftp_sessiontab_sess_init(void);

/* POST_CMD for every command: refreshes the row if a fact changed (a few
 * comparisons otherwise).
 */
modret_t *secftp_sessiontab_post_cmd(cmd_rec *cmd);

/* In the daemon: calls fn for each live row (a consistent copy).  Returns
 * the number of protected sessions not in the table (it was full).
 */
unsigned long secftp_sessiontab_each(
  void (*fn)(const struct secftp_sessiontab_row *row, void *data),
  void *data);

#endif /* SECFTP_SESSIONTAB_H */
