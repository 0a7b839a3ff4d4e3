/*
 * keys: private keys that need more than a plain PEM file: PKCS#12
 * keyrings (SecureKeyring) and passphrase-protected keys, whose passphrase
 * comes from SecurePassPhraseProvider (a program run as root, or a
 * root-only file).  Passphrases are asked for only when a key is
 * encrypted, once per key at startup or restart, and scrubbed after use.
 */

#ifndef SECFTP_KEYS_H
#define SECFTP_KEYS_H

#include "mod_secftp.h"
#include "secftp/conf.h"

/* Longest passphrase accepted (one line of the provider's output). */
#define SECFTP_PASSPHRASE_MAX		1024

/* Seconds a SecurePassPhraseProvider program has to answer. */
#define SECFTP_PASSPHRASE_TIMEOUT	10

/* Directive handlers: SecureKeyring file.p12, SecurePassPhraseProvider
 * program|file.
 */
modret_t *secftp_set_keyring(cmd_rec *cmd);
modret_t *secftp_set_passphrase_provider(cmd_rec *cmd);


/* Reads the PEM private key in path; an encrypted one is decrypted with
 * the passphrase from provider (NULL: none configured).  Returns the key,
 * or NULL with *problem naming the file and what is wrong (from p).
 */
EVP_PKEY *secftp_keys_read_pem(pool *p, const char *path,
  const char *provider, const char **problem);

/* Loads the key, certificate and chain of every SecureKeyring of st into
 * ctx.  Returns 0, or -1 with *problem naming the file (from p).
 */
int secftp_keys_use_keyrings(pool *p, SSL_CTX *ctx,
  const struct secftp_settings *st, const char **problem);

#endif /* SECFTP_KEYS_H */
