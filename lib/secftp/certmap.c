/*
 * certmap: SecureCertMap rules, certificate -> user name.
 */

#include "certmap.h"
#include "dn.h"
#include "logesc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#define SHA256_LEN	32

/* Where a rule takes its user name from. */
enum user_field {
  FIELD_NONE = 0,	/* the static name in the rule */
  FIELD_CN,
  FIELD_UID,
  FIELD_EMAIL,
  FIELD_UPN
};

static const struct {
  const char *name;
  enum user_field field;
} user_fields[] = {
  { "@CN", FIELD_CN },
  { "@UID", FIELD_UID },
  { "@email", FIELD_EMAIL },
  { "@upn", FIELD_UPN },
  { NULL, FIELD_NONE }
};

struct certmap_rule {
  unsigned int line;
  int is_cert;

  /* cert rules */
  unsigned char sha256[SHA256_LEN];

  /* filter rules: either may be NULL, not both */
  struct secftp_dn *subject;
  struct secftp_dn *issuer;

  enum user_field field;
  char *user;
};

struct secftp_certmap {
  struct certmap_rule *rules;
  size_t nrules;

  /* The cert rules, sorted by fingerprint for bsearch(3). */
  const struct certmap_rule **certs;
  size_t ncerts;
};

/* One line of map text being parsed. */
struct line_parser {
  const char *s;
  size_t len;
  size_t pos;
  unsigned int lineno;
  struct secftp_certmap_error *err;
};

static int line_error(struct line_parser *lp, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

static int line_error(struct line_parser *lp, const char *fmt, ...) {
  va_list ap;

  if (lp->err != NULL) {
    lp->err->line = lp->lineno;
    va_start(ap, fmt);
    vsnprintf(lp->err->msg, sizeof(lp->err->msg), fmt, ap);
    va_end(ap);
  }

  errno = EINVAL;
  return -1;
}

/* A printable, bounded copy of a token for an error message. */
static const char *shown(char buf[48], const char *s, size_t n) {
  size_t i, max = 40;

  for (i = 0; i < n && i < max; i++) {
    unsigned char c = (unsigned char) s[i];

    buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char) c;
  }

  if (n > max) {
    memcpy(buf + max, "...", 3);
    i = max + 3;
  }

  buf[i] = '\0';
  return buf;
}

static int is_blank(char c) {
  return c == ' ' || c == '\t';
}

static void skip_blanks(struct line_parser *lp) {
  while (lp->pos < lp->len &&
         is_blank(lp->s[lp->pos])) {
    lp->pos++;
  }
}

/* Moves to the next word; returns 0 at the end of the line or at a
 * comment, 1 otherwise.
 */
static int at_word(struct line_parser *lp) {
  skip_blanks(lp);
  return lp->pos < lp->len && lp->s[lp->pos] != '#';
}

/* Reads a plain blank-delimited word. */
static int next_word(struct line_parser *lp, const char **word, size_t *n) {
  size_t start;

  if (!at_word(lp)) {
    return 0;
  }

  start = lp->pos;
  while (lp->pos < lp->len &&
         !is_blank(lp->s[lp->pos])) {
    lp->pos++;
  }

  *word = lp->s + start;
  *n = lp->pos - start;
  return 1;
}

static int word_is(const char *word, size_t n, const char *keyword) {
  return strlen(keyword) == n &&
    strncasecmp(word, keyword, n) == 0;
}

/* A Unicode format or bidi control (U+202E, U+200B-U+200F, U+FEFF...)
 * makes a name look like another one: such a name never maps (SPEC 6.1).
 */
static int has_format_control(const unsigned char *name, size_t len) {
  size_t pos = 0;

  while (pos < len) {
    uint32_t cp = 0;
    size_t n = secftp_logesc_utf8(name + pos, len - pos, &cp);

    if (n == 0 ||
        secftp_logesc_is_control(cp)) {
      return 1;
    }
    pos += n;
  }

  return 0;
}

int secftp_certmap_user_ok(const unsigned char *name, size_t len) {
  if (name == NULL ||
      len == 0 ||
      len > SECFTP_CERTMAP_USER_MAX) {
    return 0;
  }

  if ((len == 1 && name[0] == '.') ||
      (len == 2 && name[0] == '.' && name[1] == '.')) {
    return 0;
  }

  return memchr(name, '/', len) == NULL &&
    !secftp_dn_has_control(name, len) &&
    secftp_dn_utf8_valid(name, len) &&
    !has_format_control(name, len);
}

/* A user name written in a rule: a sane user name that the rule syntax
 * cannot misread.
 */
static int parse_static_user(struct line_parser *lp, struct certmap_rule *rule,
    const char *word, size_t n) {
  char buf[48];
  size_t i;

  for (i = 0; i < n; i++) {
    if (word[i] == '"' ||
        word[i] == '\\' ||
        is_blank(word[i])) {
      break;
    }
  }

  if (i < n ||
      word[0] == '@' ||
      !secftp_certmap_user_ok((const unsigned char *) word, n)) {
    return line_error(lp, "bad user name '%s'", shown(buf, word, n));
  }

  rule->user = strndup(word, n);
  if (rule->user == NULL) {
    errno = ENOMEM;
    return -1;
  }

  return 0;
}

static int parse_user(struct line_parser *lp, struct certmap_rule *rule,
    const char *word, size_t n) {
  char buf[48];
  size_t i;

  if (n == 0 ||
      word[0] != '@') {
    return parse_static_user(lp, rule, word, n);
  }

  if (rule->is_cert) {
    return line_error(lp, "a cert rule takes a user name, not the field "
      "'%s'", shown(buf, word, n));
  }

  for (i = 0; user_fields[i].name != NULL; i++) {
    if (word_is(word, n, user_fields[i].name)) {
      rule->field = user_fields[i].field;
      return 0;
    }
  }

  return line_error(lp, "unknown field '%s' (expected @CN, @UID, @email or "
    "@upn)", shown(buf, word, n));
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }

  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }

  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }

  return -1;
}

/* "sha256:" then 32 hex pairs, all joined by ':' or none. */
static int parse_fingerprint(const char *word, size_t n,
    unsigned char *sha256) {
  size_t i, step;

  if (n < 7 ||
      strncasecmp(word, "sha256:", 7) != 0) {
    return -1;
  }
  word += 7;
  n -= 7;

  if (n == SHA256_LEN * 3 - 1) {
    step = 3;

  } else if (n == SHA256_LEN * 2) {
    step = 2;

  } else {
    return -1;
  }

  for (i = 0; i < SHA256_LEN; i++) {
    const char *pair = word + i * step;
    int hi = hex_digit(pair[0]), lo = hex_digit(pair[1]);

    if (hi < 0 ||
        lo < 0 ||
        (step == 3 && i + 1 < SHA256_LEN && pair[2] != ':')) {
      return -1;
    }

    sha256[i] = (unsigned char) ((hi << 4) | lo);
  }

  return 0;
}

static int parse_cert_rule(struct line_parser *lp, struct certmap_rule *rule) {
  const char *fp, *user, *extra;
  size_t fp_len, user_len, extra_len;
  char buf[48];

  rule->is_cert = 1;

  if (!next_word(lp, &fp, &fp_len) ||
      !next_word(lp, &user, &user_len)) {
    return line_error(lp, "a cert rule needs a fingerprint and a user name");
  }

  if (parse_fingerprint(fp, fp_len, rule->sha256) < 0) {
    return line_error(lp, "bad fingerprint '%s' (expected sha256: and 32 hex "
      "pairs)", shown(buf, fp, fp_len));
  }

  if (parse_user(lp, rule, user, user_len) < 0) {
    return -1;
  }

  if (next_word(lp, &extra, &extra_len)) {
    return line_error(lp, "unexpected '%s' after the user name",
      shown(buf, extra, extra_len));
  }

  return 0;
}

/* Reads the value of key=value: quoted ("...", where a backslash keeps the
 * next character, for the DN parser to unescape) or bare (up to a blank).
 */
static int scan_value(struct line_parser *lp, const char *key,
    const char **value, size_t *n, int *quoted) {
  size_t start;

  *quoted = (lp->pos < lp->len && lp->s[lp->pos] == '"');
  if (*quoted) {
    lp->pos++;
  }
  start = lp->pos;

  while (lp->pos < lp->len) {
    char c = lp->s[lp->pos];

    if (c == '\\') {
      lp->pos += 2;
      continue;
    }

    if (*quoted ? c == '"' : is_blank(c)) {
      break;
    }

    if (!*quoted &&
        c == '"') {
      return line_error(lp, "stray quote in the value of %s=", key);
    }

    lp->pos++;
  }

  if (lp->pos > lp->len) {
    return line_error(lp, "backslash at the end of the line");
  }

  *value = lp->s + start;
  *n = lp->pos - start;

  if (*quoted) {
    if (lp->pos >= lp->len) {
      return line_error(lp, "unterminated quote in the value of %s=", key);
    }

    lp->pos++;
    if (lp->pos < lp->len &&
        !is_blank(lp->s[lp->pos])) {
      return line_error(lp, "unexpected text after the closing quote of "
        "%s=", key);
    }
  }

  if (*n == 0) {
    return line_error(lp, "empty value for %s=", key);
  }

  return 0;
}

static int parse_dn_part(struct line_parser *lp, const char *key,
    const char *value, size_t n, struct secftp_dn **dn) {
  const char *why = "out of memory";

  *dn = secftp_dn_parse(value, n, &why);
  if (*dn == NULL) {
    if (errno == ENOMEM) {
      return -1;
    }

    return line_error(lp, "bad DN in %s=: %s", key, why);
  }

  if ((*dn)->nrdns == 0) {
    return line_error(lp, "empty DN in %s=", key);
  }

  return 0;
}

static int parse_filter_rule(struct line_parser *lp,
    struct certmap_rule *rule) {
  int have_user = 0;

  while (at_word(lp)) {
    const char *key = lp->s + lp->pos, *value;
    size_t key_len = 0, value_len;
    char buf[48];
    int quoted;

    while (lp->pos + key_len < lp->len &&
           key[key_len] != '=' &&
           !is_blank(key[key_len])) {
      key_len++;
    }

    if (lp->pos + key_len >= lp->len ||
        key[key_len] != '=') {
      return line_error(lp, "expected key=value, got '%s'",
        shown(buf, key, key_len));
    }

    lp->pos += key_len + 1;

    if (word_is(key, key_len, "subject") ||
        word_is(key, key_len, "issuer")) {
      int is_subject = word_is(key, key_len, "subject");
      struct secftp_dn **dn = is_subject ? &rule->subject : &rule->issuer;
      const char *name = is_subject ? "subject" : "issuer";

      if (*dn != NULL) {
        return line_error(lp, "%s= given twice", name);
      }

      if (scan_value(lp, name, &value, &value_len, &quoted) < 0 ||
          parse_dn_part(lp, name, value, value_len, dn) < 0) {
        return -1;
      }

    } else if (word_is(key, key_len, "user")) {
      if (have_user) {
        return line_error(lp, "user= given twice");
      }

      if (scan_value(lp, "user", &value, &value_len, &quoted) < 0) {
        return -1;
      }

      if (quoted) {
        return line_error(lp, "user= takes a bare name or @field, without "
          "quotes");
      }

      if (parse_user(lp, rule, value, value_len) < 0) {
        return -1;
      }
      have_user = 1;

    } else {
      return line_error(lp, "unknown key '%s' (expected subject, issuer or "
        "user)", shown(buf, key, key_len));
    }
  }

  if (rule->subject == NULL &&
      rule->issuer == NULL) {
    return line_error(lp, "a filter rule needs subject= or issuer=");
  }

  if (!have_user) {
    return line_error(lp, "a filter rule needs user=");
  }

  return 0;
}

static void rule_clear(struct certmap_rule *rule) {
  secftp_dn_free(rule->subject);
  secftp_dn_free(rule->issuer);
  free(rule->user);
  memset(rule, 0, sizeof(*rule));
}

void secftp_certmap_free(struct secftp_certmap *map) {
  size_t i;

  if (map == NULL) {
    return;
  }

  for (i = 0; i < map->nrules; i++) {
    rule_clear(&map->rules[i]);
  }

  free(map->rules);
  free(map->certs);
  free(map);
}

size_t secftp_certmap_count(const struct secftp_certmap *map) {
  return map != NULL ? map->nrules : 0;
}

/* Parses one line; a blank or comment line adds no rule. */
static int parse_line(struct secftp_certmap *map, struct line_parser *lp) {
  struct certmap_rule rule;
  const char *word;
  size_t n;
  char buf[48];
  int res;

  if (memchr(lp->s, '\0', lp->len) != NULL) {
    return line_error(lp, "NUL byte in the line");
  }

  if (!next_word(lp, &word, &n)) {
    return 0;
  }

  memset(&rule, 0, sizeof(rule));
  rule.line = lp->lineno;

  if (word_is(word, n, "cert")) {
    res = parse_cert_rule(lp, &rule);

  } else if (word_is(word, n, "filter")) {
    res = parse_filter_rule(lp, &rule);

  } else {
    res = line_error(lp, "unknown rule '%s' (expected cert or filter)",
      shown(buf, word, n));
  }

  if (res == 0) {
    struct certmap_rule *rules;

    rules = realloc(map->rules, (map->nrules + 1) * sizeof(*rules));
    if (rules == NULL) {
      errno = ENOMEM;
      res = -1;

    } else {
      map->rules = rules;
      map->rules[map->nrules++] = rule;
      return 0;
    }
  }

  rule_clear(&rule);
  return res;
}

static int cmp_cert(const void *a, const void *b) {
  const struct certmap_rule *x = *(const struct certmap_rule * const *) a;
  const struct certmap_rule *y = *(const struct certmap_rule * const *) b;
  int c;

  c = memcmp(x->sha256, y->sha256, SHA256_LEN);
  if (c != 0) {
    return c;
  }

  return (x->line > y->line) - (x->line < y->line);
}

/* The first conflict, by the later line of the two rules involved. */
struct conflict {
  unsigned int line;
  unsigned int first;
  const char *what;
};

static void note_conflict(struct conflict *cf, unsigned int first,
    unsigned int line, const char *what) {
  if (cf->line == 0 ||
      line < cf->line) {
    cf->line = line;
    cf->first = first;
    cf->what = what;
  }
}

/* Sorts the cert rules and notes the first fingerprint listed twice. */
static int index_certs(struct secftp_certmap *map, struct conflict *cf) {
  size_t i;

  for (i = 0; i < map->nrules; i++) {
    if (map->rules[i].is_cert) {
      map->ncerts++;
    }
  }

  if (map->ncerts == 0) {
    return 0;
  }

  map->certs = calloc(map->ncerts, sizeof(*map->certs));
  if (map->certs == NULL) {
    errno = ENOMEM;
    return -1;
  }

  map->ncerts = 0;
  for (i = 0; i < map->nrules; i++) {
    if (map->rules[i].is_cert) {
      map->certs[map->ncerts++] = &map->rules[i];
    }
  }

  qsort(map->certs, map->ncerts, sizeof(*map->certs), cmp_cert);

  for (i = 1; i < map->ncerts; i++) {
    if (memcmp(map->certs[i - 1]->sha256, map->certs[i]->sha256,
        SHA256_LEN) == 0) {
      note_conflict(cf, map->certs[i - 1]->line, map->certs[i]->line,
        "the same fingerprint");
    }
  }

  return 0;
}

/* Are two optional DN parts the same after normalisation? */
static int same_part(const struct secftp_dn *a, const struct secftp_dn *b) {
  if (a == NULL ||
      b == NULL) {
    return a == b;
  }

  return secftp_dn_equal(a, b) == 1;
}

static void find_filter_conflicts(const struct secftp_certmap *map,
    struct conflict *cf) {
  size_t i, j;

  for (j = 0; j < map->nrules; j++) {
    const struct certmap_rule *b = &map->rules[j];

    if (b->is_cert) {
      continue;
    }

    for (i = 0; i < j; i++) {
      const struct certmap_rule *a = &map->rules[i];

      if (!a->is_cert &&
          same_part(a->subject, b->subject) &&
          same_part(a->issuer, b->issuer)) {
        note_conflict(cf, a->line, b->line,
          "the same subject and issuer as a filter");
        return;
      }
    }
  }
}

static int parse_lines(struct secftp_certmap *map, const char *text,
    size_t len, struct secftp_certmap_error *err) {
  struct line_parser lp;
  size_t start = 0;

  memset(&lp, 0, sizeof(lp));
  lp.err = err;

  while (start < len) {
    const char *nl = memchr(text + start, '\n', len - start);
    size_t end = nl != NULL ? (size_t) (nl - text) : len;

    lp.s = text + start;
    lp.len = end - start;
    lp.pos = 0;
    lp.lineno++;

    if (lp.len > 0 &&
        lp.s[lp.len - 1] == '\r') {
      lp.len--;
    }

    if (parse_line(map, &lp) < 0) {
      return -1;
    }

    start = end + 1;
  }

  return 0;
}

struct secftp_certmap *secftp_certmap_parse(const char *text, size_t len,
    struct secftp_certmap_error *err) {
  struct secftp_certmap *map;
  struct conflict cf;

  if (err != NULL) {
    memset(err, 0, sizeof(*err));
  }

  if (text == NULL) {
    errno = EINVAL;
    return NULL;
  }

  map = calloc(1, sizeof(*map));
  if (map == NULL) {
    errno = ENOMEM;
    return NULL;
  }

  memset(&cf, 0, sizeof(cf));
  if (parse_lines(map, text, len, err) < 0 ||
      index_certs(map, &cf) < 0) {
    int xerrno = errno;

    if (xerrno == ENOMEM &&
        err != NULL) {
      err->line = 0;
      snprintf(err->msg, sizeof(err->msg), "out of memory");
    }

    secftp_certmap_free(map);
    errno = xerrno;
    return NULL;
  }

  find_filter_conflicts(map, &cf);
  if (cf.line != 0) {
    if (err != NULL) {
      err->line = cf.line;
      snprintf(err->msg, sizeof(err->msg), "ambiguous: %s rule on line %u",
        cf.what, cf.first);
    }

    secftp_certmap_free(map);
    errno = EINVAL;
    return NULL;
  }

  return map;
}

static int cert_sha256(const X509 *cert, unsigned char *md) {
  unsigned int md_len = 0;

  if (X509_digest(cert, EVP_sha256(), md, &md_len) != 1 ||
      md_len != SHA256_LEN) {
    errno = EINVAL;
    return -1;
  }

  return 0;
}

int secftp_certmap_fingerprint(const X509 *cert, char *buf, size_t len) {
  static const char digits[] = "0123456789ABCDEF";
  unsigned char md[EVP_MAX_MD_SIZE];
  char *p;
  size_t i;

  if (cert == NULL ||
      buf == NULL) {
    errno = EINVAL;
    return -1;
  }

  if (len < SECFTP_CERTMAP_FINGERPRINT_SIZE) {
    errno = ERANGE;
    return -1;
  }

  if (cert_sha256(cert, md) < 0) {
    return -1;
  }

  p = buf + 7;
  memcpy(buf, "sha256:", 7);
  for (i = 0; i < SHA256_LEN; i++) {
    if (i > 0) {
      *p++ = ':';
    }
    *p++ = digits[md[i] >> 4];
    *p++ = digits[md[i] & 0x0f];
  }
  *p = '\0';

  return 0;
}

int secftp_certmap_serial(const X509 *cert, char *buf, size_t len) {
  static const char digits[] = "0123456789ABCDEF";
  const ASN1_INTEGER *serial;
  const unsigned char *data;
  size_t n, i, need;
  int neg;
  char *p = buf;

  if (cert == NULL ||
      buf == NULL) {
    errno = EINVAL;
    return -1;
  }

  serial = X509_get0_serialNumber(cert);
  data = ASN1_STRING_get0_data(serial);
  n = (size_t) ASN1_STRING_length(serial);
  neg = (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER);

  while (n > 0 &&
         data[0] == 0) {
    data++;
    n--;
  }

  need = (neg ? 1 : 0) + (n > 0 ? 2 * n : 1) + 1;
  if (len < need) {
    errno = ERANGE;
    return -1;
  }

  if (n == 0) {
    memcpy(buf, "0", 2);
    return 0;
  }

  if (neg) {
    *p++ = '-';
  }

  for (i = 0; i < n; i++) {
    *p++ = digits[data[i] >> 4];
    *p++ = digits[data[i] & 0x0f];
  }
  *p = '\0';

  return 0;
}

static int cmp_sha256(const void *key, const void *elt) {
  const struct certmap_rule *rule = *(const struct certmap_rule * const *) elt;

  return memcmp(key, rule->sha256, SHA256_LEN);
}

static size_t rule_rdns(const struct certmap_rule *rule) {
  return (rule->subject != NULL ? rule->subject->nrdns : 0) +
    (rule->issuer != NULL ? rule->issuer->nrdns : 0);
}

/* Ranks filters: a subject part first, then the number of RDNs. */
static int rank_cmp(const struct certmap_rule *a,
    const struct certmap_rule *b) {
  size_t na = rule_rdns(a), nb = rule_rdns(b);

  if ((a->subject != NULL) != (b->subject != NULL)) {
    return a->subject != NULL ? 1 : -1;
  }

  return (na > nb) - (na < nb);
}

static int filter_matches(const struct certmap_rule *rule,
    const struct secftp_dn *subject, const struct secftp_dn *issuer) {
  return (rule->subject == NULL ||
          secftp_dn_match_suffix(rule->subject, subject) == 1) &&
    (rule->issuer == NULL ||
     secftp_dn_match_suffix(rule->issuer, issuer) == 1);
}

static void set_status(struct secftp_certmap_result *res,
    enum secftp_certmap_status status, const char *reason) {
  res->status = status;
  res->reason = reason;
}

/* Sets res->user from a field value, if it is a sane user name. */
static void take_user(struct secftp_certmap_result *res,
    const unsigned char *value, size_t len, int tainted) {
  if (tainted ||
      !secftp_certmap_user_ok(value, len)) {
    set_status(res, SECFTP_CERTMAP_FIELD_BAD, "the user field is empty, too "
      "long, or holds NUL, control characters or '/'");
    return;
  }

  memcpy(res->user, value, len);
  res->user[len] = '\0';
  set_status(res, SECFTP_CERTMAP_MAPPED, "mapped");
}

static void user_from_dn(struct secftp_certmap_result *res,
    const struct secftp_dn *subject, const char *oid) {
  const struct secftp_dn_ava *found = NULL;
  size_t i, j, count = 0;

  for (i = 0; i < subject->nrdns; i++) {
    for (j = 0; j < subject->rdns[i].navas; j++) {
      if (strcmp(subject->rdns[i].avas[j].oid, oid) == 0) {
        found = &subject->rdns[i].avas[j];
        count++;
      }
    }
  }

  if (count == 0) {
    set_status(res, SECFTP_CERTMAP_FIELD_ABSENT, "the subject has no such "
      "attribute");

  } else if (count > 1) {
    set_status(res, SECFTP_CERTMAP_FIELD_MULTIPLE, "the subject has that "
      "attribute several times");

  } else {
    take_user(res, found->value, found->value_len, found->tainted);
  }
}

static int is_upn(const OTHERNAME *other) {
  char oid[80];

  return OBJ_obj2txt(oid, sizeof(oid), other->type_id, 1) > 0 &&
    strcmp(oid, SECFTP_CERTMAP_UPN_OID) == 0;
}

/* The value of a SAN entry of the wanted kind, or NULL if it is another
 * kind.  *bad is set for a UPN that is not a UTF8String.
 */
static const ASN1_STRING *san_value(const GENERAL_NAME *gn,
    enum user_field field, int *bad) {
  if (field == FIELD_EMAIL &&
      gn->type == GEN_EMAIL) {
    return gn->d.rfc822Name;
  }

  if (field == FIELD_UPN &&
      gn->type == GEN_OTHERNAME &&
      is_upn(gn->d.otherName)) {
    const ASN1_TYPE *value = gn->d.otherName->value;

    if (value == NULL ||
        value->type != V_ASN1_UTF8STRING) {
      *bad = 1;
      return NULL;
    }

    return value->value.utf8string;
  }

  return NULL;
}

static void user_from_san(struct secftp_certmap_result *res, const X509 *cert,
    enum user_field field) {
  GENERAL_NAMES *sans;
  const ASN1_STRING *found = NULL;
  int crit = -1, i, count = 0, bad = 0;

  sans = X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, NULL);
  if (sans == NULL) {
    if (crit == -2) {
      set_status(res, SECFTP_CERTMAP_FIELD_MULTIPLE, "the certificate has "
        "several subjectAltName extensions");

    } else if (crit == -1) {
      set_status(res, SECFTP_CERTMAP_FIELD_ABSENT, "the certificate has no "
        "subjectAltName");

    } else {
      set_status(res, SECFTP_CERTMAP_FIELD_BAD, "the subjectAltName cannot "
        "be decoded");
    }
    return;
  }

  for (i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
    const ASN1_STRING *value;

    value = san_value(sk_GENERAL_NAME_value(sans, i), field, &bad);
    if (value != NULL ||
        bad) {
      found = value;
      count++;
      bad = 0;
    }
  }

  if (count == 0) {
    set_status(res, SECFTP_CERTMAP_FIELD_ABSENT, "the subjectAltName has no "
      "such name");

  } else if (count > 1) {
    set_status(res, SECFTP_CERTMAP_FIELD_MULTIPLE, "the subjectAltName has "
      "several such names");

  } else if (found == NULL) {
    set_status(res, SECFTP_CERTMAP_FIELD_BAD, "the UPN is not a UTF8String");

  } else {
    take_user(res, ASN1_STRING_get0_data(found),
      (size_t) ASN1_STRING_length(found), 0);
  }

  GENERAL_NAMES_free(sans);
}

static void resolve_user(struct secftp_certmap_result *res,
    const struct certmap_rule *rule, const X509 *cert,
    const struct secftp_dn *subject) {
  switch (rule->field) {
    case FIELD_NONE:
      take_user(res, (const unsigned char *) rule->user, strlen(rule->user),
        0);
      break;

    case FIELD_CN:
      user_from_dn(res, subject, "2.5.4.3");
      break;

    case FIELD_UID:
      user_from_dn(res, subject, "0.9.2342.19200300.100.1.1");
      break;

    case FIELD_EMAIL:
    case FIELD_UPN:
      user_from_san(res, cert, rule->field);
      break;
  }
}

/* Picks the most specific matching filter, or reports a tie. */
static void match_filters(const struct secftp_certmap *map, const X509 *cert,
    const struct secftp_dn *subject, const struct secftp_dn *issuer,
    struct secftp_certmap_result *res) {
  const struct certmap_rule *best = NULL, *tie = NULL;
  size_t i;

  for (i = 0; i < map->nrules; i++) {
    const struct certmap_rule *rule = &map->rules[i];
    int c;

    if (rule->is_cert ||
        !filter_matches(rule, subject, issuer)) {
      continue;
    }

    c = (best != NULL ? rank_cmp(rule, best) : 1);
    if (c > 0) {
      best = rule;
      tie = NULL;

    } else if (c == 0 &&
               tie == NULL) {
      tie = rule;
    }
  }

  if (best == NULL) {
    set_status(res, SECFTP_CERTMAP_NO_RULE, "no rule matches the "
      "certificate");
    return;
  }

  res->line = best->line;
  if (tie != NULL) {
    res->other_line = tie->line;
    set_status(res, SECFTP_CERTMAP_TIE, "two filters match equally well");
    return;
  }

  resolve_user(res, best, cert, subject);
}

int secftp_certmap_match(const struct secftp_certmap *map, const X509 *cert,
    struct secftp_certmap_result *res) {
  unsigned char md[EVP_MAX_MD_SIZE];
  const struct certmap_rule **hit = NULL;
  struct secftp_dn *subject, *issuer;

  if (map == NULL ||
      cert == NULL ||
      res == NULL) {
    errno = EINVAL;
    return -1;
  }

  memset(res, 0, sizeof(*res));

  if (cert_sha256(cert, md) < 0) {
    return -1;
  }

  if (map->ncerts > 0) {
    hit = bsearch(md, map->certs, map->ncerts, sizeof(*map->certs),
      cmp_sha256);
  }

  if (hit != NULL) {
    res->line = (*hit)->line;
    resolve_user(res, *hit, cert, NULL);
    return 0;
  }

  subject = secftp_dn_from_x509(X509_get_subject_name(cert));
  issuer = secftp_dn_from_x509(X509_get_issuer_name(cert));
  if (subject == NULL ||
      issuer == NULL) {
    secftp_dn_free(subject);
    secftp_dn_free(issuer);
    errno = ENOMEM;
    return -1;
  }

  if (subject->tainted ||
      issuer->tainted) {
    set_status(res, SECFTP_CERTMAP_TAINTED, "the certificate's subject or "
      "issuer holds NUL or control characters");

  } else {
    match_filters(map, cert, subject, issuer, res);
  }

  secftp_dn_free(subject);
  secftp_dn_free(issuer);
  return 0;
}
