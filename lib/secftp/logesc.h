/*
 * logesc: client-supplied text made safe for a log line (SPEC 6.1, "Logs
 * are not a channel for the client").
 *
 * Control bytes (C0 and C1), DEL, Unicode format and bidi controls
 * (category Cf, e.g. U+202E) and bytes that are not valid UTF-8 are
 * written as \xNN (one per byte) or \u{NNNN}; nothing else changes.  So a
 * client can neither end a log line (CR, LF), drive a terminal (ESC),
 * nor make a line read differently from its bytes (bidi overrides).
 *
 * Pure C (libc only) so that Check and libFuzzer can drive it.
 */

#ifndef SECFTP_LOGESC_H
#define SECFTP_LOGESC_H

#include <stddef.h>
#include <stdint.h>

/* Escape the backslash too (\\), so that an escape can always be told
 * from the same characters typed by the client.  A whole log line is
 * escaped without it, so that already escaped fields stay as they are.
 */
#define SECFTP_LOGESC_BACKSLASH	0x01

/* Writes src (srclen bytes) escaped into dst (dstlen bytes, always
 * NUL-terminated when dstlen > 0; an escape is never cut in half).
 * Returns the length the whole escaped text needs, without the NUL, as
 * snprintf(3) does.
 */
size_t secftp_logesc(char *dst, size_t dstlen, const char *src,
  size_t srclen, int flags);

/* The length (1 to 4) of the well-formed UTF-8 sequence at s (len bytes),
 * with its code point in *cp; 0 for an ill-formed one (overlong, a
 * surrogate, above U+10FFFF, cut short).
 */
size_t secftp_logesc_utf8(const unsigned char *s, size_t len, uint32_t *cp);

/* Whether cp is a Unicode format or bidi control (category Cf) or a
 * control character (Cc): what a name must never hide.
 */
int secftp_logesc_is_control(uint32_t cp);

#endif /* SECFTP_LOGESC_H */
