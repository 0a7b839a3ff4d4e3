/*
 * sniname: the server_name extension, parsed from untrusted bytes.
 */

#include "secftp/sniname.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

/* The NameType of a DNS host name (RFC 6066 section 3). */
#define SNI_HOST_NAME		0

static size_t get_u16(const unsigned char *p) {
  return ((size_t) p[0] << 8) | (size_t) p[1];
}

int secftp_sni_parse(const unsigned char *ext, size_t len, char *name,
    size_t name_len) {
  size_t list_len, pos;
  int found = 0;

  if (ext == NULL ||
      name == NULL ||
      name_len == 0) {
    errno = EINVAL;
    return -1;
  }

  name[0] = '\0';

  /* ServerNameList: a 16-bit length, then the entries, filling it exactly. */
  if (len < 2) {
    errno = EPROTO;
    return -1;
  }

  list_len = get_u16(ext);
  if (list_len != len - 2 ||
      list_len == 0) {
    errno = EPROTO;
    return -1;
  }

  pos = 2;
  while (pos < len) {
    unsigned int type;
    size_t entry_len;

    /* Each entry: NameType (1 byte), a 16-bit length, the name. */
    if (len - pos < 3) {
      errno = EPROTO;
      return -1;
    }

    type = ext[pos];
    entry_len = get_u16(ext + pos + 1);
    pos += 3;
    if (entry_len > len - pos) {
      errno = EPROTO;
      return -1;
    }

    if (type == SNI_HOST_NAME) {
      /* One host_name only (RFC 6066), never empty, never with a NUL. */
      if (found ||
          entry_len == 0 ||
          memchr(ext + pos, '\0', entry_len) != NULL) {
        errno = EPROTO;
        return -1;
      }

      if (entry_len > SECFTP_SNI_NAME_MAX ||
          entry_len >= name_len) {
        errno = ENAMETOOLONG;
        return -1;
      }

      memcpy(name, ext + pos, entry_len);
      name[entry_len] = '\0';
      found = 1;
    }

    pos += entry_len;
  }

  if (!found) {
    errno = ENOENT;
    return -1;
  }

  return 0;
}

int secftp_sni_is_ip_literal(const char *name) {
  unsigned char addr[sizeof(struct in6_addr)];
  char buf[SECFTP_SNI_NAME_MAX + 1];
  size_t len;

  if (name == NULL) {
    errno = EINVAL;
    return -1;
  }

  if (inet_pton(AF_INET, name, addr) == 1 ||
      inet_pton(AF_INET6, name, addr) == 1) {
    return 1;
  }

  /* Some clients bracket IPv6 literals, as in URLs. */
  len = strlen(name);
  if (len > 2 &&
      len < sizeof(buf) &&
      name[0] == '[' &&
      name[len - 1] == ']') {
    memcpy(buf, name + 1, len - 2);
    buf[len - 2] = '\0';
    return inet_pton(AF_INET6, buf, addr) == 1;
  }

  return 0;
}

int secftp_sni_is_hostname(const char *name) {
  size_t label = 0;
  const char *p;

  if (name == NULL) {
    errno = EINVAL;
    return -1;
  }

  if (*name == '\0' ||
      strlen(name) > SECFTP_SNI_NAME_MAX) {
    return 0;
  }

  for (p = name; *p != '\0'; p++) {
    unsigned char c = (unsigned char) *p;

    if (c == '.') {
      /* No empty label; one trailing dot (the root) is allowed. */
      if (label == 0) {
        return 0;
      }
      label = 0;
      continue;
    }

    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return 0;
    }

    if (++label > 63) {
      return 0;
    }
  }

  return 1;
}
