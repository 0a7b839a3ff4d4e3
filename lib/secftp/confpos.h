/*
 * confpos: where each mod_secftp directive was written (file and line),
 * for errors found after parsing, and whether an Include'd file failed.
 *
 * ProFTPD names the file and line only for errors its parser sees; the
 * checks that run once the whole configuration is read (a server's
 * certificate, cipher and policy settings taken together) would otherwise
 * name only the ServerName.  The position of every line comes from
 * ProFTPD's core.parsed-line event; handlers record it for the
 * configuration record they add.
 *
 * An error inside an Include'd file is only a warning to ProFTPD, which
 * then starts without the rest of that file.  The module refuses to start
 * instead, with one message, and makes no further checks of its own that
 * would only repeat the consequences of that error.
 */

#ifndef SECFTP_CONFPOS_H
#define SECFTP_CONFPOS_H

#include "mod_secftp.h"

/* Starts following the parser (module init). */
void secftp_confpos_init(void);

/* Records the line being parsed as the position of c. */
void secftp_confpos_note(config_rec *c);

/* " (NAME on line N of 'FILE')" for the record of directive name in s
 * whose first value is argv0 (NULL: the first such record), or "" when
 * unknown.  From p.
 */
const char *secftp_confpos_where(pool *p, server_rec *s, const char *name,
  const void *argv0);

/* secftp_confpos_where() for the first directive of the NULL-terminated
 * names that s has a position for, or "".
 */
const char *secftp_confpos_where_any(pool *p, server_rec *s,
  const char *const *names);

/* The same for the directive a message starts with ("SecureLogin
 * verify_user needs ..."), or "".
 */
const char *secftp_confpos_where_named(pool *p, server_rec *s,
  const char *message);

/* The file ProFTPD could not include, or NULL when every Include worked. */
const char *secftp_confpos_failed_include(void);

/* Forgets every position (restart, shutdown). */
void secftp_confpos_reset(void);

#endif /* SECFTP_CONFPOS_H */
