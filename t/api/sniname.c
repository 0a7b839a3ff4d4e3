/*
 * Check suite for lib/secftp/sniname.c: server_name extensions, well
 * formed and not.
 */

#include "tests.h"
#include "sniname.h"

static char name[SECFTP_SNI_NAME_MAX + 1];

static int parse(const unsigned char *ext, size_t len) {
  return secftp_sni_parse(ext, len, name, sizeof(name));
}

START_TEST (sni_parse_host_name_test) {
  static const unsigned char ext[] = {
    0x00, 0x09, 0x00, 0x00, 0x06, 'a', '.', 't', 'e', 's', 't'
  };

  ck_assert_int_eq(parse(ext, sizeof(ext)), 0);
  ck_assert_str_eq(name, "a.test");
}
END_TEST

START_TEST (sni_parse_skips_other_types_test) {
  /* An entry of another NameType before the host_name is skipped. */
  static const unsigned char ext[] = {
    0x00, 0x0a, 0x07, 0x00, 0x01, 'x', 0x00, 0x00, 0x03, 'b', '.', 'c'
  };

  ck_assert_int_eq(parse(ext, sizeof(ext)), 0);
  ck_assert_str_eq(name, "b.c");
}
END_TEST

START_TEST (sni_parse_malformed_test) {
  static const unsigned char short_list[] = { 0x00 };
  static const unsigned char list_too_long[] = {
    0x00, 0x0a, 0x00, 0x00, 0x06, 'a', '.', 't', 'e', 's', 't'
  };
  static const unsigned char entry_too_long[] = {
    0x00, 0x09, 0x00, 0x00, 0x07, 'a', '.', 't', 'e', 's', 't'
  };
  static const unsigned char empty_name[] = { 0x00, 0x03, 0x00, 0x00, 0x00 };
  static const unsigned char nul_in_name[] = {
    0x00, 0x06, 0x00, 0x00, 0x03, 'a', 0x00, 'b'
  };
  static const unsigned char two_names[] = {
    0x00, 0x08, 0x00, 0x00, 0x01, 'a', 0x00, 0x00, 0x01, 'b'
  };
  static const unsigned char truncated_entry[] = { 0x00, 0x02, 0x00, 0x00 };
  static const unsigned char empty_list[] = { 0x00, 0x00 };

  ck_assert_int_eq(parse(short_list, sizeof(short_list)), -1);
  ck_assert_int_eq(errno, EPROTO);
  ck_assert_int_eq(parse(list_too_long, sizeof(list_too_long)), -1);
  ck_assert_int_eq(parse(entry_too_long, sizeof(entry_too_long)), -1);
  ck_assert_int_eq(errno, EPROTO);
  ck_assert_int_eq(parse(empty_name, sizeof(empty_name)), -1);
  ck_assert_int_eq(parse(nul_in_name, sizeof(nul_in_name)), -1);
  ck_assert_int_eq(errno, EPROTO);
  ck_assert_int_eq(parse(two_names, sizeof(two_names)), -1);
  ck_assert_int_eq(parse(truncated_entry, sizeof(truncated_entry)), -1);
  ck_assert_int_eq(parse(empty_list, sizeof(empty_list)), -1);
  ck_assert_str_eq(name, "");
}
END_TEST

START_TEST (sni_parse_limits_test) {
  unsigned char ext[2 + 3 + 300];
  size_t n = 254;
  char small[4];

  memset(ext, 'a', sizeof(ext));
  ext[0] = (unsigned char) ((3 + n) >> 8);
  ext[1] = (unsigned char) ((3 + n) & 0xff);
  ext[2] = 0;
  ext[3] = 0;
  ext[4] = (unsigned char) n;
  ck_assert_int_eq(parse(ext, 5 + n), -1);
  ck_assert_int_eq(errno, ENAMETOOLONG);

  n = 253;
  ext[0] = (unsigned char) ((3 + n) >> 8);
  ext[1] = (unsigned char) ((3 + n) & 0xff);
  ext[4] = (unsigned char) n;
  ck_assert_int_eq(parse(ext, 5 + n), 0);
  ck_assert_uint_eq(strlen(name), 253);

  /* No host_name at all. */
  ext[2] = 9;
  ck_assert_int_eq(parse(ext, 5 + n), -1);
  ck_assert_int_eq(errno, ENOENT);

  /* The caller's buffer bounds the copy. */
  ext[2] = 0;
  ck_assert_int_eq(secftp_sni_parse(ext, 5 + n, small, sizeof(small)), -1);
  ck_assert_int_eq(errno, ENAMETOOLONG);

  ck_assert_int_eq(secftp_sni_parse(NULL, 1, name, sizeof(name)), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(secftp_sni_parse(ext, 5, NULL, 1), -1);
  ck_assert_int_eq(secftp_sni_parse(ext, 5, name, 0), -1);
}
END_TEST

START_TEST (sni_ip_literal_test) {
  ck_assert_int_eq(secftp_sni_is_ip_literal("127.0.0.1"), 1);
  ck_assert_int_eq(secftp_sni_is_ip_literal("::1"), 1);
  ck_assert_int_eq(secftp_sni_is_ip_literal("[2001:db8::1]"), 1);
  ck_assert_int_eq(secftp_sni_is_ip_literal("a.test"), 0);
  ck_assert_int_eq(secftp_sni_is_ip_literal("1.2.3.4.example"), 0);
  ck_assert_int_eq(secftp_sni_is_ip_literal("[a.test]"), 0);
  ck_assert_int_eq(secftp_sni_is_ip_literal("[]"), 0);
  ck_assert_int_eq(secftp_sni_is_ip_literal(NULL), -1);
}
END_TEST

START_TEST (sni_hostname_test) {
  char label[70];

  ck_assert_int_eq(secftp_sni_is_hostname("a.test"), 1);
  ck_assert_int_eq(secftp_sni_is_hostname("ftp-1.Example.COM."), 1);
  ck_assert_int_eq(secftp_sni_is_hostname("_srv.example"), 1);
  ck_assert_int_eq(secftp_sni_is_hostname(""), 0);
  ck_assert_int_eq(secftp_sni_is_hostname(".a.test"), 0);
  ck_assert_int_eq(secftp_sni_is_hostname("a..test"), 0);
  ck_assert_int_eq(secftp_sni_is_hostname("a test"), 0);
  ck_assert_int_eq(secftp_sni_is_hostname("a/b"), 0);
  ck_assert_int_eq(secftp_sni_is_hostname("caf\xc3\xa9.test"), 0);

  memset(label, 'x', 64);
  label[64] = '\0';
  ck_assert_int_eq(secftp_sni_is_hostname(label), 0);
  label[63] = '\0';
  ck_assert_int_eq(secftp_sni_is_hostname(label), 1);
  ck_assert_int_eq(secftp_sni_is_hostname(NULL), -1);
}
END_TEST

Suite *tests_get_sniname_suite(void) {
  Suite *suite;
  TCase *testcase;

  suite = suite_create("sniname");
  testcase = tcase_create("base");
  tcase_add_test(testcase, sni_parse_host_name_test);
  tcase_add_test(testcase, sni_parse_skips_other_types_test);
  tcase_add_test(testcase, sni_parse_malformed_test);
  tcase_add_test(testcase, sni_parse_limits_test);
  tcase_add_test(testcase, sni_ip_literal_test);
  tcase_add_test(testcase, sni_hostname_test);
  suite_add_tcase(suite, testcase);
  return suite;
}
