/*
 * certmap: SecureCertMap rules, certificate -> user name (SPEC 4, 6).
 *
 * The text of a map (a file, or later a Redis string) is parsed whole into
 * an immutable secftp_certmap; secftp_certmap_match() then maps a verified
 * client (leaf) certificate to a user name, or says why it does not.
 *
 * Syntax, one rule per line; blank lines and "#" comments (a "#" that
 * begins a word outside quotes starts a comment to the end of the line):
 *
 *   cert sha256:AB:CD:...:EF  alice
 *   filter subject="OU=Payments,O=Example Corp" issuer="CN=CA,O=Ex" user=pay
 *   filter issuer="CN=Partner CA,O=Partner Ltd" user=@CN
 *
 * - Keywords (cert, filter, subject, issuer, user, sha256:, @CN, @UID,
 *   @email, @upn) are case-insensitive; user names are not.
 * - The fingerprint is the SHA-256 of the certificate's DER: 64 hex digits,
 *   either as 32 colon-separated pairs or as one unbroken run.
 * - subject= and issuer= take an RFC 4514 DN (see dn.h), quoted with '"'
 *   or bare (a bare value ends at the first blank).  Inside quotes a
 *   backslash escapes the next character for the DN parser, so \" and \\
 *   mean the same as in RFC 4514.  At least one of them, and user=, are
 *   required.
 * - user= is a user name (1-255 bytes of UTF-8; no blanks, controls, '/',
 *   '"', not "." or "..", not starting with '@'), or @CN / @UID (the single
 *   such attribute of the subject), @email (the single rfc822Name SAN),
 *   @upn (the single otherName UPN SAN, 1.3.6.1.4.1.311.20.2.3).  A cert
 *   rule takes a user name only.
 *
 * Errors: a syntax error stops at its line; if there is none, the first
 * conflict (a fingerprint listed twice; two filters whose subject and
 * issuer parts are equal after normalisation) is reported at the later of
 * its two lines.
 *
 * Matching, most specific first: a cert rule for the certificate's SHA-256
 * wins outright (even when the certificate's names hold NUL or control
 * characters).  Otherwise the certificate's subject and issuer must be
 * clean (no NUL/control characters), and among the filters whose parts are
 * suffixes of them, one with a subject part beats one without; then more
 * RDNs (subject + issuer) win.  Two matching filters of equal rank map
 * nothing (fail closed).  The deciding rule's user= field must be usable;
 * if it is not, nothing maps: a less specific rule is not tried.
 *
 * Pure C with OpenSSL only.  Memory is malloc(3)'d and released by
 * secftp_certmap_free().
 */

#ifndef SECFTP_CERTMAP_H
#define SECFTP_CERTMAP_H

#include <stddef.h>

#include <openssl/x509.h>

/* Longest user name a rule or certificate field may yield, in bytes. */
#define SECFTP_CERTMAP_USER_MAX		255

/* "sha256:" + 32 hex pairs joined by ':' + NUL. */
#define SECFTP_CERTMAP_FINGERPRINT_SIZE	(7 + 32 * 3)

/* The UPN otherName of Microsoft's smart card logon. */
#define SECFTP_CERTMAP_UPN_OID		"1.3.6.1.4.1.311.20.2.3"

struct secftp_certmap;

/* Where and why a map failed to parse. */
struct secftp_certmap_error {
  /* 1-based line number; 0 when the error is not about a line (ENOMEM). */
  unsigned int line;
  char msg[256];
};

/* The outcome of secftp_certmap_match(). */
enum secftp_certmap_status {
  SECFTP_CERTMAP_MAPPED = 0,	/* user holds the mapped name */
  SECFTP_CERTMAP_NO_RULE,	/* no rule matches the certificate */
  SECFTP_CERTMAP_TAINTED,	/* no cert rule, and the subject or issuer
				 * holds NUL/control characters */
  SECFTP_CERTMAP_TIE,		/* two filters of equal rank match */
  SECFTP_CERTMAP_FIELD_ABSENT,	/* the user= field is not in the cert */
  SECFTP_CERTMAP_FIELD_MULTIPLE,/* the user= field occurs several times */
  SECFTP_CERTMAP_FIELD_BAD	/* NUL, control, '/', empty, too long... */
};

struct secftp_certmap_result {
  enum secftp_certmap_status status;

  /* The rule that decided (0 for NO_RULE and TAINTED), and for TIE the
   * other rule of the tie.
   */
  unsigned int line;
  unsigned int other_line;

  /* A static English description of status, for the log. */
  const char *reason;

  /* The user name, NUL-terminated; empty unless status is MAPPED. */
  char user[SECFTP_CERTMAP_USER_MAX + 1];
};

/* Parses len bytes of map text (not necessarily NUL-terminated; a NUL
 * byte in it is an error).  Returns the map, or NULL with errno EINVAL
 * (err, if not NULL, says which line and why) or ENOMEM.
 */
struct secftp_certmap *secftp_certmap_parse(const char *text, size_t len,
  struct secftp_certmap_error *err);

void secftp_certmap_free(struct secftp_certmap *map);

/* The number of cert and filter rules in map (0 for NULL). */
size_t secftp_certmap_count(const struct secftp_certmap *map);

/* Maps cert.  Returns 0 with *res filled in (res->status tells whether a
 * user was mapped), or -1 with errno EINVAL (NULL arguments) or ENOMEM.
 */
int secftp_certmap_match(const struct secftp_certmap *map, const X509 *cert,
  struct secftp_certmap_result *res);

/* Writes "sha256:AB:CD:...:EF" (upper-case) for cert's DER into buf of
 * len bytes (at least SECFTP_CERTMAP_FINGERPRINT_SIZE).  Returns 0, or -1
 * with errno EINVAL or ERANGE (buffer too small).
 */
int secftp_certmap_fingerprint(const X509 *cert, char *buf, size_t len);

/* Writes cert's serial number as upper-case hex, two digits per byte
 * without leading zero bytes ("0" for zero, "-" in front if negative).
 * Returns 0, or -1 with errno EINVAL or ERANGE (buffer too small).
 */
int secftp_certmap_serial(const X509 *cert, char *buf, size_t len);

/* Checks a user name as a map rule or certificate field must give it:
 * 1..SECFTP_CERTMAP_USER_MAX bytes of UTF-8 without NUL, control
 * characters or '/', and not "." or "..".  Returns 1 or 0.
 */
int secftp_certmap_user_ok(const unsigned char *name, size_t len);

#endif /* SECFTP_CERTMAP_H */
