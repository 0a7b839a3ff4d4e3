/*
 * log: the SecureFTPLog module log and the trace channels.
 *
 * Trace levels, used the same way in every unit:
 *   1  refusals and errors
 *   5  policy decisions
 *   9  handshake details
 *   15 and above: wire-level detail
 */

#ifndef SECFTP_LOG_H
#define SECFTP_LOG_H

#include "mod_secftp.h"

#define SECFTP_TRACE		"secftp"
#define SECFTP_TRACE_TLS	"secftp.tls"
#define SECFTP_TRACE_POLICY	"secftp.policy"
#define SECFTP_TRACE_CERTMAP	"secftp.certmap"
#define SECFTP_TRACE_DATA	"secftp.data"

/* Opens path (or nothing for NULL / "none") as the session's module log.
 * Runs with root privileges, as ProFTPD's own logs do.  Returns 0 or -1.
 */
int secftp_log_open(const char *path);

/* Closes the module log, if open. */
void secftp_log_close(void);

/* Writes one line to the module log (if open), after the tag
 * "[ServerName address:port] " of the session's server, and to the secftp
 * trace channel at level 1.
 */
int secftp_log(const char *fmt, ...)
#ifdef __GNUC__
  __attribute__ ((format (printf, 1, 2)))
#endif
  ;

/* Opens ProFTPD's SystemLog (as configured) in the daemon.  At startup
 * ProFTPD opens it only after core.postparse, and after a restart not at
 * all until the next session: without this, what the daemon logs while it
 * (re)builds its servers would reach stderr, or nowhere.
 */
void secftp_log_open_system_log(void);

/* Writes one line about server s to SystemLog (at priority, PR_LOG_*) and
 * to the SecureFTPLog at path (opened and closed again; NULL or "none":
 * none).  For the daemon, which keeps no module log open.
 */
void secftp_log_server(server_rec *s, const char *path, int priority,
  const char *fmt, ...)
#ifdef __GNUC__
  __attribute__ ((format (printf, 4, 5)))
#endif
  ;

/* Writes the data connection line of SecureOptions LogDataHandshakes:
 * client, protocol, cipher, resumed or not.
 */
void secftp_log_data_handshake(SSL *ssl);

/* text (from the client: USER, SNI, HOST, ALPN, paths, certificate
 * fields) escaped for a log line by logesc.c, allocated from p; "(none)"
 * for NULL.  Every client string reaches a log through this.
 */
const char *secftp_log_escape(pool *p, const char *text);

/* Logs the pending OpenSSL error queue, one line per error, prefixed by
 * what, and empties it.
 */
void secftp_log_openssl_errors(const char *what);

#endif /* SECFTP_LOG_H */
