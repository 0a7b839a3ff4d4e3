/*
 * alpn: SecureALPN, the ALPACA defence.  A ClientHello that offers ALPN
 * must offer "ftp"; one that offers only other protocols (a browser's
 * "http/1.1") gets a fatal no_application_protocol alert.  A ClientHello
 * without ALPN is accepted.
 *
 * Pure C (OpenSSL and libc only) so that Check can test the parser.
 */

#ifndef SECFTP_ALPN_H
#define SECFTP_ALPN_H

#include <openssl/ssl.h>

/* The protocol ID of FTP in the ALPN registry. */
#define SECFTP_ALPN_FTP		"ftp"

/* Looks for proto as a whole entry of an ALPN protocol list in wire
 * format (each entry one length byte, then that many bytes).  Returns 1
 * and points *entry / *entry_len at the entry when found, 0 when the list
 * is well formed and lacks it, or -1 with errno EINVAL for NULL or empty
 * arguments or a malformed list (an empty entry, or one running past the
 * end).
 */
int secftp_alpn_find(const unsigned char *list, size_t list_len,
  const char *proto, const unsigned char **entry, unsigned char *entry_len);

/* Installs the SecureALPN strict selection callback on ctx: "ftp" is
 * selected when offered, anything else is a fatal alert.  Returns 0, or -1
 * with errno EINVAL.
 */
int secftp_alpn_require_ftp(SSL_CTX *ctx);

#endif /* SECFTP_ALPN_H */
