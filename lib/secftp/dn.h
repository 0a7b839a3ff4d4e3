/*
 * dn: distinguished names as SecureCertMap compares them (RFC 4514).
 *
 * One structure serves both sides of a comparison: a DN written by the
 * admin in a map rule (secftp_dn_parse) and the subject or issuer of a
 * client certificate (secftp_dn_from_x509).  RDNs are kept in RFC 4514
 * order, most specific first; attribute types are normalised to dotted
 * OIDs so that "cn", "CN" and "2.5.4.3" compare equal; values are UTF-8
 * bytes with an explicit length, so an embedded NUL is never lost.
 *
 * Pure C with OpenSSL only: no ProFTPD headers.  Memory comes from
 * malloc(3); every structure returned here is released by secftp_dn_free().
 */

#ifndef SECFTP_DN_H
#define SECFTP_DN_H

#include <stddef.h>

#include <openssl/x509.h>

/* One attribute type and value. */
struct secftp_dn_ava {
  /* The type as a dotted OID ("2.5.4.3"); comparisons use strcmp(3). */
  char *oid;

  /* The value as UTF-8; not NUL-terminated for comparison purposes (a
   * terminating NUL is present after value_len for convenience only).
   */
  unsigned char *value;
  size_t value_len;

  /* Set when the value holds NUL, C0/C1 control characters or DEL, or
   * could not be converted to UTF-8.  Tainted values never match a filter
   * and never become a user name.
   */
  int tainted;

  /* Certificate side only: the DER of the value, kept when the RFC 4514
   * string form must use "#hex" (unknown type, or no UTF-8 form).
   */
  unsigned char *der;
  size_t der_len;
};

/* One RDN: a set of AVAs (usually one; several when written with '+'). */
struct secftp_dn_rdn {
  struct secftp_dn_ava *avas;
  size_t navas;
};

struct secftp_dn {
  /* RFC 4514 order: rdns[0] is the most specific (CN=...). */
  struct secftp_dn_rdn *rdns;
  size_t nrdns;

  /* Set when any AVA is tainted. */
  int tainted;
};

/* Parses an RFC 4514 string of len bytes (str need not be NUL-terminated).
 *
 * Accepted: the escapes \, \+ \" \\ \; \< \> \= \# and "\ " and \XX (hex
 * byte); "#hex" values holding the BER of a directory string; '+' for
 * multi-valued RDNs; short type names (CN, O, OU, C, L, ST, STREET, DC,
 * UID, SN, GN, serialNumber, title, emailAddress or E), case-insensitive,
 * and dotted OIDs.  Unescaped blanks around ',', '+' and '=' and at either
 * end of a value are ignored (escape them to keep them).  Values must be
 * valid UTF-8 without NUL or control characters, since such a value could
 * never match.  An empty string is an empty DN (nrdns 0).
 *
 * Returns the DN, or NULL with errno EINVAL (bad syntax; *why, if not NULL,
 * then points to a static description) or ENOMEM.
 */
struct secftp_dn *secftp_dn_parse(const char *str, size_t len,
  const char **why);

/* Converts a certificate name into a DN, reversing OpenSSL's entry order
 * (least specific first) into RFC 4514 order and grouping entries of one
 * multi-valued RDN.  Returns NULL with errno EINVAL or ENOMEM.
 */
struct secftp_dn *secftp_dn_from_x509(const X509_NAME *name);

void secftp_dn_free(struct secftp_dn *dn);

/* The RFC 4514 string of dn, in a malloc'd buffer the caller frees.
 * Known types use their short names; other types are dotted OIDs with
 * "#hex" values when the DER is known.  NUL, control characters and DEL
 * are written as \XX, so the result is safe for logs and environment
 * variables.  Returns NULL with errno EINVAL or ENOMEM.
 */
char *secftp_dn_format(const struct secftp_dn *dn);

/* Shortcut: secftp_dn_format(secftp_dn_from_x509(name)). */
char *secftp_dn_format_x509(const X509_NAME *name);

/* Returns 1 when the RDNs of filter equal the least specific RDNs of dn,
 * RDN by RDN (types by OID, values byte for byte, multi-valued RDNs as
 * sets), else 0.  A tainted dn, or an empty filter, never matches.
 * Returns -1 with errno EINVAL for NULL arguments.
 */
int secftp_dn_match_suffix(const struct secftp_dn *filter,
  const struct secftp_dn *dn);

/* Returns 1 when a and b have the same RDNs in the same order, else 0
 * (-1 with errno EINVAL for NULL arguments).
 */
int secftp_dn_equal(const struct secftp_dn *a, const struct secftp_dn *b);

/* Checks that buf[0..len) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF).  Returns 1 or 0.
 */
int secftp_dn_utf8_valid(const unsigned char *buf, size_t len);

/* Returns 1 when buf[0..len) holds NUL, a C0 or C1 control character or
 * DEL (buf being UTF-8), else 0.
 */
int secftp_dn_has_control(const unsigned char *buf, size_t len);

#endif /* SECFTP_DN_H */
