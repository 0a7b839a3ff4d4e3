/*
 * Check suite for lib/secftp/dn.c.
 */

#include "tests.h"
#include "dn.h"

#include <stdlib.h>

static struct secftp_dn *parse(const char *s) {
  const char *why = NULL;
  struct secftp_dn *dn;

  dn = secftp_dn_parse(s, strlen(s), &why);
  ck_assert_msg(dn != NULL, "failed to parse '%s': %s", s,
    why != NULL ? why : "?");
  return dn;
}

/* Asserts that s does not parse, for the reason containing want. */
static void assert_bad(const char *s, size_t len, const char *want) {
  const char *why = NULL;
  struct secftp_dn *dn;

  dn = secftp_dn_parse(s, len, &why);
  ck_assert_msg(dn == NULL, "'%s' parsed, expected an error", s);
  ck_assert_msg(errno == EINVAL, "expected EINVAL for '%s', got %d", s,
    errno);
  ck_assert_msg(why != NULL && strstr(why, want) != NULL,
    "'%s': expected '%s' in '%s'", s, want, why != NULL ? why : "(null)");
}

static const struct secftp_dn_ava *ava_at(const struct secftp_dn *dn,
    size_t rdn, size_t ava) {
  ck_assert_uint_lt(rdn, dn->nrdns);
  ck_assert_uint_lt(ava, dn->rdns[rdn].navas);
  return &dn->rdns[rdn].avas[ava];
}

static void assert_ava(const struct secftp_dn_ava *ava, const char *oid,
    const char *value, size_t len) {
  ck_assert_str_eq(ava->oid, oid);
  ck_assert_uint_eq(ava->value_len, len);
  ck_assert_msg(memcmp(ava->value, value, len) == 0, "value mismatch: '%s'",
    (const char *) ava->value);
}

static int parsed_equal(const char *a, const char *b) {
  struct secftp_dn *x = parse(a), *y = parse(b);
  int res = secftp_dn_equal(x, y);

  secftp_dn_free(x);
  secftp_dn_free(y);
  return res;
}

/* Appends an entry; set 0 starts a new RDN, -1 joins the previous one. */
static void name_add(X509_NAME *name, const char *field, const char *value,
    int len, int set) {
  ck_assert_msg(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
    (const unsigned char *) value, len, -1, set) == 1,
    "cannot add %s=%s", field, value);
}

/* CN=alice,OU=Payments,O=Example Corp,C=DE (OpenSSL order reversed). */
static X509_NAME *alice_name(void) {
  X509_NAME *name = X509_NAME_new();

  name_add(name, "C", "DE", -1, 0);
  name_add(name, "O", "Example Corp", -1, 0);
  name_add(name, "OU", "Payments", -1, 0);
  name_add(name, "CN", "alice", -1, 0);
  return name;
}

static int x509_suffix(const char *filter, X509_NAME *name) {
  struct secftp_dn *f = parse(filter), *dn;
  int res;

  dn = secftp_dn_from_x509(name);
  ck_assert_ptr_nonnull(dn);
  res = secftp_dn_match_suffix(f, dn);
  secftp_dn_free(f);
  secftp_dn_free(dn);
  return res;
}

static void assert_format(X509_NAME *name, const char *want) {
  char *text = secftp_dn_format_x509(name);

  ck_assert_ptr_nonnull(text);
  ck_assert_str_eq(text, want);
  free(text);
}

START_TEST (dn_null_test) {
  const char *why = NULL;
  struct secftp_dn *dn;

  mark_point();
  ck_assert_ptr_null(secftp_dn_parse(NULL, 0, &why));
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_ptr_nonnull(why);
  ck_assert_ptr_null(secftp_dn_parse(NULL, 3, NULL));
  ck_assert_ptr_null(secftp_dn_from_x509(NULL));
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_ptr_null(secftp_dn_format(NULL));
  ck_assert_ptr_null(secftp_dn_format_x509(NULL));

  dn = parse("CN=a");
  ck_assert_int_eq(secftp_dn_match_suffix(NULL, dn), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(secftp_dn_match_suffix(dn, NULL), -1);
  ck_assert_int_eq(secftp_dn_equal(dn, NULL), -1);
  ck_assert_int_eq(secftp_dn_equal(NULL, dn), -1);
  secftp_dn_free(dn);
  secftp_dn_free(NULL);

  ck_assert_int_eq(secftp_dn_utf8_valid(NULL, 0), 1);
  ck_assert_int_eq(secftp_dn_has_control(NULL, 0), 0);
}
END_TEST

START_TEST (dn_parse_simple_test) {
  struct secftp_dn *dn;

  mark_point();
  dn = parse("OU=Payments,O=Example Corp");
  ck_assert_uint_eq(dn->nrdns, 2);
  ck_assert_int_eq(dn->tainted, 0);
  assert_ava(ava_at(dn, 0, 0), "2.5.4.11", "Payments", 8);
  assert_ava(ava_at(dn, 1, 0), "2.5.4.10", "Example Corp", 12);
  secftp_dn_free(dn);

  /* Blanks around separators and at the ends of values are not kept. */
  dn = parse("  CN = a  b ,  O=x  ");
  ck_assert_uint_eq(dn->nrdns, 2);
  assert_ava(ava_at(dn, 0, 0), "2.5.4.3", "a  b", 4);
  assert_ava(ava_at(dn, 1, 0), "2.5.4.10", "x", 1);
  secftp_dn_free(dn);

  dn = parse("");
  ck_assert_uint_eq(dn->nrdns, 0);
  secftp_dn_free(dn);
  dn = parse("   ");
  ck_assert_uint_eq(dn->nrdns, 0);
  secftp_dn_free(dn);

  /* An empty value is a value. */
  dn = parse("CN=,O=x");
  assert_ava(ava_at(dn, 0, 0), "2.5.4.3", "", 0);
  secftp_dn_free(dn);

  /* Unescaped '=' and non-leading '#' are plain characters. */
  dn = parse("CN=a=b#c");
  assert_ava(ava_at(dn, 0, 0), "2.5.4.3", "a=b#c", 5);
  secftp_dn_free(dn);
}
END_TEST

START_TEST (dn_parse_types_test) {
  struct secftp_dn *dn;

  mark_point();
  ck_assert_int_eq(parsed_equal("cn=a,o=b", "CN=a,O=b"), 1);
  ck_assert_int_eq(parsed_equal("Cn=a", "2.5.4.3=a"), 1);
  ck_assert_int_eq(parsed_equal("E=x@y", "emailAddress=x@y"), 1);
  ck_assert_int_eq(parsed_equal("EMAILADDRESS=x@y",
    "1.2.840.113549.1.9.1=x@y"), 1);
  ck_assert_int_eq(parsed_equal("uid=u,dc=example,dc=com",
    "0.9.2342.19200300.100.1.1=u,DC=example,0.9.2342.19200300.100.1.25=com"),
    1);
  ck_assert_int_eq(parsed_equal("st=Bavaria,l=Munich,street=Main",
    "2.5.4.8=Bavaria,2.5.4.7=Munich,2.5.4.9=Main"), 1);
  ck_assert_int_eq(parsed_equal("serialNumber=1,SN=s,GN=g,title=t",
    "2.5.4.5=1,2.5.4.4=s,2.5.4.42=g,2.5.4.12=t"), 1);
  ck_assert_int_eq(parsed_equal("CN=a", "O=a"), 0);

  dn = parse("1.2.3.4=x");
  assert_ava(ava_at(dn, 0, 0), "1.2.3.4", "x", 1);
  secftp_dn_free(dn);

  assert_bad("XX=a", 4, "unknown attribute type");
  assert_bad("commonName=a", 12, "unknown attribute type");
  assert_bad("01.2=a", 6, "bad numeric OID");
  assert_bad("1..2=a", 6, "bad numeric OID");
  assert_bad("1=a", 3, "bad numeric OID");
  assert_bad("1.2.=a", 6, "bad numeric OID");
  assert_bad("=a", 2, "missing attribute type");
  assert_bad("CN", 2, "missing '='");
  assert_bad("CN a", 4, "missing '='");
}
END_TEST

START_TEST (dn_parse_escapes_test) {
  struct secftp_dn *dn;

  mark_point();
  dn = parse("CN=a\\,b\\+c\\\"d\\\\e\\;f\\<g\\>h\\=i");
  assert_ava(ava_at(dn, 0, 0), "2.5.4.3", "a,b+c\"d\\e;f<g>h=i", 17);
  ck_assert_uint_eq(dn->nrdns, 1);
  secftp_dn_free(dn);

  /* Escaped blanks at either end are kept, unescaped ones dropped. */
  dn = parse("CN=\\ lead,O=trail\\ ,OU=\\  \\ ");
  assert_ava(ava_at(dn, 0, 0), "2.5.4.3", " lead", 5);
  assert_ava(ava_at(dn, 1, 0), "2.5.4.10", "trail ", 6);
  assert_ava(ava_at(dn, 2, 0), "2.5.4.11", "   ", 3);
  secftp_dn_free(dn);

  dn = parse("CN=\\#x,O=\\4F\\4b");
  assert_ava(ava_at(dn, 0, 0), "2.5.4.3", "#x", 2);
  assert_ava(ava_at(dn, 1, 0), "2.5.4.10", "OK", 2);
  secftp_dn_free(dn);

  /* Hex escapes carry UTF-8. */
  dn = parse("L=Z\\C3\\BCrich");
  assert_ava(ava_at(dn, 0, 0), "2.5.4.7", "Z\xc3\xbcrich", 7);
  secftp_dn_free(dn);

  assert_bad("CN=a\\zb", 7, "bad escape");
  assert_bad("CN=a\\4", 6, "bad escape");
  assert_bad("CN=a\\", 5, "backslash at the end");
  assert_bad("CN=a\"b", 6, "unescaped special");
  assert_bad("CN=a;b", 6, "unescaped special");
  assert_bad("CN=a<b", 6, "unescaped special");
  assert_bad("CN=a>b", 6, "unescaped special");
  assert_bad("CN=a\0b", 6, "unescaped special");
  assert_bad("CN=a\\00b", 8, "NUL or a control");
  assert_bad("CN=a\\0Ab", 8, "NUL or a control");
  assert_bad("CN=a\tb", 6, "NUL or a control");
  assert_bad("CN=a\\7F", 7, "NUL or a control");
  assert_bad("CN=a\\C2\\85", 10, "NUL or a control");
  assert_bad("CN=a\\FF", 7, "not valid UTF-8");
  assert_bad("CN=a\xc3", 5, "not valid UTF-8");
  assert_bad("CN=a,", 5, "missing attribute");
  assert_bad("CN=a+", 5, "missing attribute");
  assert_bad("CN=a, ", 6, "missing attribute type");
  assert_bad(",CN=a", 5, "missing attribute type");
}
END_TEST

START_TEST (dn_parse_hex_test) {
  struct secftp_dn *dn;

  mark_point();
  /* UTF8String, PrintableString and BMPString of the same text. */
  dn = parse("CN=#0C03616263,O=#1303616263,OU=#1E06006100620063 ");
  ck_assert_uint_eq(dn->nrdns, 3);
  ck_assert_int_eq(parsed_equal("CN=#0C03616263", "CN=abc"), 1);
  ck_assert_int_eq(parsed_equal("O=#1303616263", "O=abc"), 1);
  secftp_dn_free(dn);

  dn = parse("OU=#1E06006100620063 ,CN=#0c03616263+UID=x");
  assert_ava(ava_at(dn, 0, 0), "2.5.4.11", "abc", 3);
  assert_ava(ava_at(dn, 1, 0), "2.5.4.3", "abc", 3);
  ck_assert_uint_eq(dn->rdns[1].navas, 2);
  secftp_dn_free(dn);

  /* UTF-8 inside the BER. */
  ck_assert_int_eq(parsed_equal("L=#0C075AC3BC72696368", "L=Z\xc3\xbcrich"),
    1);

  assert_bad("CN=#", 4, "pairs of hex");
  assert_bad("CN=#0C0361626", 13, "pairs of hex");
  assert_bad("CN=#0C03616263x", 15, "after #hex");
  assert_bad("CN=#0C03616263 x", 16, "after #hex");
  assert_bad("CN=#020101", 10, "BER of a directory string");
  assert_bad("CN=#0C0361626364", 16, "BER of a directory string");
  assert_bad("CN=#0C046162", 12, "BER of a directory string");
  assert_bad("CN=#0C03610062", 14, "NUL or a control");
}
END_TEST

START_TEST (dn_parse_multivalued_test) {
  struct secftp_dn *dn;

  mark_point();
  dn = parse("CN=a+UID=b,O=x");
  ck_assert_uint_eq(dn->nrdns, 2);
  ck_assert_uint_eq(dn->rdns[0].navas, 2);
  assert_ava(ava_at(dn, 0, 0), "2.5.4.3", "a", 1);
  assert_ava(ava_at(dn, 0, 1), "0.9.2342.19200300.100.1.1", "b", 1);
  secftp_dn_free(dn);

  /* A multi-valued RDN is a set. */
  ck_assert_int_eq(parsed_equal("CN=a+UID=b,O=x", "UID=b + CN=a,O=x"), 1);
  ck_assert_int_eq(parsed_equal("CN=a+UID=b,O=x", "CN=a,UID=b,O=x"), 0);
  ck_assert_int_eq(parsed_equal("CN=a+UID=b,O=x", "CN=a,O=x"), 0);
  ck_assert_int_eq(parsed_equal("CN=a+CN=b", "CN=a+CN=c"), 0);
  ck_assert_int_eq(parsed_equal("O=x,CN=a", "CN=a,O=x"), 0);

  assert_bad("CN=a+CN=a", 9, "repeated");
  assert_bad("CN=a+cn=a,O=x", 13, "repeated");
}
END_TEST

START_TEST (dn_utf8_test) {
  static const struct {
    const char *s;
    size_t len;
    int valid;
  } cases[] = {
    { "", 0, 1 },
    { "plain", 5, 1 },
    { "Z\xc3\xbcrich", 7, 1 },
    { "\xe2\x82\xac", 3, 1 },
    { "\xf0\x9f\x94\x92", 4, 1 },
    { "\xc0\x80", 2, 0 },
    { "\xc1\xbf", 2, 0 },
    { "\xe0\x80\x80", 3, 0 },
    { "\xed\xa0\x80", 3, 0 },
    { "\xf0\x80\x80\x80", 4, 0 },
    { "\xf4\x90\x80\x80", 4, 0 },
    { "\xf5\x80\x80\x80", 4, 0 },
    { "\xe2\x82", 2, 0 },
    { "\x80", 1, 0 },
    { "\xc3\x28", 2, 0 },
    { NULL, 0, 0 }
  };
  size_t i;

  mark_point();
  for (i = 0; cases[i].s != NULL; i++) {
    ck_assert_msg(secftp_dn_utf8_valid((const unsigned char *) cases[i].s,
      cases[i].len) == cases[i].valid, "case %u", (unsigned) i);
  }

  ck_assert_int_eq(secftp_dn_has_control((const unsigned char *) "a\0b", 3),
    1);
  ck_assert_int_eq(secftp_dn_has_control((const unsigned char *) "a\x7f", 2),
    1);
  ck_assert_int_eq(secftp_dn_has_control((const unsigned char *) "\xc2\x9f",
    2), 1);
  ck_assert_int_eq(secftp_dn_has_control((const unsigned char *) "\xc2\xa0",
    2), 0);
  ck_assert_int_eq(secftp_dn_has_control((const unsigned char *) "a b~", 4),
    0);
}
END_TEST

START_TEST (dn_from_x509_test) {
  X509_NAME *name;
  struct secftp_dn *dn;

  mark_point();
  name = alice_name();
  dn = secftp_dn_from_x509(name);
  ck_assert_ptr_nonnull(dn);
  ck_assert_uint_eq(dn->nrdns, 4);
  ck_assert_int_eq(dn->tainted, 0);
  assert_ava(ava_at(dn, 0, 0), "2.5.4.3", "alice", 5);
  assert_ava(ava_at(dn, 1, 0), "2.5.4.11", "Payments", 8);
  assert_ava(ava_at(dn, 2, 0), "2.5.4.10", "Example Corp", 12);
  assert_ava(ava_at(dn, 3, 0), "2.5.4.6", "DE", 2);
  secftp_dn_free(dn);
  X509_NAME_free(name);

  /* Multi-valued RDN: CN and UID in one set. */
  name = X509_NAME_new();
  name_add(name, "O", "x", -1, 0);
  name_add(name, "CN", "a", -1, 0);
  name_add(name, "UID", "b", -1, -1);
  dn = secftp_dn_from_x509(name);
  ck_assert_uint_eq(dn->nrdns, 2);
  ck_assert_uint_eq(dn->rdns[0].navas, 2);
  ck_assert_uint_eq(dn->rdns[1].navas, 1);
  secftp_dn_free(dn);
  ck_assert_int_eq(x509_suffix("UID=b+CN=a,O=x", name), 1);
  ck_assert_int_eq(x509_suffix("CN=a,O=x", name), 0);
  X509_NAME_free(name);

  /* An empty name. */
  name = X509_NAME_new();
  dn = secftp_dn_from_x509(name);
  ck_assert_uint_eq(dn->nrdns, 0);
  secftp_dn_free(dn);
  X509_NAME_free(name);
}
END_TEST

START_TEST (dn_from_x509_tainted_test) {
  X509_NAME *name;
  struct secftp_dn *dn;

  mark_point();
  /* A NUL inside the CN, given with an explicit length. */
  name = alice_name();
  X509_NAME_ENTRY_free(X509_NAME_delete_entry(name, 3));
  name_add(name, "CN", "ali\0ce", 6, 0);
  dn = secftp_dn_from_x509(name);
  ck_assert_int_eq(dn->tainted, 1);
  ck_assert_int_eq(dn->rdns[0].avas[0].tainted, 1);
  ck_assert_int_eq(dn->rdns[1].avas[0].tainted, 0);
  assert_ava(ava_at(dn, 0, 0), "2.5.4.3", "ali\0ce", 6);
  secftp_dn_free(dn);

  /* A tainted DN matches no filter, not even on its clean RDNs. */
  ck_assert_int_eq(x509_suffix("O=Example Corp,C=DE", name), 0);
  X509_NAME_free(name);

  name = X509_NAME_new();
  name_add(name, "O", "line\nbreak", -1, 0);
  dn = secftp_dn_from_x509(name);
  ck_assert_int_eq(dn->tainted, 1);
  secftp_dn_free(dn);
  X509_NAME_free(name);

  name = X509_NAME_new();
  name_add(name, "O", "del\x7f", -1, 0);
  dn = secftp_dn_from_x509(name);
  ck_assert_int_eq(dn->tainted, 1);
  secftp_dn_free(dn);
  X509_NAME_free(name);
}
END_TEST

START_TEST (dn_utf8_values_test) {
  X509_NAME *name;
  ASN1_STRING *bmp;
  X509_NAME_ENTRY *entry;
  static const unsigned char zurich_bmp[] = {
    0, 'Z', 0, 0xfc, 0, 'r', 0, 'i', 0, 'c', 0, 'h'
  };

  mark_point();
  name = X509_NAME_new();
  name_add(name, "C", "CH", -1, 0);

  /* A BMPString in the certificate, UTF-8 in the filter. */
  entry = X509_NAME_ENTRY_create_by_txt(NULL, "L", V_ASN1_BMPSTRING,
    zurich_bmp, sizeof(zurich_bmp));
  ck_assert_ptr_nonnull(entry);
  bmp = X509_NAME_ENTRY_get_data(entry);
  ck_assert_int_eq(ASN1_STRING_type(bmp), V_ASN1_BMPSTRING);
  ck_assert_int_eq(X509_NAME_add_entry(name, entry, -1, 0), 1);
  X509_NAME_ENTRY_free(entry);

  name_add(name, "O", "Gr\xc3\xbc" "ezi AG", -1, 0);

  ck_assert_int_eq(x509_suffix("O=Gr\xc3\xbc" "ezi AG,L=Z\xc3\xbcrich,C=CH",
    name), 1);
  ck_assert_int_eq(x509_suffix("L=Z\\C3\\BCrich,C=CH", name), 1);
  ck_assert_int_eq(x509_suffix("L=Zurich,C=CH", name), 0);
  ck_assert_int_eq(x509_suffix("L=Z\xc3\x9c" "rich,C=CH", name), 0);
  assert_format(name, "O=Gr\xc3\xbc" "ezi AG,L=Z\xc3\xbcrich,C=CH");
  X509_NAME_free(name);
}
END_TEST

START_TEST (dn_match_suffix_test) {
  X509_NAME *name;
  struct secftp_dn *empty, *dn;

  mark_point();
  name = alice_name();
  ck_assert_int_eq(x509_suffix("C=DE", name), 1);
  ck_assert_int_eq(x509_suffix("O=Example Corp,C=DE", name), 1);
  ck_assert_int_eq(x509_suffix("OU=Payments,O=Example Corp,C=DE", name), 1);
  ck_assert_int_eq(x509_suffix("CN=alice,OU=Payments,O=Example Corp,C=DE",
    name), 1);
  ck_assert_int_eq(x509_suffix("ou=Payments, o=Example Corp, c=DE", name), 1);
  ck_assert_int_eq(x509_suffix("2.5.4.10=Example Corp,2.5.4.6=DE", name), 1);

  /* Not a suffix: a middle or leading part, or one RDN too many. */
  ck_assert_int_eq(x509_suffix("OU=Payments,O=Example Corp", name), 0);
  ck_assert_int_eq(x509_suffix("CN=alice", name), 0);
  ck_assert_int_eq(x509_suffix("CN=x,CN=alice,OU=Payments,O=Example Corp,"
    "C=DE", name), 0);

  /* Values are exact: case, blanks, and the type must agree. */
  ck_assert_int_eq(x509_suffix("O=example corp,C=DE", name), 0);
  ck_assert_int_eq(x509_suffix("O=Example  Corp,C=DE", name), 0);
  ck_assert_int_eq(x509_suffix("O=Example Corp,C=de", name), 0);
  ck_assert_int_eq(x509_suffix("OU=Example Corp,C=DE", name), 0);
  ck_assert_int_eq(x509_suffix("O=Example Cor,C=DE", name), 0);

  /* An empty filter matches nothing. */
  empty = parse("");
  dn = secftp_dn_from_x509(name);
  ck_assert_int_eq(secftp_dn_match_suffix(empty, dn), 0);
  secftp_dn_free(empty);
  secftp_dn_free(dn);
  X509_NAME_free(name);

  /* A multi-valued least specific RDN. */
  name = X509_NAME_new();
  name_add(name, "O", "x", -1, 0);
  name_add(name, "OU", "y", -1, -1);
  name_add(name, "CN", "z", -1, 0);
  ck_assert_int_eq(x509_suffix("OU=y+O=x", name), 1);
  ck_assert_int_eq(x509_suffix("O=x", name), 0);
  ck_assert_int_eq(x509_suffix("CN=z,O=x+OU=y", name), 1);
  X509_NAME_free(name);
}
END_TEST

START_TEST (dn_format_test) {
  X509_NAME *name;
  X509_NAME_ENTRY *entry;
  ASN1_OBJECT *obj;

  mark_point();
  name = alice_name();
  assert_format(name, "CN=alice,OU=Payments,O=Example Corp,C=DE");
  X509_NAME_free(name);

  name = X509_NAME_new();
  name_add(name, "O", "a,b+c\"d\\e;f<g>h", -1, 0);
  name_add(name, "OU", " lead#", -1, 0);
  name_add(name, "OU", "#trail ", -1, 0);
  name_add(name, "CN", "a", -1, 0);
  name_add(name, "UID", "b", -1, -1);
  assert_format(name, "CN=a+UID=b,OU=\\#trail\\ ,OU=\\ lead#,"
    "O=a\\,b\\+c\\\"d\\\\e\\;f\\<g\\>h");
  X509_NAME_free(name);

  /* NUL and control characters never reach a log line raw. */
  name = X509_NAME_new();
  name_add(name, "O", "tab\there", -1, 0);
  name_add(name, "CN", "ali\0ce\n\x7f", 8, 0);
  assert_format(name, "CN=ali\\00ce\\0A\\7F,O=tab\\09here");
  X509_NAME_free(name);

  /* A C1 control (U+0085) is escaped byte by byte. */
  name = X509_NAME_new();
  name_add(name, "CN", "a\xc2\x85z", -1, 0);
  assert_format(name, "CN=a\\C2\\85z");
  X509_NAME_free(name);

  /* An unknown type: dotted OID and the BER in hex (RFC 4514 2.4). */
  name = X509_NAME_new();
  obj = OBJ_txt2obj("1.2.3.4", 1);
  entry = X509_NAME_ENTRY_create_by_OBJ(NULL, obj, V_ASN1_UTF8STRING,
    (const unsigned char *) "x", 1);
  ck_assert_int_eq(X509_NAME_add_entry(name, entry, -1, 0), 1);
  X509_NAME_ENTRY_free(entry);
  ASN1_OBJECT_free(obj);
  name_add(name, "CN", "y", -1, 0);
  assert_format(name, "CN=y,1.2.3.4=#0C0178");
  X509_NAME_free(name);

  name = X509_NAME_new();
  assert_format(name, "");
  X509_NAME_free(name);
}
END_TEST

/* Formatting a parsed DN and parsing the result gives the same DN. */
START_TEST (dn_format_roundtrip_test) {
  static const char *cases[] = {
    "CN=a\\,b,O=x",
    "CN=\\ x\\ ,OU=\\#y,O=\\  \\ ",
    "CN=a+UID=b,DC=example,DC=com",
    "1.2.3.4=v\\+w,CN=#0C03616263",
    "L=Z\\C3\\BCrich,C=CH",
    "E=a@b,CN=",
    NULL
  };
  size_t i;

  mark_point();
  for (i = 0; cases[i] != NULL; i++) {
    struct secftp_dn *dn = parse(cases[i]), *again;
    char *text = secftp_dn_format(dn);

    ck_assert_ptr_nonnull(text);
    again = parse(text);
    ck_assert_msg(secftp_dn_equal(dn, again) == 1, "'%s' -> '%s'",
      cases[i], text);
    secftp_dn_free(again);
    secftp_dn_free(dn);
    free(text);
  }
}
END_TEST

Suite *tests_get_dn_suite(void) {
  Suite *suite;
  TCase *testcase;

  suite = suite_create("dn");
  testcase = tcase_create("base");

  tcase_add_test(testcase, dn_null_test);
  tcase_add_test(testcase, dn_parse_simple_test);
  tcase_add_test(testcase, dn_parse_types_test);
  tcase_add_test(testcase, dn_parse_escapes_test);
  tcase_add_test(testcase, dn_parse_hex_test);
  tcase_add_test(testcase, dn_parse_multivalued_test);
  tcase_add_test(testcase, dn_utf8_test);
  tcase_add_test(testcase, dn_from_x509_test);
  tcase_add_test(testcase, dn_from_x509_tainted_test);
  tcase_add_test(testcase, dn_utf8_values_test);
  tcase_add_test(testcase, dn_match_suffix_test);
  tcase_add_test(testcase, dn_format_test);
  tcase_add_test(testcase, dn_format_roundtrip_test);

  suite_add_tcase(suite, testcase);
  return suite;
}
