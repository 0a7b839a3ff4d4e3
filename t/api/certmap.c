/*
 * Check suite for lib/secftp/certmap.c.
 *
 * Test certificates are built here with the OpenSSL API: no files.
 */

#include "tests.h"
#include "certmap.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

static EVP_PKEY *test_key = NULL;

static void set_up(void) {
  test_key = EVP_EC_gen("P-256");
  ck_assert_ptr_nonnull(test_key);
}

static void tear_down(void) {
  EVP_PKEY_free(test_key);
  test_key = NULL;
}

/* Adds the RDNs of a plain "CN=a,O=b" string (no escapes, no '+') to name,
 * least specific first as OpenSSL keeps them.
 */
static void add_rdns(X509_NAME *name, const char *dn) {
  char *copy = strdup(dn), *rdns[16], *save = NULL, *tok;
  int n = 0;

  for (tok = strtok_r(copy, ",", &save); tok != NULL && n < 16;
       tok = strtok_r(NULL, ",", &save)) {
    rdns[n++] = tok;
  }

  while (n-- > 0) {
    char *eq = strchr(rdns[n], '=');

    ck_assert_ptr_nonnull(eq);
    *eq = '\0';
    ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, rdns[n], MBSTRING_UTF8,
      (const unsigned char *) eq + 1, -1, -1, 0), 1);
  }

  free(copy);
}

static X509 *cert_new(const char *subject, const char *issuer) {
  X509 *cert = X509_new();

  ck_assert_ptr_nonnull(cert);
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 0x0a0b0c);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, test_key);
  add_rdns(X509_get_subject_name(cert), subject);
  add_rdns(X509_get_issuer_name(cert), issuer);
  return cert;
}

/* Adds one entry (value of len bytes, -1 for strlen) to the subject. */
static void subject_add(X509 *cert, const char *field, const char *value,
    int len) {
  ck_assert_int_eq(X509_NAME_add_entry_by_txt(X509_get_subject_name(cert),
    field, MBSTRING_UTF8, (const unsigned char *) value, len, -1, 0), 1);
}

static void san_add_email(GENERAL_NAMES *sans, const char *value, int len) {
  GENERAL_NAME *gn = GENERAL_NAME_new();
  ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

  ASN1_STRING_set(ia5, value, len);
  GENERAL_NAME_set0_value(gn, GEN_EMAIL, ia5);
  sk_GENERAL_NAME_push(sans, gn);
}

static void san_add_dns(GENERAL_NAMES *sans, const char *value) {
  GENERAL_NAME *gn = GENERAL_NAME_new();
  ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

  ASN1_STRING_set(ia5, value, -1);
  GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
  sk_GENERAL_NAME_push(sans, gn);
}

/* A UPN otherName whose value has the given ASN.1 string type. */
static void san_add_upn(GENERAL_NAMES *sans, const char *value, int len,
    int type) {
  GENERAL_NAME *gn = GENERAL_NAME_new();
  ASN1_TYPE *any = ASN1_TYPE_new();
  ASN1_STRING *str = ASN1_STRING_type_new(type);

  ASN1_STRING_set(str, value, len);
  ASN1_TYPE_set(any, type, str);
  ck_assert_int_eq(GENERAL_NAME_set0_othername(gn,
    OBJ_txt2obj(SECFTP_CERTMAP_UPN_OID, 1), any), 1);
  sk_GENERAL_NAME_push(sans, gn);
}

/* Adds sans (if any) and signs, which fixes the DER. */
static void cert_finish(X509 *cert, GENERAL_NAMES *sans) {
  if (sans != NULL) {
    ck_assert_int_eq(X509_add1_ext_i2d(cert, NID_subject_alt_name, sans, 0,
      X509V3_ADD_APPEND), 1);
    GENERAL_NAMES_free(sans);
  }

  ck_assert_int_gt(X509_sign(cert, test_key, EVP_sha256()), 0);
}

static X509 *cert_make(const char *subject, const char *issuer) {
  X509 *cert = cert_new(subject, issuer);

  cert_finish(cert, NULL);
  return cert;
}

static struct secftp_certmap *map_parse(const char *text) {
  struct secftp_certmap_error err;
  struct secftp_certmap *map;

  map = secftp_certmap_parse(text, strlen(text), &err);
  ck_assert_msg(map != NULL, "map failed at line %u: %s", err.line, err.msg);
  return map;
}

/* Asserts that text fails at line, with want in the message. */
static void assert_bad_map_len(const char *text, size_t len,
    unsigned int line, const char *want) {
  struct secftp_certmap_error err;
  struct secftp_certmap *map;

  map = secftp_certmap_parse(text, len, &err);
  ck_assert_msg(map == NULL, "map parsed, expected an error: %s", text);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_msg(err.line == line && strstr(err.msg, want) != NULL,
    "map '%s': expected line %u '%s', got line %u '%s'", text, line, want,
    err.line, err.msg);
}

static void assert_bad_map(const char *text, unsigned int line,
    const char *want) {
  assert_bad_map_len(text, strlen(text), line, want);
}

/* Maps cert with a map of text; returns the status, user in res. */
static int map_cert(const char *text, X509 *cert,
    struct secftp_certmap_result *res) {
  struct secftp_certmap *map = map_parse(text);

  ck_assert_int_eq(secftp_certmap_match(map, cert, res), 0);
  ck_assert_ptr_nonnull(res->reason);
  secftp_certmap_free(map);
  return res->status;
}

static void assert_mapped(const char *text, X509 *cert, const char *user,
    unsigned int line) {
  struct secftp_certmap_result res;

  ck_assert_msg(map_cert(text, cert, &res) == SECFTP_CERTMAP_MAPPED,
    "not mapped (%s, line %u)", res.reason, res.line);
  ck_assert_str_eq(res.user, user);
  ck_assert_uint_eq(res.line, line);
}

static void assert_not_mapped(const char *text, X509 *cert, int status,
    unsigned int line) {
  struct secftp_certmap_result res;

  ck_assert_msg(map_cert(text, cert, &res) == status,
    "expected status %d, got %d (%s) user '%s'", status, res.status,
    res.reason, res.user);
  ck_assert_str_eq(res.user, "");
  ck_assert_uint_eq(res.line, line);
}

static const char *fp_of(X509 *cert, char *buf) {
  ck_assert_int_eq(secftp_certmap_fingerprint(cert, buf,
    SECFTP_CERTMAP_FINGERPRINT_SIZE), 0);
  return buf;
}

#define FP_A "sha256:" \
  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:" \
  "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff"
#define FP_B "SHA256:" \
  "00112233445566778899aabbccddeeff00112233445566778899aabbccddeef0"

START_TEST (certmap_null_test) {
  struct secftp_certmap_error err;
  struct secftp_certmap_result res;
  struct secftp_certmap *map;
  char buf[SECFTP_CERTMAP_FINGERPRINT_SIZE];
  X509 *cert;

  mark_point();
  ck_assert_ptr_null(secftp_certmap_parse(NULL, 0, &err));
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_ptr_null(secftp_certmap_parse(NULL, 0, NULL));
  secftp_certmap_free(NULL);
  ck_assert_uint_eq(secftp_certmap_count(NULL), 0);

  map = map_parse("");
  cert = cert_make("CN=a", "CN=ca");
  ck_assert_int_eq(secftp_certmap_match(NULL, cert, &res), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(secftp_certmap_match(map, NULL, &res), -1);
  ck_assert_int_eq(secftp_certmap_match(map, cert, NULL), -1);

  ck_assert_int_eq(secftp_certmap_fingerprint(NULL, buf, sizeof(buf)), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(secftp_certmap_fingerprint(cert, NULL, sizeof(buf)), -1);
  ck_assert_int_eq(secftp_certmap_fingerprint(cert, buf, sizeof(buf) - 1),
    -1);
  ck_assert_int_eq(errno, ERANGE);
  ck_assert_int_eq(secftp_certmap_serial(NULL, buf, sizeof(buf)), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(secftp_certmap_serial(cert, NULL, sizeof(buf)), -1);
  ck_assert_int_eq(secftp_certmap_serial(cert, buf, 6), -1);
  ck_assert_int_eq(errno, ERANGE);
  ck_assert_int_eq(secftp_certmap_user_ok(NULL, 3), 0);

  /* An empty map maps nothing. */
  ck_assert_int_eq(secftp_certmap_match(map, cert, &res), 0);
  ck_assert_int_eq(res.status, SECFTP_CERTMAP_NO_RULE);
  ck_assert_uint_eq(secftp_certmap_count(map), 0);

  secftp_certmap_free(map);
  X509_free(cert);
}
END_TEST

START_TEST (certmap_parse_test) {
  struct secftp_certmap *map;
  static const char text[] =
    "# SecureCertMap for tests\r\n"
    "\r\n"
    "   \t\n"
    "cert " FP_A "  alice   # one certificate\n"
    "CERT " FP_B "\tbob\n"
    "filter subject=\"OU=Payments,O=Example Corp\" "
      "issuer=\"CN=Example CA,O=Example Corp\" user=payments\n"
    "Filter Issuer=\"CN=Partner CA,O=Partner Ltd\" USER=@cn  # from a field\n"
    "filter issuer=CN=Other\\ CA,O=x user=@uid\n"
    "filter subject=\"O=Quote \\\"Q\\\" Ltd\" user=@Email\n"
    "filter subject=O=#0C0141 user=@UPN\n"
    "filter subject=\"O=a\" issuer=\"O=b\" user=al#ice";

  mark_point();
  map = map_parse(text);
  ck_assert_uint_eq(secftp_certmap_count(map), 8);
  secftp_certmap_free(map);
}
END_TEST

START_TEST (certmap_bad_lines_test) {
  static const char fp63[] = "sha256:"
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE";
  static const char fpmixed[] = "sha256:"
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
    "00112233:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
  static const struct {
    const char *text;
    unsigned int line;
    const char *want;
  } cases[] = {
    { "bogus x", 1, "unknown rule 'bogus'" },
    { "# c\n\ncert", 3, "needs a fingerprint and a user" },
    { "cert " FP_A, 1, "needs a fingerprint and a user" },
    { "cert sha256:zz alice", 1, "bad fingerprint 'sha256:zz'" },
    { "cert md5:00:11 alice", 1, "bad fingerprint" },
    { "cert 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff "
      "alice", 1, "bad fingerprint" },
    { "cert " FP_A ":00 alice", 1, "bad fingerprint" },
    { "cert " FP_B "0 alice", 1, "bad fingerprint" },
    { "cert " FP_A " alice extra", 1, "unexpected 'extra'" },
    { "cert " FP_A " @CN", 1, "takes a user name, not the field" },
    { "cert " FP_A " a/b", 1, "bad user name 'a/b'" },
    { "cert " FP_A " ..", 1, "bad user name" },
    { "cert " FP_A " .", 1, "bad user name" },
    { "cert " FP_A " a\\b", 1, "bad user name" },
    { "cert " FP_A " a\"b", 1, "bad user name" },
    { "cert " FP_A " a\x01" "b", 1, "bad user name 'a?b'" },
    { "cert " FP_A " \xff", 1, "bad user name" },
    { "filter user=a", 1, "needs subject= or issuer=" },
    { "filter\n\nfilter subject=\"CN=a\"", 1, "needs subject= or issuer=" },
    { "#\nfilter subject=\"CN=a\"", 2, "needs user=" },
    { "filter subject=\"CN=a\" subject=\"CN=b\" user=a", 1,
      "subject= given twice" },
    { "filter issuer=CN=a issuer=CN=a user=a", 1, "issuer= given twice" },
    { "filter issuer=CN=a user=a user=b", 1, "user= given twice" },
    { "filter subject=\"CN=a user=a", 1, "unterminated quote" },
    { "filter subject=\"CN=a\\\" user=a", 1, "unterminated quote" },
    { "filter subject=\"CN=a\"x user=a", 1, "after the closing quote" },
    { "filter subject=CN=a\"b\" user=a", 1, "stray quote" },
    { "filter issuer=CN=a\\", 1, "backslash at the end" },
    { "filter subject=CN=a user=@foo", 1, "unknown field '@foo'" },
    { "filter subject=CN=a user=@", 1, "unknown field" },
    { "filter subject=CN=a user=\"a\"", 1, "without quotes" },
    { "filter subject=CN=a user=", 1, "empty value for user=" },
    { "filter subject=CN=a user=a/b", 1, "bad user name" },
    { "filter subject=\"XX=a\" user=a", 1,
      "bad DN in subject=: unknown attribute type" },
    { "filter issuer=\"CN=a\\00\" user=a", 1,
      "bad DN in issuer=: value holds NUL" },
    { "filter issuer=\"CN=#020101\" user=a", 1, "directory string" },
    { "filter subject=\"\" user=a", 1, "empty value for subject=" },
    { "filter subject=\"  \" user=a", 1, "empty DN in subject=" },
    { "filter color=red user=a", 1, "unknown key 'color'" },
    { "filter subject", 1, "expected key=value, got 'subject'" },
    { "filter subject =CN=a user=a", 1, "expected key=value" },
    { NULL, 0, NULL }
  };
  static const char nul_map[] =
    "cert " FP_A " alice\nfilter sub\0ject=CN=a user=a\n";
  size_t i;
  char buf[256];

  mark_point();
  for (i = 0; cases[i].text != NULL; i++) {
    assert_bad_map(cases[i].text, cases[i].line, cases[i].want);
  }

  snprintf(buf, sizeof(buf), "cert %s alice", fp63);
  assert_bad_map(buf, 1, "bad fingerprint");
  snprintf(buf, sizeof(buf), "\n\ncert %s alice", fpmixed);
  assert_bad_map(buf, 3, "bad fingerprint");

  /* A NUL byte in the text (a map from Redis can hold one). */
  assert_bad_map_len(nul_map, sizeof(nul_map) - 1, 2, "NUL byte");
}
END_TEST

START_TEST (certmap_conflicts_test) {
  struct secftp_certmap *map;

  mark_point();
  assert_bad_map("cert " FP_A " alice\n# x\ncert " FP_A " bob\n", 3,
    "same fingerprint rule on line 1");

  /* The colon-less, lower-case spelling is the same fingerprint. */
  assert_bad_map("cert " FP_A " alice\n"
    "cert sha256:00112233445566778899aabbccddeeff"
    "00112233445566778899AABBCCDDEEFF alice\n", 2,
    "same fingerprint rule on line 1");

  /* Equal after normalisation: type case, blanks, hex, set order. */
  assert_bad_map("filter subject=\"OU=P,O=E\" user=a\n"
    "filter subject=\"ou = P, o=#0C0145\" user=@CN\n", 2,
    "same subject and issuer as a filter rule on line 1");
  assert_bad_map("filter issuer=\"CN=x+UID=y\" user=a\n"
    "filter issuer=\"UID=y+CN=x\" user=b\n", 2, "on line 1");
  assert_bad_map("filter subject=O=a issuer=O=b user=a\n"
    "filter issuer=O=b subject=O=a user=b\n", 2, "on line 1");

  /* The earliest conflict is reported, by its later line. */
  assert_bad_map("filter subject=O=a user=a\n"
    "cert " FP_A " a\n"
    "filter subject=O=b user=a\n"
    "filter subject=O=b user=b\n"
    "filter subject=O=a user=b\n"
    "cert " FP_A " b\n", 4, "on line 3");

  /* A syntax error anywhere comes before conflicts. */
  assert_bad_map("cert " FP_A " a\ncert " FP_A " b\nnonsense\n", 3,
    "unknown rule");

  /* Different parts are not a conflict (a run-time tie at most). */
  map = map_parse("filter subject=\"OU=P,O=E\" user=a\n"
    "filter subject=O=E issuer=O=CA user=b\n"
    "filter subject=O=E user=c\n"
    "filter subject=O=E issuer=O=CB user=d\n"
    "filter issuer=O=E user=e\n");
  ck_assert_uint_eq(secftp_certmap_count(map), 5);
  secftp_certmap_free(map);
}
END_TEST

START_TEST (certmap_cert_rule_test) {
  char fp[SECFTP_CERTMAP_FINGERPRINT_SIZE], text[512], lower[128];
  X509 *cert, *nul_cert;
  size_t i, j;

  mark_point();
  cert = cert_make("CN=alice,O=Example Corp", "CN=CA,O=Example Corp");
  fp_of(cert, fp);

  snprintf(text, sizeof(text), "cert %s alice\n", fp);
  assert_mapped(text, cert, "alice", 1);

  /* A cert rule beats the most specific filter. */
  snprintf(text, sizeof(text),
    "filter subject=\"CN=alice,O=Example Corp\" "
    "issuer=\"CN=CA,O=Example Corp\" user=filtered\n"
    "cert %s alice\n", fp);
  assert_mapped(text, cert, "alice", 2);

  /* Colon-less lower-case spelling. */
  for (i = 7, j = 0; fp[i] != '\0'; i++) {
    if (fp[i] != ':') {
      lower[j++] = (char) tolower((unsigned char) fp[i]);
    }
  }
  lower[j] = '\0';
  snprintf(text, sizeof(text), "cert sha256:%s carol\n", lower);
  assert_mapped(text, cert, "carol", 1);

  /* Another certificate's fingerprint does not map. */
  assert_not_mapped("cert " FP_A " alice\n", cert, SECFTP_CERTMAP_NO_RULE,
    0);

  /* An admin who registered a certificate with a NUL in its CN gets it. */
  nul_cert = cert_new("O=Example Corp", "CN=CA,O=Example Corp");
  subject_add(nul_cert, "CN", "ali\0ce", 6);
  cert_finish(nul_cert, NULL);
  fp_of(nul_cert, fp);
  snprintf(text, sizeof(text), "filter subject=\"O=Example Corp\" user=x\n"
    "cert %s alice\n", fp);
  assert_mapped(text, nul_cert, "alice", 2);

  X509_free(nul_cert);
  X509_free(cert);
}
END_TEST

START_TEST (certmap_specificity_test) {
  X509 *cert;

  mark_point();
  cert = cert_make("CN=alice,OU=Payments,O=Example Corp,C=DE",
    "CN=Example CA,O=Example Corp,C=DE");

  /* A subject part beats an issuer-only filter with more RDNs. */
  assert_mapped("filter issuer=\"CN=Example CA,O=Example Corp,C=DE\" "
    "user=byissuer\n"
    "filter subject=\"C=DE\" user=bysubject\n", cert, "bysubject", 2);

  /* More RDNs win. */
  assert_mapped("filter subject=\"O=Example Corp,C=DE\" user=short\n"
    "filter subject=\"OU=Payments,O=Example Corp,C=DE\" user=long\n"
    "filter subject=\"C=DE\" user=shortest\n", cert, "long", 2);

  /* Subject and issuer RDNs count together. */
  assert_mapped("filter subject=\"O=Example Corp,C=DE\" user=subject\n"
    "filter subject=\"C=DE\" issuer=\"O=Example Corp,C=DE\" user=both\n",
    cert, "both", 2);

  /* Among issuer-only filters, too. */
  assert_mapped("filter issuer=\"C=DE\" user=short\n"
    "filter issuer=\"O=Example Corp,C=DE\" user=long\n", cert, "long", 2);

  /* Filters that do not match take no part. */
  assert_mapped("filter subject=\"CN=bob,OU=Payments,O=Example Corp,C=DE\" "
    "user=bob\n"
    "filter subject=\"C=DE\" issuer=\"O=Other\" user=other\n"
    "filter subject=\"C=DE\" user=de\n", cert, "de", 3);

  assert_not_mapped("filter subject=\"C=FR\" user=fr\n"
    "filter issuer=\"O=Example Corp\" user=nosuffix\n", cert,
    SECFTP_CERTMAP_NO_RULE, 0);

  X509_free(cert);
}
END_TEST

START_TEST (certmap_tie_test) {
  struct secftp_certmap_result res;
  X509 *cert;

  mark_point();
  cert = cert_make("CN=alice,OU=Payments,O=Example Corp,C=DE",
    "CN=Example CA,O=Example Corp,C=DE");

  /* 2 subject RDNs against 1 subject + 1 issuer RDN: a run-time tie. */
  ck_assert_int_eq(map_cert("filter subject=\"C=DE\" user=x\n"
    "filter subject=\"O=Example Corp,C=DE\" user=a\n"
    "filter subject=\"C=DE\" issuer=\"C=DE\" user=b\n", cert, &res),
    SECFTP_CERTMAP_TIE);
  ck_assert_uint_eq(res.line, 2);
  ck_assert_uint_eq(res.other_line, 3);
  ck_assert_str_eq(res.user, "");
  ck_assert_msg(strstr(res.reason, "equally") != NULL, "%s", res.reason);

  /* A third, more specific filter settles it. */
  ck_assert_int_eq(map_cert("filter subject=\"O=Example Corp,C=DE\" user=a\n"
    "filter subject=\"C=DE\" issuer=\"C=DE\" user=b\n"
    "filter subject=\"C=DE\" issuer=\"O=Example Corp,C=DE\" user=c\n",
    cert, &res), SECFTP_CERTMAP_MAPPED);
  ck_assert_str_eq(res.user, "c");

  /* A tie below the winner does not matter. */
  assert_mapped("filter subject=\"O=Example Corp,C=DE\" user=a\n"
    "filter subject=\"C=DE\" issuer=\"C=DE\" user=b\n"
    "filter subject=\"OU=Payments,O=Example Corp,C=DE\" user=c\n", cert, "c",
    3);

  /* A tie above a lesser match: nothing maps, no fallback. */
  assert_not_mapped("filter subject=\"C=DE\" user=low\n"
    "filter subject=\"O=Example Corp,C=DE\" user=a\n"
    "filter subject=\"C=DE\" issuer=\"C=DE\" user=b\n", cert,
    SECFTP_CERTMAP_TIE, 2);

  X509_free(cert);
}
END_TEST

START_TEST (certmap_tainted_test) {
  X509 *cert;

  mark_point();
  /* NUL in the CN: no filter matches, not even on the issuer. */
  cert = cert_new("O=Example Corp", "CN=CA,O=Example Corp");
  subject_add(cert, "CN", "alice\0.evil", 11);
  cert_finish(cert, NULL);
  assert_not_mapped("filter issuer=\"O=Example Corp\" user=x\n", cert,
    SECFTP_CERTMAP_TAINTED, 0);
  assert_not_mapped("filter subject=\"O=Example Corp\" user=@CN\n", cert,
    SECFTP_CERTMAP_TAINTED, 0);
  X509_free(cert);

  /* A control character in the issuer. */
  cert = cert_new("CN=alice,O=Example Corp", "O=Example Corp");
  ck_assert_int_eq(X509_NAME_add_entry_by_txt(X509_get_issuer_name(cert),
    "CN", MBSTRING_UTF8, (const unsigned char *) "CA\r\n", -1, -1, 0), 1);
  cert_finish(cert, NULL);
  assert_not_mapped("filter subject=\"O=Example Corp\" user=x\n", cert,
    SECFTP_CERTMAP_TAINTED, 0);
  X509_free(cert);
}
END_TEST

START_TEST (certmap_field_dn_test) {
  static const char map_cn[] = "filter issuer=\"O=CA\" user=@CN\n";
  static const char map_uid[] = "filter issuer=\"O=CA\" user=@UID\n";
  X509 *cert;

  mark_point();
  cert = cert_make("CN=alice,O=Example Corp", "O=CA");
  assert_mapped(map_cn, cert, "alice", 1);
  assert_not_mapped(map_uid, cert, SECFTP_CERTMAP_FIELD_ABSENT, 1);
  X509_free(cert);

  cert = cert_make("UID=u1234,CN=Alice Smith,O=Example Corp", "O=CA");
  assert_mapped(map_uid, cert, "u1234", 1);
  assert_mapped(map_cn, cert, "Alice Smith", 1);
  X509_free(cert);

  /* Several CNs, in separate RDNs or in one. */
  cert = cert_make("CN=alice,CN=bob,O=Example Corp", "O=CA");
  assert_not_mapped(map_cn, cert, SECFTP_CERTMAP_FIELD_MULTIPLE, 1);
  X509_free(cert);

  cert = cert_new("O=Example Corp", "O=CA");
  subject_add(cert, "CN", "alice", -1);
  ck_assert_int_eq(X509_NAME_add_entry_by_txt(X509_get_subject_name(cert),
    "CN", MBSTRING_UTF8, (const unsigned char *) "bob", -1, -1, -1), 1);
  cert_finish(cert, NULL);
  assert_not_mapped(map_cn, cert, SECFTP_CERTMAP_FIELD_MULTIPLE, 1);
  X509_free(cert);

  /* '/' and empty values. */
  cert = cert_make("CN=../etc,O=Example Corp", "O=CA");
  assert_not_mapped(map_cn, cert, SECFTP_CERTMAP_FIELD_BAD, 1);
  X509_free(cert);

  cert = cert_new("O=Example Corp", "O=CA");
  subject_add(cert, "UID", "", 0);
  cert_finish(cert, NULL);
  assert_not_mapped(map_uid, cert, SECFTP_CERTMAP_FIELD_BAD, 1);
  X509_free(cert);

  cert = cert_make("CN=..,O=Example Corp", "O=CA");
  assert_not_mapped(map_cn, cert, SECFTP_CERTMAP_FIELD_BAD, 1);
  X509_free(cert);

  /* NUL or control characters: the DN is tainted, nothing maps. */
  cert = cert_new("O=Example Corp", "O=CA");
  subject_add(cert, "UID", "root\0x", 6);
  cert_finish(cert, NULL);
  assert_not_mapped(map_uid, cert, SECFTP_CERTMAP_TAINTED, 0);
  X509_free(cert);

  cert = cert_new("O=Example Corp", "O=CA");
  subject_add(cert, "CN", "alice\tbob", -1);
  cert_finish(cert, NULL);
  assert_not_mapped(map_cn, cert, SECFTP_CERTMAP_TAINTED, 0);
  X509_free(cert);

  /* UTF-8 names are names. */
  cert = cert_make("CN=J\xc3\xbcrgen,O=Example Corp", "O=CA");
  assert_mapped(map_cn, cert, "J\xc3\xbcrgen", 1);
  X509_free(cert);
}
END_TEST

START_TEST (certmap_field_email_test) {
  static const char map_email[] = "filter issuer=\"O=CA\" user=@email\n";
  GENERAL_NAMES *sans;
  X509 *cert;

  mark_point();
  cert = cert_new("CN=alice", "O=CA");
  sans = GENERAL_NAMES_new();
  san_add_dns(sans, "alice.example.com");
  san_add_email(sans, "alice@example.com", -1);
  cert_finish(cert, sans);
  assert_mapped(map_email, cert, "alice@example.com", 1);
  X509_free(cert);

  /* No SAN at all, a SAN without an email, two emails. */
  cert = cert_make("CN=alice", "O=CA");
  assert_not_mapped(map_email, cert, SECFTP_CERTMAP_FIELD_ABSENT, 1);
  X509_free(cert);

  cert = cert_new("CN=alice", "O=CA");
  sans = GENERAL_NAMES_new();
  san_add_dns(sans, "alice.example.com");
  cert_finish(cert, sans);
  assert_not_mapped(map_email, cert, SECFTP_CERTMAP_FIELD_ABSENT, 1);
  X509_free(cert);

  cert = cert_new("CN=alice", "O=CA");
  sans = GENERAL_NAMES_new();
  san_add_email(sans, "alice@example.com", -1);
  san_add_email(sans, "root@example.com", -1);
  cert_finish(cert, sans);
  assert_not_mapped(map_email, cert, SECFTP_CERTMAP_FIELD_MULTIPLE, 1);
  X509_free(cert);

  /* NUL, control character, '/', empty. */
  cert = cert_new("CN=alice", "O=CA");
  sans = GENERAL_NAMES_new();
  san_add_email(sans, "root\0@example.com", 17);
  cert_finish(cert, sans);
  assert_not_mapped(map_email, cert, SECFTP_CERTMAP_FIELD_BAD, 1);
  X509_free(cert);

  cert = cert_new("CN=alice", "O=CA");
  sans = GENERAL_NAMES_new();
  san_add_email(sans, "alice\n@example.com", -1);
  cert_finish(cert, sans);
  assert_not_mapped(map_email, cert, SECFTP_CERTMAP_FIELD_BAD, 1);
  X509_free(cert);

  cert = cert_new("CN=alice", "O=CA");
  sans = GENERAL_NAMES_new();
  san_add_email(sans, "a/b@example.com", -1);
  cert_finish(cert, sans);
  assert_not_mapped(map_email, cert, SECFTP_CERTMAP_FIELD_BAD, 1);
  X509_free(cert);

  cert = cert_new("CN=alice", "O=CA");
  sans = GENERAL_NAMES_new();
  san_add_email(sans, "", 0);
  cert_finish(cert, sans);
  assert_not_mapped(map_email, cert, SECFTP_CERTMAP_FIELD_BAD, 1);
  X509_free(cert);
}
END_TEST

START_TEST (certmap_field_upn_test) {
  static const char map_upn[] = "filter issuer=\"O=CA\" user=@upn\n";
  GENERAL_NAMES *sans;
  X509 *cert;

  mark_point();
  cert = cert_new("CN=alice", "O=CA");
  sans = GENERAL_NAMES_new();
  san_add_email(sans, "alice@example.com", -1);
  san_add_upn(sans, "alice@corp.example", -1, V_ASN1_UTF8STRING);
  cert_finish(cert, sans);
  assert_mapped(map_upn, cert, "alice@corp.example", 1);
  X509_free(cert);

  cert = cert_new("CN=alice", "O=CA");
  sans = GENERAL_NAMES_new();
  san_add_email(sans, "alice@example.com", -1);
  cert_finish(cert, sans);
  assert_not_mapped(map_upn, cert, SECFTP_CERTMAP_FIELD_ABSENT, 1);
  X509_free(cert);

  cert = cert_new("CN=alice", "O=CA");
  sans = GENERAL_NAMES_new();
  san_add_upn(sans, "alice@corp.example", -1, V_ASN1_UTF8STRING);
  san_add_upn(sans, "admin@corp.example", -1, V_ASN1_UTF8STRING);
  cert_finish(cert, sans);
  assert_not_mapped(map_upn, cert, SECFTP_CERTMAP_FIELD_MULTIPLE, 1);
  X509_free(cert);

  /* A UPN that is not a UTF8String, alone or beside a good one. */
  cert = cert_new("CN=alice", "O=CA");
  sans = GENERAL_NAMES_new();
  san_add_upn(sans, "alice@corp.example", -1, V_ASN1_IA5STRING);
  cert_finish(cert, sans);
  assert_not_mapped(map_upn, cert, SECFTP_CERTMAP_FIELD_BAD, 1);
  X509_free(cert);

  cert = cert_new("CN=alice", "O=CA");
  sans = GENERAL_NAMES_new();
  san_add_upn(sans, "alice@corp.example", -1, V_ASN1_IA5STRING);
  san_add_upn(sans, "alice@corp.example", -1, V_ASN1_UTF8STRING);
  cert_finish(cert, sans);
  assert_not_mapped(map_upn, cert, SECFTP_CERTMAP_FIELD_MULTIPLE, 1);
  X509_free(cert);

  cert = cert_new("CN=alice", "O=CA");
  sans = GENERAL_NAMES_new();
  san_add_upn(sans, "root\0@corp.example", 18, V_ASN1_UTF8STRING);
  cert_finish(cert, sans);
  assert_not_mapped(map_upn, cert, SECFTP_CERTMAP_FIELD_BAD, 1);
  X509_free(cert);

  cert = cert_new("CN=alice", "O=CA");
  sans = GENERAL_NAMES_new();
  san_add_upn(sans, "ali\x1b" "ce@corp.example", -1, V_ASN1_UTF8STRING);
  cert_finish(cert, sans);
  assert_not_mapped(map_upn, cert, SECFTP_CERTMAP_FIELD_BAD, 1);
  X509_free(cert);

  cert = cert_new("CN=alice", "O=CA");
  sans = GENERAL_NAMES_new();
  san_add_upn(sans, "corp/alice", -1, V_ASN1_UTF8STRING);
  cert_finish(cert, sans);
  assert_not_mapped(map_upn, cert, SECFTP_CERTMAP_FIELD_BAD, 1);
  X509_free(cert);

  /* Invalid UTF-8 inside a UTF8String. */
  cert = cert_new("CN=alice", "O=CA");
  sans = GENERAL_NAMES_new();
  san_add_upn(sans, "al\xff" "ice", -1, V_ASN1_UTF8STRING);
  cert_finish(cert, sans);
  assert_not_mapped(map_upn, cert, SECFTP_CERTMAP_FIELD_BAD, 1);
  X509_free(cert);
}
END_TEST

/* The deciding rule's field is unusable: no fallback to a lesser rule. */
START_TEST (certmap_no_fallback_test) {
  X509 *cert;

  mark_point();
  cert = cert_make("CN=alice,O=Example Corp", "O=CA");
  assert_not_mapped("filter issuer=\"O=CA\" user=fallback\n"
    "filter subject=\"O=Example Corp\" user=@UID\n", cert,
    SECFTP_CERTMAP_FIELD_ABSENT, 2);
  X509_free(cert);
}
END_TEST

START_TEST (certmap_formats_test) {
  char fp[SECFTP_CERTMAP_FINGERPRINT_SIZE], serial[64], want[8];
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0, i;
  X509 *cert;

  mark_point();
  cert = cert_make("CN=alice", "O=CA");
  fp_of(cert, fp);
  ck_assert_uint_eq(strlen(fp), SECFTP_CERTMAP_FINGERPRINT_SIZE - 1);
  ck_assert_int_eq(strncmp(fp, "sha256:", 7), 0);

  ck_assert_int_eq(X509_digest(cert, EVP_sha256(), md, &md_len), 1);
  ck_assert_uint_eq(md_len, 32);
  for (i = 0; i < md_len; i++) {
    snprintf(want, sizeof(want), i + 1 < md_len ? "%02X:" : "%02X", md[i]);
    ck_assert_int_eq(strncmp(fp + 7 + 3 * i, want, strlen(want)), 0);
  }

  ck_assert_int_eq(secftp_certmap_serial(cert, serial, sizeof(serial)), 0);
  ck_assert_str_eq(serial, "0A0B0C");
  ck_assert_int_eq(secftp_certmap_serial(cert, serial, 7), 0);
  ck_assert_str_eq(serial, "0A0B0C");

  ASN1_INTEGER_set(X509_get_serialNumber(cert), 0);
  ck_assert_int_eq(secftp_certmap_serial(cert, serial, sizeof(serial)), 0);
  ck_assert_str_eq(serial, "0");

  ASN1_INTEGER_set(X509_get_serialNumber(cert), -255);
  ck_assert_int_eq(secftp_certmap_serial(cert, serial, sizeof(serial)), 0);
  ck_assert_str_eq(serial, "-FF");

  ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert),
    0xfedcba9876543210ULL);
  ck_assert_int_eq(secftp_certmap_serial(cert, serial, sizeof(serial)), 0);
  ck_assert_str_eq(serial, "FEDCBA9876543210");

  X509_free(cert);
}
END_TEST

START_TEST (certmap_user_ok_test) {
  static const struct {
    const char *name;
    int len;
    int ok;
  } cases[] = {
    { "alice", -1, 1 },
    { "alice@example.com", -1, 1 },
    { "Alice Smith", -1, 1 },
    { "J\xc3\xbcrgen", -1, 1 },
    { "...", -1, 1 },
    { "", -1, 0 },
    { ".", -1, 0 },
    { "..", -1, 0 },
    { "a/b", -1, 0 },
    { "a\0b", 3, 0 },
    { "a\nb", -1, 0 },
    { "a\x7f", -1, 0 },
    { "a\xc2\x85", -1, 0 },
    { "a\xff", -1, 0 },
    /* Unicode format / bidi controls (issue 13): look-alike names */
    { "\xe2\x80\xae" "ecila", -1, 0 },
    { "al\xe2\x80\x8b" "ice", -1, 0 },
    { "alice\xe2\x80\x8f", -1, 0 },
    { "\xe2\x81\xa6" "alice\xe2\x81\xa9", -1, 0 },
    { "\xef\xbb\xbf" "alice", -1, 0 },
    { "al\xc2\xad" "ice", -1, 0 },
    { "alice\xe2\x80\x90", -1, 1 },
    { NULL, 0, 0 }
  };
  unsigned char long_name[SECFTP_CERTMAP_USER_MAX + 1];
  size_t i;

  mark_point();
  for (i = 0; cases[i].name != NULL; i++) {
    size_t len = cases[i].len < 0 ? strlen(cases[i].name) :
      (size_t) cases[i].len;

    ck_assert_msg(secftp_certmap_user_ok((const unsigned char *)
      cases[i].name, len) == cases[i].ok, "case %u", (unsigned) i);
  }

  memset(long_name, 'a', sizeof(long_name));
  ck_assert_int_eq(secftp_certmap_user_ok(long_name, sizeof(long_name)), 0);
  ck_assert_int_eq(secftp_certmap_user_ok(long_name, sizeof(long_name) - 1),
    1);
}
END_TEST

Suite *tests_get_certmap_suite(void) {
  Suite *suite;
  TCase *testcase;

  suite = suite_create("certmap");
  testcase = tcase_create("base");
  tcase_add_checked_fixture(testcase, set_up, tear_down);

  tcase_add_test(testcase, certmap_null_test);
  tcase_add_test(testcase, certmap_parse_test);
  tcase_add_test(testcase, certmap_bad_lines_test);
  tcase_add_test(testcase, certmap_conflicts_test);
  tcase_add_test(testcase, certmap_cert_rule_test);
  tcase_add_test(testcase, certmap_specificity_test);
  tcase_add_test(testcase, certmap_tie_test);
  tcase_add_test(testcase, certmap_tainted_test);
  tcase_add_test(testcase, certmap_field_dn_test);
  tcase_add_test(testcase, certmap_field_email_test);
  tcase_add_test(testcase, certmap_field_upn_test);
  tcase_add_test(testcase, certmap_no_fallback_test);
  tcase_add_test(testcase, certmap_formats_test);
  tcase_add_test(testcase, certmap_user_ok_test);

  suite_add_tcase(suite, testcase);
  return suite;
}
