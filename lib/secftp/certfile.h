/*
 * certfile: the server's certificate files and their dates.
 *
 * SecureCertificate, SecureCertificateChain and SecureCertificateWarning.
 * At parse time the files are read as root: an unreadable certificate, a
 * key that does not match, or a key file that others may read or write is
 * a startup error on the directive's line (SPEC 6.1, "Private key file
 * modes").  A certificate's dates are never a startup error: a server
 * whose certificates are all expired or not yet valid keeps running with
 * its TLS out of service (AUTH gets 431, implicit handshakes are refused),
 * and the daemon and every other server serve on; SystemLog and the
 * server's SecureFTPLog say so at every start and restart, and on every
 * refusal (SPEC 6.1, "Certificate time validity at start and restart").
 * A certificate expiring within SecureCertificateWarning is warned about
 * at start and restart, then once a day by a timer in the daemon.
 */

#ifndef SECFTP_CERTFILE_H
#define SECFTP_CERTFILE_H

#include "mod_secftp.h"

/* SecureCertificateWarning default: 30 days, in seconds. */
#define SECFTP_DEFAULT_CERT_WARNING	(30L * 86400L)

/* Longest SecureCertificateWarning accepted: ten years. */
#define SECFTP_CERT_WARNING_MAX		(3650L * 86400L)

/* Seconds between two expiry checks in the running daemon (a build may
 * shorten it, e.g. to watch the timer work).
 */
#ifndef SECFTP_CERT_CHECK_INTERVAL
# define SECFTP_CERT_CHECK_INTERVAL	86400
#endif

/* Directive handlers: SecureCertificate cert-file [key-file],
 * SecureCertificateChain file, SecureCertificateWarning duration|off.
 */
modret_t *secftp_set_certificate(cmd_rec *cmd);
modret_t *secftp_set_certificate_chain(cmd_rec *cmd);
modret_t *secftp_set_certificate_warning(cmd_rec *cmd);

/* Says what is wrong with the modes of the private key file path (readable
 * or writable by others), or NULL when it is fine or cannot be stat()ed
 * (reading it will then say why).  From p.
 */
const char *secftp_certfile_key_mode_problem(pool *p, const char *path);

/* Records that cert (a server certificate held by a context) came from
 * path, which must live as long as the context: logs then name the file.
 */
void secftp_certfile_name_cert(X509 *cert, const char *path);

/* Records that the certificate ctx has just loaded (its current one) came
 * from path, so that log lines and replies can name the file; then adds
 * s's SecureCertificateChain, if any, to that certificate's chain.
 * Returns 0, or -1 with *problem (from p).
 */
int secftp_certfile_finish_cert(pool *p, SSL_CTX *ctx, server_rec *s,
  const char *path, const char **problem);

/* NULL when ctx, server s's context, holds a server certificate that is
 * valid now; otherwise the reason TLS is out of service (naming the
 * certificate and its dates, from p), after logging it in SystemLog and
 * the SecureFTPLog.
 */
const char *secftp_certfile_out_of_service(pool *p, server_rec *s,
  SSL_CTX *ctx);

/* Logs, for every server with a TLS context, the certificates that are
 * not valid now and those expiring within SecureCertificateWarning
 * (SystemLog and the server's SecureFTPLog); then arms the daily check.
 * Runs in the daemon after the contexts are built, with SystemLog open
 * (secftp_log_open_system_log()).
 */
void secftp_certfile_check_all(void);

/* The same lines, to ProFTPD's log only (stderr before the daemon starts),
 * with no timer: what proftpd -t (--configtest) shows.
 */
void secftp_certfile_report(void);

/* Disarms the daily check (restart, shutdown, and in every session). */
void secftp_certfile_stop_checks(void);

#endif /* SECFTP_CERTFILE_H */
