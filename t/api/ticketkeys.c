/*
 * Check suite for lib/secftp/ticketkeys.c.
 */

#include "tests.h"

#include <limits.h>
#include "ticketkeys.h"

static const unsigned char secret[40] = "a node-local secret of 40 bytes......";

START_TEST (epoch_test) {
  mark_point();
  ck_assert_int_eq(secftp_ticketkey_epoch(0, 3), 0);
  ck_assert_int_eq(secftp_ticketkey_epoch(2, 3), 0);
  ck_assert_int_eq(secftp_ticketkey_epoch(3, 3), 1);
  ck_assert_int_eq(secftp_ticketkey_epoch(86400, 43200), 2);
  ck_assert_int_eq(secftp_ticketkey_epoch(10, 0), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(secftp_ticketkey_expires(5, 3), 21);
}
END_TEST

START_TEST (usable_test) {
  mark_point();
  ck_assert_int_eq(secftp_ticketkey_usable(10, 10), 1);
  ck_assert_int_eq(secftp_ticketkey_usable(9, 10), 2);
  ck_assert_int_eq(secftp_ticketkey_usable(11, 10), 1);
  ck_assert_int_eq(secftp_ticketkey_usable(8, 10), 0);
  ck_assert_int_eq(secftp_ticketkey_usable(12, 10), 0);
}
END_TEST

START_TEST (names_test) {
  struct secftp_ticketkey k;
  int origin;
  int64_t epoch;

  mark_point();
  ck_assert_int_eq(secftp_ticketkey_generate(123456789LL, &k), 0);
  ck_assert_int_eq(secftp_ticketkey_parse_name(k.name, &origin, &epoch), 0);
  ck_assert_int_eq(origin, SECFTP_TICKETKEY_FLEET);
  ck_assert_int_eq(epoch, 123456789LL);

  ck_assert_int_eq(secftp_ticketkey_derive_local(secret, sizeof(secret), 7,
    &k), 0);
  ck_assert_int_eq(secftp_ticketkey_parse_name(k.name, &origin, &epoch), 0);
  ck_assert_int_eq(origin, SECFTP_TICKETKEY_LOCAL);
  ck_assert_int_eq(epoch, 7);

  k.name[0] = 'X';
  ck_assert_int_eq(secftp_ticketkey_parse_name(k.name, &origin, &epoch), -1);
  ck_assert_int_eq(errno, EBADMSG);
  ck_assert_int_eq(secftp_ticketkey_generate(-1, &k), -1);
}
END_TEST

START_TEST (local_test) {
  struct secftp_ticketkey a, b;

  mark_point();
  ck_assert_int_eq(secftp_ticketkey_derive_local(secret, sizeof(secret), 7,
    &a), 0);
  ck_assert_int_eq(secftp_ticketkey_derive_local(secret, sizeof(secret), 7,
    &b), 0);
  ck_assert_msg(memcmp(&a, &b, sizeof(a)) == 0, "local key not stable");
  ck_assert_int_eq(secftp_ticketkey_derive_local(secret, sizeof(secret), 8,
    &b), 0);
  ck_assert_msg(memcmp(a.aes, b.aes, sizeof(a.aes)) != 0,
    "two epochs share a key");
  ck_assert_msg(memcmp(a.name + 8, b.name + 8, 8) != 0,
    "two epochs share a key id");
  ck_assert_int_eq(secftp_ticketkey_derive_local(secret, 16, 8, &b), -1);
}
END_TEST

START_TEST (pack_test) {
  struct secftp_ticketkey a, b;
  unsigned char buf[SECFTP_TICKETKEY_PACKED_LEN];

  mark_point();
  ck_assert_int_eq(secftp_ticketkey_generate(42, &a), 0);
  ck_assert_int_eq(secftp_ticketkey_pack(&a, buf, sizeof(buf)), 0);
  ck_assert_int_eq(secftp_ticketkey_unpack(buf, sizeof(buf), 42, &b), 0);
  ck_assert_msg(memcmp(&a, &b, sizeof(a)) == 0, "round trip differs");

  /* The record of another epoch (a replayed old key) is refused. */
  ck_assert_int_eq(secftp_ticketkey_unpack(buf, sizeof(buf), 43, &b), -1);
  ck_assert_int_eq(errno, EBADMSG);
  ck_assert_int_eq(secftp_ticketkey_unpack(buf, sizeof(buf) - 1, 42, &b),
    -1);
  buf[0] = 9;
  ck_assert_int_eq(secftp_ticketkey_unpack(buf, sizeof(buf), 42, &b), -1);
  buf[0] = 1;
  buf[1] = SECFTP_TICKETKEY_LOCAL;
  ck_assert_int_eq(secftp_ticketkey_unpack(buf, sizeof(buf), 42, &b), -1);
  ck_assert_int_eq(secftp_ticketkey_pack(&a, buf, 10), -1);
  ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* Issue 17: a huge SecureTicketKeyLifetime or a forged epoch in a ticket
 * never overflows (UBSan reported signed overflow here).
 */
START_TEST (saturation_test) {
  mark_point();
  ck_assert(secftp_ticketkey_expires(0, LONG_MAX) == (time_t) INT64_MAX);
  ck_assert(secftp_ticketkey_expires(INT64_MAX, 1) == (time_t) INT64_MAX);
  ck_assert(secftp_ticketkey_expires(INT64_MAX - 2, 2) == (time_t) INT64_MAX);
  ck_assert(secftp_ticketkey_expires(-1, 3) == 0);
  ck_assert(secftp_ticketkey_expires(1, -3) == 0);
  ck_assert(secftp_ticketkey_expires(1, SECFTP_TICKET_KEY_LIFETIME_MAX) ==
    3 * SECFTP_TICKET_KEY_LIFETIME_MAX);
  ck_assert_int_eq(secftp_ticketkey_epoch(2000000000, LONG_MAX), 0);

  ck_assert_int_eq(secftp_ticketkey_usable(INT64_MAX, INT64_MIN), 0);
  ck_assert_int_eq(secftp_ticketkey_usable(INT64_MIN, INT64_MAX), 0);
  ck_assert_int_eq(secftp_ticketkey_usable(INT64_MAX, INT64_MAX - 1), 1);
  ck_assert_int_eq(secftp_ticketkey_usable(INT64_MIN, INT64_MIN + 1), 2);
  ck_assert_int_eq(secftp_ticketkey_usable(0x00ffffffffffffffLL, 0), 0);
}
END_TEST

Suite *tests_get_ticketkeys_suite(void) {
  Suite *suite;
  TCase *testcase;

  suite = suite_create("ticketkeys");
  testcase = tcase_create("base");
  tcase_add_test(testcase, epoch_test);
  tcase_add_test(testcase, usable_test);
  tcase_add_test(testcase, names_test);
  tcase_add_test(testcase, local_test);
  tcase_add_test(testcase, pack_test);
  tcase_add_test(testcase, saturation_test);
  suite_add_tcase(suite, testcase);
  return suite;
}
