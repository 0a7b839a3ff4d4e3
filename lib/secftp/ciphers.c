/*
 * ciphers: CipherSuite and SecureGroups names → OpenSSL lists.
 *
 * Suite names are resolved by asking OpenSSL, not by a table kept here: a
 * scratch SSL_CTX loaded with every suite this OpenSSL build offers is
 * searched by both its OpenSSL and its IANA (standard) names.  The module
 * therefore knows exactly the suites the library can negotiate, no more.
 *
 * The directive takes explicit suite names only.  OpenSSL cipher strings
 * ("HIGH:!aNULL", "ALL", "+RSA", "@SECLEVEL=0") are refused: their meaning
 * changes between OpenSSL releases and distribution configurations, so the
 * list a server negotiates could drift without its configuration changing,
 * and an administrator could not read from the file what is enabled.
 *
 * A suite named twice keeps its first position and the repeat is ignored:
 * with the directive repeatable, lines are often assembled from snippets,
 * and a repeat cannot weaken anything, so refusing it would only get in
 * the way.  Groups follow the same rule.
 */

#include "ciphers.h"
#include "values.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

/* Longer than any suite or group name OpenSSL knows (the longest suite
 * name is under 50 characters); anything longer is refused unread.
 */
#define NAME_MAX_LEN		64

/* How much of a bad token an error message quotes. */
#define SHOWN_TOKEN_LEN		48

static const char *const default_tls12 =
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

static const char *const default_tls13 =
  "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
  "TLS_CHACHA20_POLY1305_SHA256";

static const char *const default_groups = "X25519:P-256:P-384";

/* Why a suite is refused; shared by the name and the property checks. */
static const char *const why_null = "has no encryption (NULL)";
static const char *const why_anon =
  "is anonymous (the server is not authenticated)";
static const char *const why_export = "is an export suite";
static const char *const why_rc4 = "uses RC4";
static const char *const why_des = "uses DES";
static const char *const why_3des = "uses 3DES";
static const char *const why_md5 = "uses an MD5 MAC";
static const char *const why_psk =
  "needs a pre-shared key, which mod_secftp does not configure";
static const char *const why_srp =
  "needs an SRP verifier, which mod_secftp does not configure";
static const char *const why_short = "has a key shorter than 128 bits";

/* Words of a suite name (between '-' and '_') that mark a refused class.
 * Checked before asking OpenSSL so that suites this build no longer offers
 * (RC4, DES, export) are refused for what they are, not as unknown.  The
 * more specific word comes first: DES-CBC3 is 3DES, not DES.
 */
static const struct {
  const char *word;
  const char *const *why;
} refused_words[] = {
  { "NULL", &why_null },
  { "ANON", &why_anon },
  { "ADH", &why_anon },
  { "AECDH", &why_anon },
  { "EXP", &why_export },
  { "EXP1024", &why_export },
  { "EXPORT", &why_export },
  { "EXPORT40", &why_export },
  { "EXPORT1024", &why_export },
  { "RC4", &why_rc4 },
  { "3DES", &why_3des },
  { "CBC3", &why_3des },
  { "DES", &why_des },
  { "DES40", &why_des },
  { "MD5", &why_md5 },
  { "PSK", &why_psk },
  { "SRP", &why_srp },
  { NULL, NULL }
};

/* The TLS versions of the SecureProtocol bits, with OpenSSL's names. */
static const struct {
  unsigned int bit;
  int version;
  const char *name;
} protocol_versions[] = {
  { SECFTP_PROTO_TLS1_0, TLS1_VERSION, "TLSv1" },
  { SECFTP_PROTO_TLS1_1, TLS1_1_VERSION, "TLSv1.1" },
  { SECFTP_PROTO_TLS1_2, TLS1_2_VERSION, "TLSv1.2" },
  { SECFTP_PROTO_TLS1_3, TLS1_3_VERSION, "TLSv1.3" },
  { 0, 0, NULL }
};

/* SSL_CIPHER_get_version() names the lowest version a suite works with. */
static const struct {
  const char *name;
  int version;
} cipher_versions[] = {
  { "SSLv3", SSL3_VERSION },
  { "TLSv1", TLS1_VERSION },
  { "TLSv1.0", TLS1_VERSION },
  { "TLSv1.1", TLS1_1_VERSION },
  { "TLSv1.2", TLS1_2_VERSION },
  { "TLSv1.3", TLS1_3_VERSION },
  { NULL, 0 }
};

/* Every suite this OpenSSL offers: the TLS 1.2-and-older ones in the
 * scratch context's cipher list, the TLS 1.3 ones found by their ids.
 */
struct catalog {
  SSL_CTX *ctx;
  SSL *ssl;
  STACK_OF(SSL_CIPHER) *ciphers;
};

static int complain(char *err, size_t err_len, int code, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static int complain(char *err, size_t err_len, int code, const char *fmt,
    ...) {
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(err, err_len, fmt, ap);
  va_end(ap);
  return code;
}

/* A bad token as an error message may quote it: printable, bounded. */
static void show_token(const char *token, char *buf, size_t buf_len) {
  size_t i, n = 0;

  for (i = 0; token[i] != '\0' && n + 4 <= buf_len; i++) {
    if (i == SHOWN_TOKEN_LEN) {
      memcpy(buf + n, "...", 3);
      n += 3;
      break;
    }

    buf[n++] = isprint((unsigned char) token[i]) ? token[i] : '?';
  }

  buf[n] = '\0';
}

/* Suite and group names are letters, digits, '-' and '_'; anything else
 * (':', '!', '+', '@', '=', spaces) belongs to OpenSSL's string syntax.
 */
static int is_name(const char *token) {
  const char *p;

  for (p = token; *p != '\0'; p++) {
    if (!isalnum((unsigned char) *p) &&
        *p != '-' &&
        *p != '_') {
      return 0;
    }
  }

  return 1;
}

/* Checks what every name must be; returns 0 or an errno value. */
static int check_name(const char *token, const char *what, char *err,
    size_t err_len) {
  char shown[SHOWN_TOKEN_LEN + 4];

  if (token == NULL ||
      *token == '\0') {
    return complain(err, err_len, EINVAL, "empty %s name", what);
  }

  show_token(token, shown, sizeof(shown));
  if (strlen(token) > NAME_MAX_LEN) {
    return complain(err, err_len, EINVAL, "'%s' is too long for a %s name",
      shown, what);
  }

  if (!is_name(token)) {
    return complain(err, err_len, EINVAL,
      "'%s' is not a %s name (name them one by one, without OpenSSL "
      "cipher-string operators)", shown, what);
  }

  return 0;
}

/* Whether word occurs in name as a whole '-'/'_'-separated word. */
static int has_word(const char *name, const char *word) {
  size_t len = strlen(word);
  const char *p = name;

  while (*p != '\0') {
    size_t n = strcspn(p, "-_");

    if (n == len &&
        strncasecmp(p, word, len) == 0) {
      return 1;
    }

    p += n;
    if (*p != '\0') {
      p++;
    }
  }

  return 0;
}

static const char *refused_by_name(const char *name) {
  size_t i;

  for (i = 0; refused_words[i].word != NULL; i++) {
    if (has_word(name, refused_words[i].word)) {
      return *refused_words[i].why;
    }
  }

  return NULL;
}

/* What OpenSSL says the suite is, whatever it is called. */
static const char *refused_by_properties(const SSL_CIPHER *cipher) {
  int kx = SSL_CIPHER_get_kx_nid(cipher);
  int auth = SSL_CIPHER_get_auth_nid(cipher);

  if (SSL_CIPHER_get_cipher_nid(cipher) == NID_undef) {
    return why_null;
  }

  if (auth == NID_auth_null) {
    return why_anon;
  }

  if (auth == NID_auth_psk ||
      kx == NID_kx_psk ||
      kx == NID_kx_rsa_psk ||
      kx == NID_kx_dhe_psk ||
      kx == NID_kx_ecdhe_psk) {
    return why_psk;
  }

  if (auth == NID_auth_srp ||
      kx == NID_kx_srp) {
    return why_srp;
  }

  if (SSL_CIPHER_get_bits(cipher, NULL) < 128) {
    return why_short;
  }

  if (SSL_CIPHER_get_digest_nid(cipher) == NID_md5) {
    return why_md5;
  }

  return NULL;
}

/* The lowest TLS version the suite works with; a name this code does not
 * know is taken as TLS 1.2, the version every non-1.3 suite works with.
 */
static int cipher_min_version(const SSL_CIPHER *cipher) {
  const char *name = SSL_CIPHER_get_version(cipher);
  size_t i;

  for (i = 0; cipher_versions[i].name != NULL; i++) {
    if (strcmp(name, cipher_versions[i].name) == 0) {
      return cipher_versions[i].version;
    }
  }

  return TLS1_2_VERSION;
}

static int cipher_has_name(const SSL_CIPHER *cipher, const char *name) {
  const char *iana = SSL_CIPHER_standard_name(cipher);

  return strcasecmp(SSL_CIPHER_get_name(cipher), name) == 0 ||
    (iana != NULL && strcasecmp(iana, name) == 0);
}

static void catalog_close(struct catalog *cat) {
  SSL_free(cat->ssl);
  SSL_CTX_free(cat->ctx);
}

static int catalog_open(struct catalog *cat) {
  memset(cat, 0, sizeof(*cat));

  /* COMPLEMENTOFALL adds the suites ALL leaves out (NULL ones), so that a
   * weak suite is refused by its properties, not reported as unknown.
   */
  cat->ctx = SSL_CTX_new(TLS_server_method());
  if (cat->ctx == NULL ||
      SSL_CTX_set_cipher_list(cat->ctx, "ALL:COMPLEMENTOFALL") != 1 ||
      (cat->ssl = SSL_new(cat->ctx)) == NULL) {
    catalog_close(cat);
    return -1;
  }

  cat->ciphers = SSL_CTX_get_ciphers(cat->ctx);
  return 0;
}

static const SSL_CIPHER *catalog_find(const struct catalog *cat,
    const char *name) {
  unsigned int i;
  int count;

  /* TLS 1.3 suites are only in a cipher list once configured with
   * SSL_CTX_set_ciphersuites(), so they are looked up by id instead: all of
   * them live in 0x13,0xNN (RFC 8446, B.4).
   */
  for (i = 0; i < 256; i++) {
    const unsigned char id[2] = { 0x13, (unsigned char) i };
    const SSL_CIPHER *cipher = SSL_CIPHER_find(cat->ssl, id);

    if (cipher != NULL &&
        cipher_has_name(cipher, name)) {
      return cipher;
    }
  }

  count = sk_SSL_CIPHER_num(cat->ciphers);
  for (i = 0; (int) i < count; i++) {
    const SSL_CIPHER *cipher = sk_SSL_CIPHER_value(cat->ciphers, i);

    if (cipher_has_name(cipher, name)) {
      return cipher;
    }
  }

  return NULL;
}

/* Whether list (colon-separated) holds name. */
static int list_has(const char *list, const char *name) {
  size_t len = strlen(name);
  const char *p = list;

  while (*p != '\0') {
    size_t n = strcspn(p, ":");

    if (n == len &&
        strncmp(p, name, len) == 0) {
      return 1;
    }

    p += n;
    if (*p == ':') {
      p++;
    }
  }

  return 0;
}

/* Appends name to list; returns 0, or ENOSPC leaving list as it was. */
static int list_append(char *list, size_t list_len, const char *name) {
  size_t used = strlen(list), len = strlen(name);
  size_t sep = used > 0 ? 1 : 0;

  if (used + sep + len + 1 > list_len) {
    return ENOSPC;
  }

  if (sep) {
    list[used] = ':';
  }

  memcpy(list + used + sep, name, len + 1);
  return 0;
}

/* A token OpenSSL reads as a cipher-string keyword (ALL, HIGH, aNULL,
 * ECDHE, ...).  Probed on the scratch SSL, whose own list the catalog does
 * not use.
 */
static int is_cipher_keyword(const struct catalog *cat, const char *token) {
  return SSL_set_cipher_list(cat->ssl, token) == 1;
}

/* Resolves one CipherSuite token and appends it to the list of its TLS
 * version.  Returns 0 or an errno value, with a message in err.
 */
static int add_suite(const struct catalog *cat, const char *token,
    char *tls12, size_t tls12_len, char *tls13, size_t tls13_len,
    char *err, size_t err_len) {
  const SSL_CIPHER *cipher;
  const char *why, *name;
  char shown[SHOWN_TOKEN_LEN + 4];
  int res, tls13_suite;

  res = check_name(token, "cipher suite", err, err_len);
  if (res != 0) {
    return res;
  }

  show_token(token, shown, sizeof(shown));
  why = refused_by_name(token);
  if (why != NULL) {
    return complain(err, err_len, EPERM, "cipher suite '%s' %s: refused",
      shown, why);
  }

  cipher = catalog_find(cat, token);
  if (cipher == NULL) {
    if (is_cipher_keyword(cat, token)) {
      return complain(err, err_len, EINVAL,
        "'%s' is an OpenSSL cipher-string keyword, not a cipher suite "
        "(name suites one by one)", shown);
    }

    return complain(err, err_len, ENOENT,
      "unknown cipher suite '%s' (or not offered by this OpenSSL)", shown);
  }

  why = refused_by_properties(cipher);
  if (why != NULL) {
    return complain(err, err_len, EPERM, "cipher suite '%s' %s: refused",
      shown, why);
  }

  name = SSL_CIPHER_get_name(cipher);
  tls13_suite = cipher_min_version(cipher) == TLS1_3_VERSION;
  if (list_has(tls13_suite ? tls13 : tls12, name)) {
    return 0;
  }

  res = tls13_suite ? list_append(tls13, tls13_len, name) :
    list_append(tls12, tls12_len, name);
  if (res != 0) {
    return complain(err, err_len, res, "too many cipher suites (at '%s')",
      shown);
  }

  return 0;
}

int secftp_ciphers_translate(const char *const *tokens, size_t ntokens,
    char *tls12, size_t tls12_len, char *tls13, size_t tls13_len,
    char *err, size_t err_len) {
  struct catalog cat;
  size_t i;
  int res = 0;

  if (tokens == NULL ||
      ntokens == 0 ||
      tls12 == NULL ||
      tls12_len == 0 ||
      tls13 == NULL ||
      tls13_len == 0 ||
      err == NULL ||
      err_len == 0) {
    errno = EINVAL;
    return -1;
  }

  tls12[0] = tls13[0] = err[0] = '\0';

  /* The failed probes leave errors on OpenSSL's queue; take ours off. */
  ERR_set_mark();
  if (catalog_open(&cat) < 0) {
    res = complain(err, err_len, ENOMEM,
      "cannot list OpenSSL's cipher suites");

  } else {
    for (i = 0; i < ntokens && res == 0; i++) {
      res = add_suite(&cat, tokens[i], tls12, tls12_len, tls13, tls13_len,
        err, err_len);
    }

    catalog_close(&cat);
  }
  ERR_pop_to_mark();

  if (res != 0) {
    tls12[0] = tls13[0] = '\0';
    errno = res;
    return -1;
  }

  return 0;
}

/* Whether a suite of list (colon-separated OpenSSL names) works with the
 * TLS version.  Names the catalog does not know count for nothing.
 */
static int list_serves_version(const struct catalog *cat, const char *list,
    int version) {
  const char *p = list;

  while (*p != '\0') {
    size_t n = strcspn(p, ":");

    if (n > 0 &&
        n <= NAME_MAX_LEN) {
      char name[NAME_MAX_LEN + 1];
      const SSL_CIPHER *cipher;

      memcpy(name, p, n);
      name[n] = '\0';
      cipher = catalog_find(cat, name);
      if (cipher != NULL) {
        int min = cipher_min_version(cipher);

        /* A TLS 1.3 suite serves TLS 1.3 only; the others serve every
         * version from their lowest up to TLS 1.2.
         */
        if (version == TLS1_3_VERSION ?
            min == TLS1_3_VERSION :
            min != TLS1_3_VERSION && min <= version) {
          return 1;
        }
      }
    }

    p += n;
    if (*p == ':') {
      p++;
    }
  }

  return 0;
}

int secftp_ciphers_check_protocols(unsigned int protocols, const char *tls12,
    const char *tls13, char *err, size_t err_len) {
  struct catalog cat;
  size_t i;
  int res = 0;

  if (protocols == 0 ||
      tls12 == NULL ||
      tls13 == NULL ||
      err == NULL ||
      err_len == 0) {
    errno = EINVAL;
    return -1;
  }

  err[0] = '\0';
  ERR_set_mark();
  if (catalog_open(&cat) < 0) {
    res = complain(err, err_len, ENOMEM,
      "cannot list OpenSSL's cipher suites");

  } else {
    for (i = 0; protocol_versions[i].name != NULL && res == 0; i++) {
      int version = protocol_versions[i].version;

      if ((protocols & protocol_versions[i].bit) == 0 ||
          list_serves_version(&cat,
            version == TLS1_3_VERSION ? tls13 : tls12, version)) {
        continue;
      }

      res = complain(err, err_len, EINVAL,
        "%s is enabled (SecureProtocol) but no CipherSuite suite works "
        "with it", protocol_versions[i].name);
    }

    catalog_close(&cat);
  }
  ERR_pop_to_mark();

  if (res != 0) {
    errno = res;
    return -1;
  }

  return 0;
}

const char *secftp_ciphers_default_tls12(void) {
  return default_tls12;
}

const char *secftp_ciphers_default_tls13(void) {
  return default_tls13;
}

/* The spelling of token OpenSSL accepts as a group, written into buf.
 * OpenSSL matches some group names exactly ("P-256", "ffdhe2048"), so
 * the token, then its upper-case and lower-case forms, are tried.
 */
static int group_spelling(SSL_CTX *ctx, const char *token, char *buf) {
  int pass;

  for (pass = 0; pass < 3; pass++) {
    size_t i;

    for (i = 0; token[i] != '\0'; i++) {
      unsigned char c = (unsigned char) token[i];

      buf[i] = pass == 1 ? toupper(c) : pass == 2 ? tolower(c) : c;
    }

    buf[i] = '\0';
    if (SSL_CTX_set1_groups_list(ctx, buf) == 1) {
      return 0;
    }
  }

  return -1;
}

static int add_group(SSL_CTX *ctx, const char *token, char *groups,
    size_t groups_len, char *err, size_t err_len) {
  char name[NAME_MAX_LEN + 1], shown[SHOWN_TOKEN_LEN + 4];
  size_t used;
  int res;

  res = check_name(token, "key-exchange group", err, err_len);
  if (res != 0) {
    return res;
  }

  show_token(token, shown, sizeof(shown));
  if (group_spelling(ctx, token, name) < 0) {
    return complain(err, err_len, ENOENT,
      "unknown key-exchange group '%s' (or not offered by this OpenSSL)",
      shown);
  }

  used = strlen(groups);
  res = list_append(groups, groups_len, name);
  if (res != 0) {
    return complain(err, err_len, res, "too many groups (at '%s')", shown);
  }

  /* OpenSSL refuses a list naming one group twice, under any of its names
   * (P-256, prime256v1, secp256r1): that is how a repeat shows.
   */
  if (SSL_CTX_set1_groups_list(ctx, groups) != 1) {
    groups[used] = '\0';
  }

  return 0;
}

int secftp_groups_translate(const char *const *tokens, size_t ntokens,
    char *groups, size_t groups_len, char *err, size_t err_len) {
  SSL_CTX *ctx;
  size_t i;
  int res = 0;

  if (tokens == NULL ||
      ntokens == 0 ||
      groups == NULL ||
      groups_len == 0 ||
      err == NULL ||
      err_len == 0) {
    errno = EINVAL;
    return -1;
  }

  groups[0] = err[0] = '\0';
  ERR_set_mark();
  ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == NULL) {
    res = complain(err, err_len, ENOMEM,
      "cannot create an OpenSSL context to check groups");
  }

  for (i = 0; i < ntokens && res == 0; i++) {
    res = add_group(ctx, tokens[i], groups, groups_len, err, err_len);
  }

  SSL_CTX_free(ctx);
  ERR_pop_to_mark();

  if (res != 0) {
    groups[0] = '\0';
    errno = res;
    return -1;
  }

  return 0;
}

const char *secftp_groups_default(void) {
  return default_groups;
}
