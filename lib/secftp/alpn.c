/*
 * alpn: the strict ALPN policy (SecureALPN strict).
 */

#include "alpn.h"

#include <errno.h>
#include <string.h>

int secftp_alpn_find(const unsigned char *list, size_t list_len,
    const char *proto, const unsigned char **entry,
    unsigned char *entry_len) {
  size_t proto_len, pos = 0;
  int found = 0;

  if (list == NULL ||
      list_len == 0 ||
      proto == NULL ||
      *proto == '\0' ||
      entry == NULL ||
      entry_len == NULL) {
    errno = EINVAL;
    return -1;
  }

  proto_len = strlen(proto);

  /* The whole list is checked before answering: a malformed list is
   * refused even when "ftp" comes first.
   */
  while (pos < list_len) {
    size_t len = list[pos];

    if (len == 0 ||
        len > list_len - pos - 1) {
      errno = EINVAL;
      return -1;
    }

    if (!found &&
        len == proto_len &&
        memcmp(list + pos + 1, proto, len) == 0) {
      *entry = list + pos + 1;
      *entry_len = (unsigned char) len;
      found = 1;
    }

    pos += len + 1;
  }

  return found;
}

static int select_ftp(SSL *ssl, const unsigned char **out,
    unsigned char *outlen, const unsigned char *in, unsigned int inlen,
    void *arg) {
  (void) ssl;
  (void) arg;

  if (secftp_alpn_find(in, inlen, SECFTP_ALPN_FTP, out, outlen) == 1) {
    return SSL_TLSEXT_ERR_OK;
  }

  /* Fatal no_application_protocol: this client speaks something else. */
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

int secftp_alpn_require_ftp(SSL_CTX *ctx) {
  if (ctx == NULL) {
    errno = EINVAL;
    return -1;
  }

  SSL_CTX_set_alpn_select_cb(ctx, select_ftp, NULL);
  return 0;
}
