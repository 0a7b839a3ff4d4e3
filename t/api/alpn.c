/*
 * Check suite for lib/secftp/alpn.c: the length-prefixed ALPN list parser.
 */

#include "tests.h"
#include "alpn.h"

static const unsigned char *entry;
static unsigned char entry_len;

static int find(const char *list, size_t len) {
  entry = NULL;
  entry_len = 0;
  return secftp_alpn_find((const unsigned char *) list, len, "ftp", &entry,
    &entry_len);
}

#define FIND(lit)	find((lit), sizeof(lit) - 1)

START_TEST (null_test) {
  const unsigned char list[] = "\x03" "ftp";

  ck_assert_int_eq(secftp_alpn_find(NULL, 4, "ftp", &entry, &entry_len), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(secftp_alpn_find(list, 0, "ftp", &entry, &entry_len), -1);
  ck_assert_int_eq(secftp_alpn_find(list, 4, NULL, &entry, &entry_len), -1);
  ck_assert_int_eq(secftp_alpn_find(list, 4, "", &entry, &entry_len), -1);
  ck_assert_int_eq(secftp_alpn_find(list, 4, "ftp", NULL, &entry_len), -1);
  ck_assert_int_eq(secftp_alpn_find(list, 4, "ftp", &entry, NULL), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(secftp_alpn_require_ftp(NULL), -1);
  ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST (found_test) {
  ck_assert_int_eq(FIND("\x03" "ftp"), 1);
  ck_assert_int_eq(entry_len, 3);
  ck_assert(memcmp(entry, "ftp", 3) == 0);

  ck_assert_int_eq(FIND("\x08" "http/1.1" "\x03" "ftp"), 1);
  ck_assert_int_eq(entry_len, 3);
  ck_assert(memcmp(entry, "ftp", 3) == 0);

  ck_assert_int_eq(FIND("\x03" "ftp" "\x02" "h2"), 1);
  ck_assert_int_eq(FIND("\x01" "x" "\x03" "ftp"), 1);
}
END_TEST

START_TEST (not_found_test) {
  ck_assert_int_eq(FIND("\x08" "http/1.1"), 0);
  ck_assert_int_eq(FIND("\x02" "h2" "\x08" "http/1.1"), 0);

  /* "ftp" inside another entry is not an entry. */
  ck_assert_int_eq(FIND("\x05" "x\x03" "ftp"), 0);
  ck_assert_int_eq(FIND("\x04" "ftps"), 0);
  ck_assert_int_eq(FIND("\x04" "sftp"), 0);
  ck_assert_int_eq(FIND("\x02" "ft"), 0);
  ck_assert_int_eq(FIND("\x03" "FTP"), 0);
  ck_assert_int_eq(FIND("\x04" "ftp\0"), 0);
  ck_assert(entry == NULL);
}
END_TEST

START_TEST (malformed_test) {
  /* An entry running past the end. */
  ck_assert_int_eq(FIND("\x04" "ftp"), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(FIND("\x03" "ftp" "\x09" "http/1.1"), -1);
  ck_assert_int_eq(FIND("\xff" "ftp"), -1);

  /* An empty entry. */
  ck_assert_int_eq(FIND("\x00" "\x03" "ftp"), -1);
  ck_assert_int_eq(FIND("\x03" "ftp" "\x00"), -1);
  ck_assert_int_eq(errno, EINVAL);

  /* A lone length byte. */
  ck_assert_int_eq(FIND("\x03"), -1);
}
END_TEST

Suite *tests_get_alpn_suite(void) {
  Suite *suite;
  TCase *testcase;

  suite = suite_create("alpn");
  testcase = tcase_create("base");

  tcase_add_test(testcase, null_test);
  tcase_add_test(testcase, found_test);
  tcase_add_test(testcase, not_found_test);
  tcase_add_test(testcase, malformed_test);

  suite_add_tcase(suite, testcase);
  return suite;
}
