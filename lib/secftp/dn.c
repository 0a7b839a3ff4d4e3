/*
 * dn: RFC 4514 distinguished names for SecureCertMap.
 */

#include "dn.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>

/* The attribute types an admin may name; the first name listed for an OID
 * is the one secftp_dn_format() prints.
 */
struct dn_type {
  const char *name;
  const char *oid;
};

static const struct dn_type dn_types[] = {
  { "CN", "2.5.4.3" },
  { "SN", "2.5.4.4" },
  { "serialNumber", "2.5.4.5" },
  { "C", "2.5.4.6" },
  { "L", "2.5.4.7" },
  { "ST", "2.5.4.8" },
  { "STREET", "2.5.4.9" },
  { "O", "2.5.4.10" },
  { "OU", "2.5.4.11" },
  { "title", "2.5.4.12" },
  { "GN", "2.5.4.42" },
  { "DC", "0.9.2342.19200300.100.1.25" },
  { "UID", "0.9.2342.19200300.100.1.1" },
  { "emailAddress", "1.2.840.113549.1.9.1" },
  { "E", "1.2.840.113549.1.9.1" },
  { NULL, NULL }
};

static const char *type_name(const char *oid) {
  const struct dn_type *t;

  for (t = dn_types; t->name != NULL; t++) {
    if (strcmp(t->oid, oid) == 0) {
      return t->name;
    }
  }

  return NULL;
}

static const char *type_oid(const char *name, size_t len) {
  const struct dn_type *t;

  for (t = dn_types; t->name != NULL; t++) {
    if (strlen(t->name) == len &&
        strncasecmp(t->name, name, len) == 0) {
      return t->oid;
    }
  }

  return NULL;
}

int secftp_dn_utf8_valid(const unsigned char *buf, size_t len) {
  size_t i = 0;

  if (buf == NULL) {
    return len == 0;
  }

  while (i < len) {
    unsigned char c = buf[i];
    unsigned long cp;
    size_t n, k;

    if (c < 0x80) {
      i++;
      continue;
    }

    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      cp = c & 0x1f;

    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      cp = c & 0x0f;

    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      cp = c & 0x07;

    } else {
      return 0;
    }

    if (len - i - 1 < n) {
      return 0;
    }

    for (k = 1; k <= n; k++) {
      if ((buf[i + k] & 0xc0) != 0x80) {
        return 0;
      }
      cp = (cp << 6) | (buf[i + k] & 0x3f);
    }

    /* Overlong forms, UTF-16 surrogates and values past U+10FFFF. */
    if ((n == 2 && cp < 0x800) ||
        (n == 3 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) ||
        cp > 0x10ffff) {
      return 0;
    }

    i += n + 1;
  }

  return 1;
}

/* Is buf[i] the start of a control character: C0, DEL, or a C1 control
 * (U+0080..U+009F, encoded C2 80..C2 9F)?  Returns its length in bytes, or 0.
 */
static size_t control_at(const unsigned char *buf, size_t len, size_t i) {
  if (buf[i] < 0x20 ||
      buf[i] == 0x7f) {
    return 1;
  }

  if (buf[i] == 0xc2 &&
      i + 1 < len &&
      buf[i + 1] >= 0x80 &&
      buf[i + 1] <= 0x9f) {
    return 2;
  }

  return 0;
}

int secftp_dn_has_control(const unsigned char *buf, size_t len) {
  size_t i;

  if (buf == NULL) {
    return 0;
  }

  for (i = 0; i < len; i++) {
    if (control_at(buf, len, i) > 0) {
      return 1;
    }
  }

  return 0;
}

/* Makes room for one more element in a growing array. */
static int grow(void **array, size_t *count, size_t elsize) {
  void *p;

  p = realloc(*array, (*count + 1) * elsize);
  if (p == NULL) {
    errno = ENOMEM;
    return -1;
  }

  memset((char *) p + *count * elsize, 0, elsize);
  *array = p;
  (*count)++;
  return 0;
}

static struct secftp_dn_rdn *add_rdn(struct secftp_dn *dn) {
  if (grow((void **) &dn->rdns, &dn->nrdns, sizeof(*dn->rdns)) < 0) {
    return NULL;
  }

  return &dn->rdns[dn->nrdns - 1];
}

static struct secftp_dn_ava *add_ava(struct secftp_dn_rdn *rdn) {
  if (grow((void **) &rdn->avas, &rdn->navas, sizeof(*rdn->avas)) < 0) {
    return NULL;
  }

  return &rdn->avas[rdn->navas - 1];
}

void secftp_dn_free(struct secftp_dn *dn) {
  size_t i, j;

  if (dn == NULL) {
    return;
  }

  for (i = 0; i < dn->nrdns; i++) {
    struct secftp_dn_rdn *rdn = &dn->rdns[i];

    for (j = 0; j < rdn->navas; j++) {
      free(rdn->avas[j].oid);
      free(rdn->avas[j].value);
      free(rdn->avas[j].der);
    }
    free(rdn->avas);
  }

  free(dn->rdns);
  free(dn);
}

/* Copies n bytes into a new NUL-terminated buffer. */
static unsigned char *memdup0(const void *data, size_t n) {
  unsigned char *p;

  p = malloc(n + 1);
  if (p == NULL) {
    errno = ENOMEM;
    return NULL;
  }

  if (n > 0) {
    memcpy(p, data, n);
  }
  p[n] = '\0';
  return p;
}

/* Takes a value produced by ASN1_STRING_to_UTF8() into ava. */
static int set_utf8_value(struct secftp_dn_ava *ava, unsigned char *utf8,
    int len) {
  ava->value = memdup0(utf8, (size_t) len);
  OPENSSL_free(utf8);
  if (ava->value == NULL) {
    return -1;
  }

  ava->value_len = (size_t) len;
  return 0;
}

/* Parsing state for secftp_dn_parse(). */
struct dn_parser {
  const char *s;
  size_t len;
  size_t pos;
  const char *why;
};

static void skip_blanks(struct dn_parser *p) {
  while (p->pos < p->len &&
         p->s[p->pos] == ' ') {
    p->pos++;
  }
}

static int fail(struct dn_parser *p, const char *why) {
  p->why = why;
  errno = EINVAL;
  return -1;
}

static int hex_value(int c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }

  c = tolower(c);
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }

  return -1;
}

/* numericoid (RFC 4512): at least two arcs, digits only, no leading zeros. */
static int valid_numericoid(const char *s, size_t len) {
  size_t i, arcs = 0, digits = 0;

  for (i = 0; i <= len; i++) {
    if (i == len || s[i] == '.') {
      if (digits == 0) {
        return 0;
      }
      arcs++;
      digits = 0;
      continue;
    }

    if (!isdigit((unsigned char) s[i]) ||
        (digits == 1 && s[i - 1] == '0')) {
      return 0;
    }
    digits++;
  }

  return arcs >= 2;
}

static int parse_type(struct dn_parser *p, struct secftp_dn_ava *ava) {
  size_t start = p->pos, n;
  const char *oid;

  while (p->pos < p->len &&
         (isalnum((unsigned char) p->s[p->pos]) ||
          p->s[p->pos] == '-' ||
          p->s[p->pos] == '.')) {
    p->pos++;
  }

  n = p->pos - start;
  if (n == 0) {
    return fail(p, "missing attribute type");
  }

  if (isdigit((unsigned char) p->s[start])) {
    if (!valid_numericoid(p->s + start, n)) {
      return fail(p, "bad numeric OID");
    }

    ava->oid = (char *) memdup0(p->s + start, n);

  } else {
    oid = type_oid(p->s + start, n);
    if (oid == NULL) {
      return fail(p, "unknown attribute type");
    }

    ava->oid = strdup(oid);
  }

  if (ava->oid == NULL) {
    errno = ENOMEM;
    return -1;
  }

  return 0;
}

/* A value an admin wrote must be able to match something. */
static int check_value(struct dn_parser *p, const struct secftp_dn_ava *ava) {
  if (secftp_dn_has_control(ava->value, ava->value_len)) {
    return fail(p, "value holds NUL or a control character");
  }

  if (!secftp_dn_utf8_valid(ava->value, ava->value_len)) {
    return fail(p, "value is not valid UTF-8");
  }

  return 0;
}

static int is_directory_string(int type) {
  switch (type) {
    case V_ASN1_UTF8STRING:
    case V_ASN1_PRINTABLESTRING:
    case V_ASN1_IA5STRING:
    case V_ASN1_T61STRING:
    case V_ASN1_BMPSTRING:
    case V_ASN1_UNIVERSALSTRING:
    case V_ASN1_VISIBLESTRING:
    case V_ASN1_NUMERICSTRING:
      return 1;

    default:
      return 0;
  }
}

/* Decodes the BER of a "#hex" value (RFC 4514 2.4) into its UTF-8 string. */
static int decode_ber_value(struct dn_parser *p, struct secftp_dn_ava *ava,
    const unsigned char *ber, size_t len) {
  const unsigned char *q = ber;
  ASN1_TYPE *value;
  unsigned char *utf8 = NULL;
  int utf8_len = -1;

  value = d2i_ASN1_TYPE(NULL, &q, (long) len);
  if (value != NULL &&
      q == ber + len &&
      is_directory_string(ASN1_TYPE_get(value))) {
    utf8_len = ASN1_STRING_to_UTF8(&utf8, value->value.asn1_string);
  }
  ASN1_TYPE_free(value);

  if (utf8_len < 0) {
    return fail(p, "#hex value is not the BER of a directory string");
  }

  return set_utf8_value(ava, utf8, utf8_len);
}

static int parse_hex_value(struct dn_parser *p, struct secftp_dn_ava *ava) {
  size_t start, nhex, i;
  unsigned char *ber;
  int res;

  p->pos++;
  start = p->pos;
  while (p->pos < p->len &&
         hex_value((unsigned char) p->s[p->pos]) >= 0) {
    p->pos++;
  }

  nhex = p->pos - start;
  if (nhex == 0 ||
      nhex % 2 != 0) {
    return fail(p, "#hex value needs pairs of hex digits");
  }

  skip_blanks(p);
  if (p->pos < p->len &&
      p->s[p->pos] != ',' &&
      p->s[p->pos] != '+') {
    return fail(p, "unexpected character after #hex value");
  }

  ber = malloc(nhex / 2);
  if (ber == NULL) {
    errno = ENOMEM;
    return -1;
  }

  for (i = 0; i < nhex / 2; i++) {
    ber[i] = (unsigned char)
      ((hex_value((unsigned char) p->s[start + 2 * i]) << 4) |
        hex_value((unsigned char) p->s[start + 2 * i + 1]));
  }

  res = decode_ber_value(p, ava, ber, nhex / 2);
  free(ber);
  return res;
}

/* Reads one escape after a backslash: a special character or a hex pair. */
static int parse_escape(struct dn_parser *p, unsigned char *out) {
  int c, hi, lo;

  p->pos++;
  if (p->pos >= p->len) {
    return fail(p, "backslash at the end of a value");
  }

  c = (unsigned char) p->s[p->pos];
  hi = hex_value(c);
  lo = p->pos + 1 < p->len ? hex_value((unsigned char) p->s[p->pos + 1]) : -1;
  if (hi >= 0 &&
      lo >= 0) {
    *out = (unsigned char) ((hi << 4) | lo);
    p->pos += 2;
    return 0;
  }

  if (c != '\0' &&
      strchr(" \"#+,;<=>\\", c) != NULL) {
    *out = (unsigned char) c;
    p->pos++;
    return 0;
  }

  return fail(p, "bad escape sequence");
}

static int parse_string_value(struct dn_parser *p, struct secftp_dn_ava *ava) {
  unsigned char *buf;
  size_t n = 0, keep = 0;

  /* Unescaping never makes a value longer than its source. */
  buf = malloc(p->len - p->pos + 1);
  if (buf == NULL) {
    errno = ENOMEM;
    return -1;
  }
  ava->value = buf;

  while (p->pos < p->len) {
    int c = (unsigned char) p->s[p->pos];

    if (c == ',' ||
        c == '+') {
      break;
    }

    if (c == '\\') {
      if (parse_escape(p, &buf[n]) < 0) {
        return -1;
      }
      keep = ++n;
      continue;
    }

    if (c == '"' ||
        c == ';' ||
        c == '<' ||
        c == '>' ||
        c == '\0') {
      return fail(p, "unescaped special character in value");
    }

    buf[n++] = (unsigned char) c;
    p->pos++;

    /* Unescaped trailing blanks are not part of the value. */
    if (c != ' ') {
      keep = n;
    }
  }

  buf[keep] = '\0';
  ava->value_len = keep;
  return 0;
}

/* Rejects an RDN that names the same type and value twice. */
static int check_rdn(struct dn_parser *p, const struct secftp_dn_rdn *rdn) {
  size_t i, j;

  for (i = 0; i < rdn->navas; i++) {
    for (j = i + 1; j < rdn->navas; j++) {
      const struct secftp_dn_ava *a = &rdn->avas[i], *b = &rdn->avas[j];

      if (strcmp(a->oid, b->oid) == 0 &&
          a->value_len == b->value_len &&
          memcmp(a->value, b->value, a->value_len) == 0) {
        return fail(p, "attribute repeated within one RDN");
      }
    }
  }

  return 0;
}

static int parse_ava(struct dn_parser *p, struct secftp_dn_ava *ava) {
  skip_blanks(p);
  if (parse_type(p, ava) < 0) {
    return -1;
  }

  skip_blanks(p);
  if (p->pos >= p->len ||
      p->s[p->pos] != '=') {
    return fail(p, "missing '=' after attribute type");
  }
  p->pos++;

  skip_blanks(p);
  if (p->pos < p->len &&
      p->s[p->pos] == '#') {
    if (parse_hex_value(p, ava) < 0) {
      return -1;
    }

  } else if (parse_string_value(p, ava) < 0) {
    return -1;
  }

  return check_value(p, ava);
}

static int parse_rdns(struct dn_parser *p, struct secftp_dn *dn) {
  struct secftp_dn_rdn *rdn = NULL;

  while (p->pos < p->len) {
    struct secftp_dn_ava *ava;

    if (rdn == NULL) {
      rdn = add_rdn(dn);
      if (rdn == NULL) {
        return -1;
      }
    }

    ava = add_ava(rdn);
    if (ava == NULL ||
        parse_ava(p, ava) < 0) {
      return -1;
    }

    if (p->pos >= p->len) {
      break;
    }

    /* parse_ava() stops only at the end, ',' or '+'. */
    if (p->s[p->pos++] == ',') {
      if (check_rdn(p, rdn) < 0) {
        return -1;
      }
      rdn = NULL;
    }

    if (p->pos >= p->len) {
      return fail(p, "missing attribute after ',' or '+'");
    }
  }

  return rdn != NULL ? check_rdn(p, rdn) : 0;
}

struct secftp_dn *secftp_dn_parse(const char *str, size_t len,
    const char **why) {
  struct dn_parser p;
  struct secftp_dn *dn;

  if (str == NULL) {
    if (why != NULL) {
      *why = "no DN given";
    }
    errno = EINVAL;
    return NULL;
  }

  dn = calloc(1, sizeof(*dn));
  if (dn == NULL) {
    errno = ENOMEM;
    return NULL;
  }

  memset(&p, 0, sizeof(p));
  p.s = str;
  p.len = len;
  p.why = "out of memory";

  skip_blanks(&p);
  if (parse_rdns(&p, dn) < 0) {
    int xerrno = errno;

    if (why != NULL) {
      *why = p.why;
    }
    secftp_dn_free(dn);
    errno = xerrno;
    return NULL;
  }

  return dn;
}

/* The dotted OID of obj, in a malloc'd string. */
static char *oid_text(const ASN1_OBJECT *obj) {
  char small[80], *big;
  int n;

  n = OBJ_obj2txt(small, sizeof(small), obj, 1);
  if (n <= 0) {
    errno = EINVAL;
    return NULL;
  }

  if ((size_t) n < sizeof(small)) {
    return strdup(small);
  }

  big = malloc((size_t) n + 1);
  if (big == NULL) {
    errno = ENOMEM;
    return NULL;
  }

  OBJ_obj2txt(big, n + 1, obj, 1);
  return big;
}

static int ava_from_entry(struct secftp_dn_ava *ava,
    const X509_NAME_ENTRY *entry) {
  const ASN1_STRING *data;
  unsigned char *utf8 = NULL;
  int utf8_len;

  ava->oid = oid_text(X509_NAME_ENTRY_get_object(entry));
  if (ava->oid == NULL) {
    return -1;
  }

  data = X509_NAME_ENTRY_get_data(entry);
  utf8_len = ASN1_STRING_to_UTF8(&utf8, data);
  if (utf8_len < 0) {
    ava->value = memdup0("", 0);
    ava->tainted = 1;
    if (ava->value == NULL) {
      return -1;
    }

  } else if (set_utf8_value(ava, utf8, utf8_len) < 0) {
    return -1;

  } else {
    ava->tainted = secftp_dn_has_control(ava->value, ava->value_len) ||
      !secftp_dn_utf8_valid(ava->value, ava->value_len);
  }

  /* RFC 4514 2.4: unknown types (and values without a string form) are
   * written as "#" and the hex of their BER.
   */
  if (utf8_len < 0 ||
      type_name(ava->oid) == NULL) {
    unsigned char *der = NULL;
    int der_len;

    der_len = i2d_ASN1_PRINTABLE((ASN1_STRING *) data, &der);
    if (der_len > 0) {
      ava->der = memdup0(der, (size_t) der_len);
      ava->der_len = (size_t) der_len;
      OPENSSL_free(der);
      if (ava->der == NULL) {
        return -1;
      }
    }
  }

  return 0;
}

struct secftp_dn *secftp_dn_from_x509(const X509_NAME *name) {
  struct secftp_dn *dn;
  int i, count, set, prev_set = -1;
  size_t nrdns = 0, idx;

  if (name == NULL) {
    errno = EINVAL;
    return NULL;
  }

  dn = calloc(1, sizeof(*dn));
  if (dn == NULL) {
    errno = ENOMEM;
    return NULL;
  }

  /* Entries of one multi-valued RDN share a set number and are adjacent. */
  count = X509_NAME_entry_count(name);
  for (i = 0; i < count; i++) {
    set = X509_NAME_ENTRY_set(X509_NAME_get_entry(name, i));
    if (i == 0 ||
        set != prev_set) {
      nrdns++;
    }
    prev_set = set;
  }

  if (nrdns > 0) {
    dn->rdns = calloc(nrdns, sizeof(*dn->rdns));
    if (dn->rdns == NULL) {
      free(dn);
      errno = ENOMEM;
      return NULL;
    }
    dn->nrdns = nrdns;
  }

  /* OpenSSL keeps the least specific RDN first; RFC 4514 the opposite. */
  idx = nrdns;
  for (i = 0; i < count; i++) {
    const X509_NAME_ENTRY *entry = X509_NAME_get_entry(name, i);
    struct secftp_dn_ava *ava;

    set = X509_NAME_ENTRY_set(entry);
    if (i == 0 ||
        set != prev_set) {
      idx--;
    }
    prev_set = set;

    ava = add_ava(&dn->rdns[idx]);
    if (ava == NULL ||
        ava_from_entry(ava, entry) < 0) {
      int xerrno = errno;

      secftp_dn_free(dn);
      errno = xerrno;
      return NULL;
    }

    if (ava->tainted) {
      dn->tainted = 1;
    }
  }

  return dn;
}

/* A growing string for secftp_dn_format(). */
struct strbuf {
  char *data;
  size_t len;
  size_t cap;
};

static int sb_append(struct strbuf *sb, const char *s, size_t n) {
  if (sb->len + n + 1 > sb->cap) {
    size_t cap = (sb->cap > 0 ? sb->cap : 64);
    char *p;

    while (sb->len + n + 1 > cap) {
      cap *= 2;
    }

    p = realloc(sb->data, cap);
    if (p == NULL) {
      errno = ENOMEM;
      return -1;
    }
    sb->data = p;
    sb->cap = cap;
  }

  memcpy(sb->data + sb->len, s, n);
  sb->len += n;
  sb->data[sb->len] = '\0';
  return 0;
}

static int sb_hex(struct strbuf *sb, const char *prefix, unsigned char c) {
  static const char digits[] = "0123456789ABCDEF";
  char hex[2];

  hex[0] = digits[c >> 4];
  hex[1] = digits[c & 0x0f];
  if (sb_append(sb, prefix, strlen(prefix)) < 0) {
    return -1;
  }

  return sb_append(sb, hex, 2);
}

static int format_value(struct strbuf *sb, const struct secftp_dn_ava *ava) {
  const unsigned char *v = ava->value;
  size_t i, len = ava->value_len;
  int utf8_ok = secftp_dn_utf8_valid(v, len);

  for (i = 0; i < len; i++) {
    char c = (char) v[i];
    size_t ctl = control_at(v, len, i);
    int res;

    if (ctl == 2) {
      /* A C1 control: both bytes of its UTF-8 form. */
      res = sb_hex(sb, "\\", v[i]);
      if (res == 0) {
        res = sb_hex(sb, "\\", v[++i]);
      }

    } else if (ctl == 1 ||
               (v[i] >= 0x80 && !utf8_ok)) {
      res = sb_hex(sb, "\\", v[i]);

    } else if (strchr("\"+,;<>\\", c) != NULL ||
               (i == 0 && (c == ' ' || c == '#')) ||
               (i == len - 1 && c == ' ')) {
      char esc[2] = { '\\', c };
      res = sb_append(sb, esc, 2);

    } else {
      res = sb_append(sb, &c, 1);
    }

    if (res < 0) {
      return -1;
    }
  }

  return 0;
}

static int format_ava(struct strbuf *sb, const struct secftp_dn_ava *ava) {
  const char *name;
  size_t i;

  name = type_name(ava->oid);
  if (name == NULL) {
    name = ava->oid;
  }

  if (sb_append(sb, name, strlen(name)) < 0 ||
      sb_append(sb, "=", 1) < 0) {
    return -1;
  }

  if (ava->der == NULL) {
    return format_value(sb, ava);
  }

  for (i = 0; i < ava->der_len; i++) {
    if (sb_hex(sb, i == 0 ? "#" : "", ava->der[i]) < 0) {
      return -1;
    }
  }

  return 0;
}

char *secftp_dn_format(const struct secftp_dn *dn) {
  struct strbuf sb = { NULL, 0, 0 };
  size_t i, j;

  if (dn == NULL) {
    errno = EINVAL;
    return NULL;
  }

  if (sb_append(&sb, "", 0) < 0) {
    return NULL;
  }

  for (i = 0; i < dn->nrdns; i++) {
    const struct secftp_dn_rdn *rdn = &dn->rdns[i];

    for (j = 0; j < rdn->navas; j++) {
      const char *sep = (j > 0 ? "+" : (i > 0 ? "," : ""));

      if (sb_append(&sb, sep, strlen(sep)) < 0 ||
          format_ava(&sb, &rdn->avas[j]) < 0) {
        free(sb.data);
        return NULL;
      }
    }
  }

  return sb.data;
}

char *secftp_dn_format_x509(const X509_NAME *name) {
  struct secftp_dn *dn;
  char *text;

  dn = secftp_dn_from_x509(name);
  if (dn == NULL) {
    return NULL;
  }

  text = secftp_dn_format(dn);
  secftp_dn_free(dn);
  return text;
}

static int ava_equal(const struct secftp_dn_ava *a,
    const struct secftp_dn_ava *b) {
  return !a->tainted &&
    !b->tainted &&
    strcmp(a->oid, b->oid) == 0 &&
    a->value_len == b->value_len &&
    memcmp(a->value, b->value, a->value_len) == 0;
}

/* Is every AVA of a also in b? */
static int rdn_contains(const struct secftp_dn_rdn *a,
    const struct secftp_dn_rdn *b) {
  size_t i, j;

  for (i = 0; i < a->navas; i++) {
    for (j = 0; j < b->navas; j++) {
      if (ava_equal(&a->avas[i], &b->avas[j])) {
        break;
      }
    }

    if (j == b->navas) {
      return 0;
    }
  }

  return 1;
}

/* Multi-valued RDNs are sets: their order carries no meaning. */
static int rdn_equal(const struct secftp_dn_rdn *a,
    const struct secftp_dn_rdn *b) {
  return a->navas == b->navas &&
    rdn_contains(a, b) &&
    rdn_contains(b, a);
}

int secftp_dn_match_suffix(const struct secftp_dn *filter,
    const struct secftp_dn *dn) {
  size_t i, off;

  if (filter == NULL ||
      dn == NULL) {
    errno = EINVAL;
    return -1;
  }

  if (dn->tainted ||
      filter->nrdns == 0 ||
      filter->nrdns > dn->nrdns) {
    return 0;
  }

  off = dn->nrdns - filter->nrdns;
  for (i = 0; i < filter->nrdns; i++) {
    if (!rdn_equal(&filter->rdns[i], &dn->rdns[off + i])) {
      return 0;
    }
  }

  return 1;
}

int secftp_dn_equal(const struct secftp_dn *a, const struct secftp_dn *b) {
  size_t i;

  if (a == NULL ||
      b == NULL) {
    errno = EINVAL;
    return -1;
  }

  if (a->nrdns != b->nrdns) {
    return 0;
  }

  for (i = 0; i < a->nrdns; i++) {
    if (!rdn_equal(&a->rdns[i], &b->rdns[i])) {
      return 0;
    }
  }

  return 1;
}
