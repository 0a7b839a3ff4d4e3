/*
 * ciphers: the CipherSuite (alias SecureCipherSuite) and SecureGroups
 * directives.  Turns the suite and group names an administrator writes into
 * the strings OpenSSL takes, refuses the weak ones, and holds the defaults.
 *
 * Pure C (OpenSSL and libc only) so that Check and libFuzzer can test it.
 */

#ifndef SECFTP_CIPHERS_H
#define SECFTP_CIPHERS_H

#include <stddef.h>

/* Output buffer sizes that hold any list these functions can produce:
 * every suite OpenSSL knows, colon-joined, fits in SECFTP_CIPHERS_LIST_MAX.
 */
#define SECFTP_CIPHERS_LIST_MAX		8192
#define SECFTP_GROUPS_LIST_MAX		1024

/* A size for the caller's error buffer that holds every message. */
#define SECFTP_CIPHERS_ERR_MAX		256

/* Translates CipherSuite tokens, in preference order, into a TLS 1.2 list
 * (SSL_CTX_set_cipher_list format, OpenSSL names) and a TLS 1.3 list
 * (SSL_CTX_set_ciphersuites format).  Each token is one suite, IANA or
 * OpenSSL name, any case.  A suite named twice keeps its first position.
 * Either list may come back empty ("") when no suite of that kind is named;
 * secftp_ciphers_check_protocols() says whether that matters.
 *
 * Returns 0, or -1 with errno and a message naming the token in err:
 *   EINVAL  NULL/empty arguments, or a token that is not a suite name
 *           (OpenSSL cipher-string keywords and operators included)
 *   ENOENT  a suite OpenSSL does not know (or this build does not offer)
 *   EPERM   a suite refused as weak (NULL, anonymous, export, RC4, DES,
 *           3DES, MD5, PSK/SRP)
 *   ENOSPC  an output buffer is too small
 *   ENOMEM  OpenSSL could not build its scratch context
 */
int secftp_ciphers_translate(const char *const *tokens, size_t ntokens,
  char *tls12, size_t tls12_len, char *tls13, size_t tls13_len,
  char *err, size_t err_len);

/* Checks that every TLS version in protocols (SECFTP_PROTO_* bits, see
 * values.h) has at least one usable suite in the lists made by
 * secftp_ciphers_translate() (or the defaults).  Returns 0, or -1 with errno
 * EINVAL and, in err, a message naming the first version left without a
 * cipher (OpenSSL's name for it: "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3").
 */
int secftp_ciphers_check_protocols(unsigned int protocols, const char *tls12,
  const char *tls13, char *err, size_t err_len);

/* The defaults: forward-secret AEAD suites only, AES-128 first. */
const char *secftp_ciphers_default_tls12(void);
const char *secftp_ciphers_default_tls13(void);

/* Translates SecureGroups tokens, in preference order, into a list for
 * SSL_CTX_set1_groups_list().  Each token is checked against OpenSSL; the
 * spelling is matched case-insensitively where OpenSSL's own matching is
 * not.  A group named twice (under any of its names) keeps its first
 * position.  Returns 0, or -1 with errno EINVAL (bad arguments or token),
 * ENOENT (unknown group), ENOSPC or ENOMEM, and a message in err.
 */
int secftp_groups_translate(const char *const *tokens, size_t ntokens,
  char *groups, size_t groups_len, char *err, size_t err_len);

/* The default key-exchange groups. */
const char *secftp_groups_default(void);

#endif /* SECFTP_CIPHERS_H */
