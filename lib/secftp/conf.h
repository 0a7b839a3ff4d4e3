/*
 * conf: directive handlers, and the per-server settings read back from the
 * parsed configuration with the module's secure defaults applied.
 */

#ifndef SECFTP_CONF_H
#define SECFTP_CONF_H

#include "mod_secftp.h"
#include "secftp/values.h"

struct secftp_certmap;

/* Where the server-level directives may be written. */
#define SECFTP_SERVER_CTX	(CONF_ROOT|CONF_VIRTUAL|CONF_GLOBAL)

/* One SecureCertificate line: a PEM certificate (chain may follow the
 * leaf) and its key.
 */
struct secftp_cert_files {
  const char *cert_path;
  const char *key_path;
};

/* Everything a session needs to know about its server's configuration.
 * secftp_settings_load() starts from the defaults (the one place they are
 * set) and overlays what the server's configuration says.
 */
struct secftp_fleet_secret;

struct secftp_settings {
  int engine;
  int implicit;
  unsigned int protocols;
  int ftp;			/* enum secftp_ftp_policy */
  int login;			/* enum secftp_login_policy */
  int password;			/* enum secftp_password_policy */
  int dataconn;			/* enum secftp_dataconn_policy */
  int ctrlconn;			/* enum secftp_ctrlconn_policy */
  int reuse;			/* enum secftp_reuse_policy */
  int rfc_level;		/* enum secftp_rfc_level */
  int alpn;			/* enum secftp_alpn_mode */
  unsigned long opts;		/* SECFTP_OPT_* */
  long handshake_timeout;
  int verify_depth;
  const char *log_path;
  array_header *certs;		/* struct secftp_cert_files */
  array_header *keyrings;	/* const char *: SecureKeyring files */
  const char *passphrase_provider;
  unsigned int revocation;	/* SecureVerifyOrder: SECFTP_REVOKE_* */
  const char *ocsp_url;		/* NULL: the certificate's AIA */
  long ocsp_timeout;
  const char *ca_path;		/* SecureCACertificate file or dir */
  const char *crl_path;		/* SecureCARevocation file or dir */
  const char *certmap_path;	/* SecureCertMap file */
  const struct secftp_certmap *certmap;	/* parsed at startup */
  array_header *port_access;	/* SecurePortAccess: char *, "@" = group */
  const char *tls12_ciphers;	/* OpenSSL cipher list (CipherSuite) */
  const char *tls13_ciphers;	/* OpenSSL ciphersuites (CipherSuite) */
  const char *groups;		/* OpenSSL groups list (SecureGroups) */
  const char *cipher_problem;	/* why CipherSuite/SecureGroups cannot be
				 * used, or NULL (reported at startup) */
  int session_cache;		/* enum secftp_session_cache (fleet.h) */
  long ticket_key_lifetime;	/* seconds */
  const struct secftp_fleet_secret *ticket_key_secret;
};

/* Stores one typed value (size bytes at value) as cmd's configuration
 * record, for the directive handlers of every unit.
 */
config_rec *secftp_conf_add_value(cmd_rec *cmd, const void *value,
  size_t size);

/* Fills st with the defaults, then with s's configuration. */
void secftp_settings_load(server_rec *s, struct secftp_settings *st);

/* Directive handlers. */
modret_t *secftp_set_on_off(cmd_rec *cmd);
modret_t *secftp_set_implicit(cmd_rec *cmd);
modret_t *secftp_set_enum(cmd_rec *cmd);
modret_t *secftp_set_protocol(cmd_rec *cmd);
modret_t *secftp_set_options(cmd_rec *cmd);
modret_t *secftp_set_handshake_timeout(cmd_rec *cmd);
modret_t *secftp_set_verify_depth(cmd_rec *cmd);
modret_t *secftp_set_log(cmd_rec *cmd);
modret_t *secftp_set_port_access(cmd_rec *cmd);
modret_t *secftp_set_cipher_suite(cmd_rec *cmd);
modret_t *secftp_set_groups(cmd_rec *cmd);

#endif /* SECFTP_CONF_H */
