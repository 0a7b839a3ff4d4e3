/*
 * values: the typed values of mod_secftp's directives, their secure
 * defaults, and the parsers that turn configuration tokens into them.
 *
 * Pure C (no ProFTPD, no OpenSSL) so that Check can test every token.
 */

#ifndef SECFTP_VALUES_H
#define SECFTP_VALUES_H

#include <stddef.h>

/* SecureFTP */
enum secftp_ftp_policy {
  SECFTP_FTP_ALLOWED = 0,
  SECFTP_FTP_REQUIRED
};

/* SecureLogin */
enum secftp_login_policy {
  SECFTP_LOGIN_NO_CLIENT_AUTH = 0,
  SECFTP_LOGIN_OPTIONAL,
  SECFTP_LOGIN_REQUIRED,
  SECFTP_LOGIN_VERIFY_USER
};

/* SecurePassword */
enum secftp_password_policy {
  SECFTP_PASSWORD_REQUIRED = 0,
  SECFTP_PASSWORD_OPTIONAL
};

/* SecureDataConn */
enum secftp_dataconn_policy {
  SECFTP_DATACONN_CLEAR = 0,
  SECFTP_DATACONN_NEVER,
  SECFTP_DATACONN_PRIVATE
};

/* SecureCtrlConn */
enum secftp_ctrlconn_policy {
  SECFTP_CTRLCONN_PRIVATE = 0,
  SECFTP_CTRLCONN_CLEAR
};

/* SecureSessionReuse */
enum secftp_reuse_policy {
  SECFTP_REUSE_REQUIRED = 0,
  SECFTP_REUSE_ALLOWED
};

/* SecureRFCLevel */
enum secftp_rfc_level {
  SECFTP_RFC_RFC4217 = 0,
  SECFTP_RFC_DRAFT,
  SECFTP_RFC_CCC_NONOTIFY
};

/* SecureALPN */
enum secftp_alpn_mode {
  SECFTP_ALPN_STRICT = 0,
  SECFTP_ALPN_OFF
};

/* SecureSessionCache: where TLS 1.2 sessions and ticket keys live. */
enum secftp_session_cache {
  SECFTP_SESSION_CACHE_INTERNAL = 0,
  SECFTP_SESSION_CACHE_OFF,
  SECFTP_SESSION_CACHE_REDIS
};

/* SecureProtocol: a bit set of allowed TLS versions. */
#define SECFTP_PROTO_TLS1_0		0x01
#define SECFTP_PROTO_TLS1_1		0x02
#define SECFTP_PROTO_TLS1_2		0x04
#define SECFTP_PROTO_TLS1_3		0x08
#define SECFTP_PROTO_DEFAULT		(SECFTP_PROTO_TLS1_2|SECFTP_PROTO_TLS1_3)
#define SECFTP_PROTO_LEGACY		(SECFTP_PROTO_TLS1_0|SECFTP_PROTO_TLS1_1)

/* SecureOptions: a bit set of opt-ins. */
#define SECFTP_OPT_STD_ENV_VARS		0x0001
#define SECFTP_OPT_EXPORT_CERT_DATA	0x0002
#define SECFTP_OPT_ALLOW_PROT_NO_PBSZ	0x0004
#define SECFTP_OPT_STRICT_SNI		0x0008
#define SECFTP_OPT_OCSP_SOFT_FAIL	0x0010
#define SECFTP_OPT_LOG_DATA_HANDSHAKES	0x0020

/* SecureHandshakeTimeout default, in seconds. */
#define SECFTP_DEFAULT_HANDSHAKE_TIMEOUT	30

/* SecureVerifyDepth default. */
#define SECFTP_DEFAULT_VERIFY_DEPTH	9

/* One accepted spelling of a keyword and the value it stands for. */
struct secftp_token {
  const char *name;
  int value;
};

/* The keyword tables of the enum directives, each ending with {NULL, 0}. */
extern const struct secftp_token secftp_ftp_tokens[];
extern const struct secftp_token secftp_login_tokens[];
extern const struct secftp_token secftp_password_tokens[];
extern const struct secftp_token secftp_dataconn_tokens[];
extern const struct secftp_token secftp_ctrlconn_tokens[];
extern const struct secftp_token secftp_reuse_tokens[];
extern const struct secftp_token secftp_rfc_level_tokens[];
extern const struct secftp_token secftp_alpn_tokens[];
extern const struct secftp_token secftp_session_cache_tokens[];
extern const struct secftp_token secftp_protocol_tokens[];
extern const struct secftp_token secftp_option_tokens[];

/* Looks token up (case-insensitively) in table.  Returns 0 and sets *value,
 * or -1 with errno EINVAL (NULL arguments) or ENOENT (unknown keyword).
 */
int secftp_token_lookup(const struct secftp_token *table, const char *token,
  int *value);

/* The canonical (first listed) name of value in table, or NULL. */
const char *secftp_token_name(const struct secftp_token *table, int value);

/* Parses an on/off style boolean (on, off, yes, no, true, false, 1, 0).
 * Returns 0 or 1, or -1 with errno EINVAL.
 */
int secftp_parse_bool(const char *token);

/* Parses a whole number of seconds in [min, max].  Returns 0 and sets
 * *seconds, or -1 with errno EINVAL (not a number) or ERANGE.
 */
int secftp_parse_seconds(const char *token, long min, long max, long *seconds);

/* Parses a duration with an optional unit suffix (s, m, h; a bare number
 * is seconds), at least min_seconds.  Returns 0 and sets *seconds, or -1.
 */
int secftp_parse_duration(const char *token, long min_seconds, long *seconds);

/* Parses a PBSZ argument: decimal digits only, at most 2^32-1.
 * Returns 0, or -1 with errno EINVAL.
 */
int secftp_parse_pbsz(const char *arg, unsigned long *size);

#endif /* SECFTP_VALUES_H */
