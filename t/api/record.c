/*
 * Check suite for lib/secftp/record.c.
 */

#include "tests.h"
#include "record.h"

#include <stdlib.h>

static const unsigned char secret[32] = {
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32
};

static unsigned char key[SECFTP_RECORD_KEY_LEN];
static char text[SECFTP_RECORD_TEXT_MAX];
static unsigned char plain[SECFTP_RECORD_PLAIN_MAX];

static void set_up(void) {
  ck_assert_int_eq(secftp_record_derive_key(secret, sizeof(secret),
    "sessions", key), 0);
}

static int seal(const char *name, time_t expires, const char *msg) {
  return secftp_record_seal(key, SECFTP_RECORD_SESSION, name, expires,
    (const unsigned char *) msg, strlen(msg), text, sizeof(text));
}

static int open_text(const char *name, time_t now) {
  return secftp_record_open(key, SECFTP_RECORD_SESSION, name, now, text,
    strlen(text), plain, sizeof(plain));
}

START_TEST (derive_key_test) {
  unsigned char k1[SECFTP_RECORD_KEY_LEN], k2[SECFTP_RECORD_KEY_LEN];

  mark_point();
  ck_assert_int_eq(secftp_record_derive_key(secret, 31, "x", k1), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(secftp_record_derive_key(NULL, 32, "x", k1), -1);
  ck_assert_int_eq(secftp_record_derive_key(secret, 32, "", k1), -1);

  mark_point();
  ck_assert_int_eq(secftp_record_derive_key(secret, 32, "a", k1), 0);
  ck_assert_int_eq(secftp_record_derive_key(secret, 32, "a", k2), 0);
  ck_assert_msg(memcmp(k1, k2, sizeof(k1)) == 0, "derivation not stable");
  ck_assert_int_eq(secftp_record_derive_key(secret, 32, "b", k2), 0);
  ck_assert_msg(memcmp(k1, k2, sizeof(k1)) != 0,
    "two purposes gave one key");
}
END_TEST

START_TEST (seal_open_test) {
  int len;

  mark_point();
  len = seal("s:1", 2000, "hello");
  ck_assert_int_gt(len, 0);
  ck_assert_int_eq((size_t) len, strlen(text));
  ck_assert_int_eq(open_text("s:1", 1000), 5);
  ck_assert_msg(memcmp(plain, "hello", 5) == 0, "plaintext differs");

  mark_point();
  len = seal("s:1", 2000, "");
  ck_assert_int_gt(len, 0);
  ck_assert_int_eq(open_text("s:1", 1000), 0);
}
END_TEST

START_TEST (open_refusals_test) {
  unsigned char other[SECFTP_RECORD_KEY_LEN];

  mark_point();
  ck_assert_int_gt(seal("s:1", 2000, "hello"), 0);

  /* Another name: the record was moved under another key. */
  ck_assert_int_eq(open_text("s:2", 1000), -1);
  ck_assert_int_eq(errno, EACCES);

  /* Expired, even though authentic. */
  ck_assert_int_eq(open_text("s:1", 2000), -1);
  ck_assert_int_eq(errno, ESTALE);

  /* Another type. */
  ck_assert_int_eq(secftp_record_open(key, SECFTP_RECORD_TICKET_KEY, "s:1",
    1000, text, strlen(text), plain, sizeof(plain)), -1);
  ck_assert_int_eq(errno, ENOMSG);

  /* Another secret (a node with another SecureTicketKeyFile). */
  ck_assert_int_eq(secftp_record_derive_key((const unsigned char *)
    "0123456789abcdef0123456789abcdef", 32, "sessions", other), 0);
  ck_assert_int_eq(secftp_record_open(other, SECFTP_RECORD_SESSION, "s:1",
    1000, text, strlen(text), plain, sizeof(plain)), -1);
  ck_assert_int_eq(errno, EACCES);

  /* Output buffer too small. */
  ck_assert_int_eq(secftp_record_open(key, SECFTP_RECORD_SESSION, "s:1",
    1000, text, strlen(text), plain, 4), -1);
  ck_assert_int_eq(errno, EMSGSIZE);
}
END_TEST

START_TEST (tamper_test) {
  size_t i, len;
  char saved[SECFTP_RECORD_TEXT_MAX];

  mark_point();
  ck_assert_int_gt(seal("s:1", 2000, "some session bytes"), 0);
  memcpy(saved, text, sizeof(saved));
  len = strlen(text);

  /* Any changed base64 character is refused (never accepted, never a
   * crash), whatever part of the record it lands in.
   */
  for (i = 0; i < len; i++) {
    memcpy(text, saved, sizeof(text));
    text[i] = text[i] == 'A' ? 'B' : 'A';
    ck_assert_msg(open_text("s:1", 1000) == -1,
      "tampered record accepted (byte %lu)", (unsigned long) i);
  }

  /* Truncations. */
  for (i = 0; i < len; i += 4) {
    memcpy(text, saved, sizeof(text));
    text[i] = '\0';
    ck_assert_msg(open_text("s:1", 1000) == -1,
      "truncated record accepted (%lu chars)", (unsigned long) i);
  }
}
END_TEST

START_TEST (malformed_test) {
  static const char *bad[] = {
    "", "A", "AAAA", "!!!!", "U0ZSAQIAAAA=",
    /* Right magic, version 2. */
    "U0ZSAgIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    NULL
  };
  int i;

  mark_point();
  for (i = 0; bad[i] != NULL; i++) {
    ck_assert_msg(secftp_record_open(key, SECFTP_RECORD_SESSION, "s:1",
      1000, bad[i], strlen(bad[i]), plain, sizeof(plain)) == -1,
      "malformed record %d accepted", i);
    ck_assert_msg(errno == EBADMSG || errno == EPROTONOSUPPORT,
      "record %d: unexpected errno %d", i, errno);
  }

  ck_assert_int_eq(secftp_record_open(key, SECFTP_RECORD_SESSION, "s:1",
    1000, bad[5], strlen(bad[5]), plain, sizeof(plain)), -1);
  ck_assert_int_eq(errno, EPROTONOSUPPORT);
  ck_assert_msg(strstr(secftp_record_strerror(EACCES), "authentication")
    != NULL, "strerror text");
}
END_TEST

START_TEST (bounds_test) {
  unsigned char *big;
  char small[8];

  mark_point();
  big = calloc(1, SECFTP_RECORD_PLAIN_MAX + 1);
  ck_assert_ptr_nonnull(big);
  ck_assert_int_eq(secftp_record_seal(key, SECFTP_RECORD_SESSION, "s", 10,
    big, SECFTP_RECORD_PLAIN_MAX + 1, text, sizeof(text)), -1);
  ck_assert_int_eq(errno, EMSGSIZE);
  ck_assert_int_gt(secftp_record_seal(key, SECFTP_RECORD_SESSION, "s", 10,
    big, SECFTP_RECORD_PLAIN_MAX, text, sizeof(text)), 0);
  ck_assert_int_eq(secftp_record_open(key, SECFTP_RECORD_SESSION, "s", 1,
    text, strlen(text), plain, sizeof(plain)), SECFTP_RECORD_PLAIN_MAX);
  free(big);

  ck_assert_int_eq(secftp_record_seal(key, SECFTP_RECORD_SESSION, "s", 10,
    (const unsigned char *) "x", 1, small, sizeof(small)), -1);
  ck_assert_int_eq(errno, EMSGSIZE);
  ck_assert_int_eq(secftp_record_seal(NULL, SECFTP_RECORD_SESSION, "s", 10,
    (const unsigned char *) "x", 1, text, sizeof(text)), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(secftp_record_open(key, SECFTP_RECORD_SESSION, NULL, 1,
    text, strlen(text), plain, sizeof(plain)), -1);
  ck_assert_int_eq(errno, EINVAL);
}
END_TEST

Suite *tests_get_record_suite(void) {
  Suite *suite;
  TCase *testcase;

  suite = suite_create("record");
  testcase = tcase_create("base");
  tcase_add_checked_fixture(testcase, set_up, NULL);
  tcase_add_test(testcase, derive_key_test);
  tcase_add_test(testcase, seal_open_test);
  tcase_add_test(testcase, open_refusals_test);
  tcase_add_test(testcase, tamper_test);
  tcase_add_test(testcase, malformed_test);
  tcase_add_test(testcase, bounds_test);
  suite_add_tcase(suite, testcase);
  return suite;
}
