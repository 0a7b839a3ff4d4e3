/*
 * sniname: the server_name extension of a ClientHello (RFC 6066 section 3),
 * read from its raw bytes, and the checks a name must pass before it is
 * used to choose a virtual host.
 *
 * Pure C (libc only) so that Check can feed it malformed extensions.
 */

#ifndef SECFTP_SNINAME_H
#define SECFTP_SNINAME_H

#include <stddef.h>

/* RFC 6066 allows a host_name of up to 2^16-1 bytes; DNS names are at most
 * 253 characters, so anything longer names no virtual host.
 */
#define SECFTP_SNI_NAME_MAX	253

/* Extracts the host_name from the body of a server_name extension (ext,
 * len bytes, as the ClientHello carries it) into name (name_len bytes,
 * NUL-terminated).  Returns 0; or -1 with errno EINVAL (NULL arguments),
 * EPROTO (malformed: lengths that disagree, an empty name, a NUL, or two
 * host_names), ENOENT (no host_name entry), ENAMETOOLONG (longer than
 * SECFTP_SNI_NAME_MAX or name_len).
 */
int secftp_sni_parse(const unsigned char *ext, size_t len, char *name,
  size_t name_len);

/* Returns 1 when name is an IPv4 or IPv6 literal (which RFC 6066 forbids
 * in SNI, and which selects nothing), 0 when not, -1 (EINVAL) for NULL.
 */
int secftp_sni_is_ip_literal(const char *name);

/* Returns 1 when name is usable as a DNS host name (letters, digits,
 * hyphens, dots, underscores; no empty label), 0 when not, -1 for NULL.
 */
int secftp_sni_is_hostname(const char *name);

#endif /* SECFTP_SNINAME_H */
