/*
 * logesc: client-supplied text made safe for a log line.
 */

#include "secftp/logesc.h"

#include <stdio.h>
#include <string.h>

size_t secftp_logesc_utf8(const unsigned char *s, size_t len, uint32_t *cp) {
  static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
  size_t n, i;
  uint32_t c;

  if (len == 0) {
    return 0;
  }

  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }

  if ((s[0] & 0xe0) == 0xc0) {
    n = 2;
    c = s[0] & 0x1f;

  } else if ((s[0] & 0xf0) == 0xe0) {
    n = 3;
    c = s[0] & 0x0f;

  } else if ((s[0] & 0xf8) == 0xf0) {
    n = 4;
    c = s[0] & 0x07;

  } else {
    return 0;
  }

  if (n > len) {
    return 0;
  }

  for (i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) {
      return 0;
    }
    c = (c << 6) | (s[i] & 0x3f);
  }

  if (c < min[n] ||
      c > 0x10ffff ||
      (c >= 0xd800 && c <= 0xdfff)) {
    return 0;
  }

  *cp = c;
  return n;
}

int secftp_logesc_is_control(uint32_t cp) {
  /* Cc: C0, DEL, C1. */
  if (cp < 0x20 ||
      (cp >= 0x7f && cp <= 0x9f)) {
    return 1;
  }

  /* Cf, as Unicode 15 lists it. */
  return cp == 0xad ||
    (cp >= 0x600 && cp <= 0x605) ||
    cp == 0x61c || cp == 0x6dd || cp == 0x70f ||
    cp == 0x890 || cp == 0x891 || cp == 0x8e2 || cp == 0x180e ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x2064) ||
    (cp >= 0x2066 && cp <= 0x206f) ||
    cp == 0xfeff ||
    (cp >= 0xfff9 && cp <= 0xfffb) ||
    cp == 0x110bd || cp == 0x110cd ||
    (cp >= 0x13430 && cp <= 0x1343f) ||
    (cp >= 0x1bca0 && cp <= 0x1bca3) ||
    (cp >= 0x1d173 && cp <= 0x1d17a) ||
    cp == 0xe0001 ||
    (cp >= 0xe0020 && cp <= 0xe007f);
}

/* Appends piece (n bytes) when it fits whole.  used only grows, so once
 * a piece did not fit, none after it does either.
 */
static void put(char *dst, size_t dstlen, size_t *used, const char *piece,
    size_t n) {
  if (dstlen > 0 &&
      *used + n < dstlen) {
    memcpy(dst + *used, piece, n);
    dst[*used + n] = '\0';
  }

  *used += n;
}

size_t secftp_logesc(char *dst, size_t dstlen, const char *src,
    size_t srclen, int flags) {
  const unsigned char *s = (const unsigned char *) src;
  size_t used = 0, pos = 0;

  if (dstlen > 0) {
    dst[0] = '\0';
  }

  while (s != NULL &&
         pos < srclen) {
    char esc[16];
    uint32_t cp = 0;
    size_t n = secftp_logesc_utf8(s + pos, srclen - pos, &cp);

    if (n == 0) {
      snprintf(esc, sizeof(esc), "\\x%02X", s[pos]);
      put(dst, dstlen, &used, esc, 4);
      n = 1;

    } else if (secftp_logesc_is_control(cp)) {
      if (cp < 0x80) {
        snprintf(esc, sizeof(esc), "\\x%02X", (unsigned int) cp);

      } else {
        snprintf(esc, sizeof(esc), "\\u{%04X}", (unsigned int) cp);
      }
      put(dst, dstlen, &used, esc, strlen(esc));

    } else if (cp == '\\' &&
               (flags & SECFTP_LOGESC_BACKSLASH)) {
      put(dst, dstlen, &used, "\\\\", 2);

    } else {
      put(dst, dstlen, &used, (const char *) s + pos, n);
    }

    pos += n;
  }

  return used;
}
