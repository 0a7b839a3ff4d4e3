/*
 * record: sealed, versioned records for Redis.
 */

#include "record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#define HEADER_LEN	16
#define NONCE_LEN	12
#define TAG_LEN		16

static const unsigned char record_magic[3] = { 'S', 'F', 'R' };

/* Fixed salt: the secret is already random; the salt only separates this
 * use of it from any other.
 */
static const char kdf_salt[] = "mod_secftp fleet records";

int secftp_record_derive_key(const unsigned char *secret, size_t secret_len,
    const char *purpose, unsigned char key[SECFTP_RECORD_KEY_LEN]) {
  EVP_KDF *kdf;
  EVP_KDF_CTX *kctx;
  OSSL_PARAM params[5], *p = params;
  int res;

  if (secret == NULL ||
      purpose == NULL ||
      *purpose == '\0' ||
      key == NULL ||
      secret_len < SECFTP_RECORD_SECRET_MIN) {
    errno = EINVAL;
    return -1;
  }

  kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
  if (kdf == NULL) {
    errno = EIO;
    return -1;
  }

  kctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (kctx == NULL) {
    errno = EIO;
    return -1;
  }

  *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256",
    0);
  *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
    (void *) secret, secret_len);
  *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
    (void *) kdf_salt, sizeof(kdf_salt) - 1);
  *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
    (void *) purpose, strlen(purpose));
  *p = OSSL_PARAM_construct_end();

  res = EVP_KDF_derive(kctx, key, SECFTP_RECORD_KEY_LEN, params);
  EVP_KDF_CTX_free(kctx);
  if (res != 1) {
    errno = EIO;
    return -1;
  }

  return 0;
}

static void put_u64(unsigned char *buf, uint64_t v) {
  int i;

  for (i = 7; i >= 0; i--) {
    buf[i] = (unsigned char) (v & 0xff);
    v >>= 8;
  }
}

static uint64_t get_u64(const unsigned char *buf) {
  uint64_t v = 0;
  int i;

  for (i = 0; i < 8; i++) {
    v = (v << 8) | buf[i];
  }

  return v;
}

static void make_header(unsigned char header[HEADER_LEN], int type,
    time_t expires) {
  memcpy(header, record_magic, sizeof(record_magic));
  header[3] = SECFTP_RECORD_VERSION;
  header[4] = (unsigned char) type;
  header[5] = header[6] = header[7] = 0;
  put_u64(header + 8, (uint64_t) expires);
}

/* One AES-256-GCM pass over in.  The additional data is the header and the
 * record's name.  When decrypting, tag is checked; when encrypting, it is
 * written.  Returns 0, or -1 (for decryption: not authentic).
 */
static int gcm(int encrypt, const unsigned char *key,
    const unsigned char *header, const char *name,
    const unsigned char *nonce, const unsigned char *in, size_t len,
    unsigned char *out, unsigned char *tag) {
  EVP_CIPHER_CTX *cctx;
  int n, ok;

  cctx = EVP_CIPHER_CTX_new();
  if (cctx == NULL) {
    return -1;
  }

  ok = EVP_CipherInit_ex(cctx, EVP_aes_256_gcm(), NULL, NULL, NULL,
      encrypt) == 1 &&
    EVP_CIPHER_CTX_ctrl(cctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
    EVP_CipherInit_ex(cctx, NULL, NULL, key, nonce, encrypt) == 1 &&
    EVP_CipherUpdate(cctx, NULL, &n, header, HEADER_LEN) == 1 &&
    EVP_CipherUpdate(cctx, NULL, &n, (const unsigned char *) name,
      (int) strlen(name)) == 1 &&
    (len == 0 ||
     EVP_CipherUpdate(cctx, out, &n, in, (int) len) == 1);

  if (ok && !encrypt) {
    ok = EVP_CIPHER_CTX_ctrl(cctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1;
  }

  ok = ok && EVP_CipherFinal_ex(cctx, out + len, &n) == 1;

  if (ok && encrypt) {
    ok = EVP_CIPHER_CTX_ctrl(cctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1;
  }

  EVP_CIPHER_CTX_free(cctx);
  return ok ? 0 : -1;
}

int secftp_record_seal(const unsigned char key[SECFTP_RECORD_KEY_LEN],
    int type, const char *name, time_t expires, const unsigned char *plain,
    size_t plain_len, char *text, size_t text_size) {
  unsigned char *bin;
  size_t bin_len;
  int text_len;

  if (key == NULL ||
      name == NULL ||
      text == NULL ||
      (plain == NULL && plain_len > 0) ||
      type <= 0 || type > 255) {
    errno = EINVAL;
    return -1;
  }

  bin_len = plain_len + SECFTP_RECORD_OVERHEAD;
  if (plain_len > SECFTP_RECORD_PLAIN_MAX ||
      text_size < ((bin_len + 2) / 3) * 4 + 1) {
    errno = EMSGSIZE;
    return -1;
  }

  bin = malloc(bin_len);
  if (bin == NULL) {
    errno = ENOMEM;
    return -1;
  }

  make_header(bin, type, expires);
  if (RAND_bytes(bin + HEADER_LEN, NONCE_LEN) != 1 ||
      gcm(1, key, bin, name, bin + HEADER_LEN, plain, plain_len,
        bin + HEADER_LEN + NONCE_LEN,
        bin + HEADER_LEN + NONCE_LEN + plain_len) < 0) {
    OPENSSL_cleanse(bin, bin_len);
    free(bin);
    errno = EIO;
    return -1;
  }

  text_len = EVP_EncodeBlock((unsigned char *) text, bin, (int) bin_len);
  free(bin);
  return text_len;
}

/* The 6-bit value of a base64 character (the character is known valid:
 * EVP_DecodeBlock accepted the text).
 */
static unsigned int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') {
    return (unsigned int) (c - 'A');
  }

  if (c >= 'a' && c <= 'z') {
    return (unsigned int) (c - 'a') + 26;
  }

  if (c >= '0' && c <= '9') {
    return (unsigned int) (c - '0') + 52;
  }

  return c == '+' ? 62 : 63;
}

/* Decodes base64 text into bin (SECFTP_RECORD_BIN_MAX bytes).  Returns the
 * byte count, or -1.
 */
static int decode_text(const char *text, size_t text_len, unsigned char *bin) {
  int n;

  if (text_len == 0 ||
      text_len % 4 != 0 ||
      text_len > ((SECFTP_RECORD_BIN_MAX + 2) / 3) * 4 ||
      memchr(text, '\0', text_len) != NULL) {
    return -1;
  }

  n = EVP_DecodeBlock(bin, (const unsigned char *) text, (int) text_len);
  if (n < 0) {
    return -1;
  }

  /* EVP_DecodeBlock counts the padding as zero bytes, and ignores the
   * unused low bits of the last character before it: those must be zero,
   * so that exactly one text stands for a record and any changed
   * character is refused.
   */
  if (text[text_len - 1] == '=') {
    int pad = text[text_len - 2] == '=' ? 2 : 1;
    unsigned int unused_mask = pad == 2 ? 0x0f : 0x03;

    if ((b64_value(text[text_len - 1 - pad]) & unused_mask) != 0) {
      return -1;
    }

    n -= pad;
  }

  return n;
}

/* Checks what can be checked before decryption.  Returns 0 or an errno. */
static int check_header(const unsigned char *bin, size_t bin_len, int type) {
  if (bin_len < SECFTP_RECORD_OVERHEAD ||
      bin_len > SECFTP_RECORD_BIN_MAX ||
      memcmp(bin, record_magic, sizeof(record_magic)) != 0 ||
      bin[5] != 0 || bin[6] != 0 || bin[7] != 0) {
    return EBADMSG;
  }

  if (bin[3] != SECFTP_RECORD_VERSION) {
    return EPROTONOSUPPORT;
  }

  if (bin[4] != (unsigned char) type) {
    return ENOMSG;
  }

  return 0;
}

int secftp_record_open(const unsigned char key[SECFTP_RECORD_KEY_LEN],
    int type, const char *name, time_t now, const char *text,
    size_t text_len, unsigned char *plain, size_t plain_size) {
  unsigned char *bin;
  int n, xerrno = 0;
  size_t plain_len = 0;

  if (key == NULL ||
      name == NULL ||
      text == NULL ||
      plain == NULL) {
    errno = EINVAL;
    return -1;
  }

  bin = malloc(SECFTP_RECORD_BIN_MAX + 3);
  if (bin == NULL) {
    errno = ENOMEM;
    return -1;
  }

  n = decode_text(text, text_len, bin);
  if (n < 0) {
    xerrno = EBADMSG;

  } else {
    xerrno = check_header(bin, (size_t) n, type);
  }

  if (xerrno == 0) {
    plain_len = (size_t) n - SECFTP_RECORD_OVERHEAD;
    if (plain_len > plain_size) {
      xerrno = EMSGSIZE;

    } else if (gcm(0, key, bin, name, bin + HEADER_LEN,
        bin + HEADER_LEN + NONCE_LEN, plain_len, plain,
        bin + HEADER_LEN + NONCE_LEN + plain_len) < 0) {
      OPENSSL_cleanse(plain, plain_len);
      xerrno = EACCES;

    } else if ((uint64_t) now >= get_u64(bin + 8)) {
      OPENSSL_cleanse(plain, plain_len);
      xerrno = ESTALE;
    }
  }

  free(bin);
  if (xerrno != 0) {
    errno = xerrno;
    return -1;
  }

  return (int) plain_len;
}

const char *secftp_record_strerror(int xerrno) {
  switch (xerrno) {
    case EBADMSG:
      return "malformed record";

    case EPROTONOSUPPORT:
      return "unknown record version";

    case ENOMSG:
      return "record of another type";

    case EACCES:
      return "record failed authentication (tampered, or another "
        "SecureTicketKeyFile)";

    case ESTALE:
      return "record expired";

    case EMSGSIZE:
      return "record too large";

    default:
      return strerror(xerrno);
  }
}
