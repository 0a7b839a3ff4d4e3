/*
 * Check suite for lib/secftp/redisc.c: addresses, and bounded failures
 * without a Redis server (a refused port, a listener that never answers).
 */

#include "tests.h"
#include "redisc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static struct secftp_redisc_target target;

static int parse(const char *text) {
  memset(&target, 0, sizeof(target));
  return secftp_redisc_parse_address(text, &target);
}

START_TEST (address_test) {
  char long_path[200];

  mark_point();
  ck_assert_int_eq(parse("127.0.0.1:6380"), 0);
  ck_assert_str_eq(target.host, "127.0.0.1");
  ck_assert_int_eq(target.port, 6380);
  ck_assert_str_eq(target.path, "");

  ck_assert_int_eq(parse("redis.example.com"), 0);
  ck_assert_str_eq(target.host, "redis.example.com");
  ck_assert_int_eq(target.port, 6379);

  ck_assert_int_eq(parse("[::1]:7000"), 0);
  ck_assert_str_eq(target.host, "::1");
  ck_assert_int_eq(target.port, 7000);
  ck_assert_int_eq(parse("[::1]"), 0);
  ck_assert_int_eq(target.port, 6379);

  ck_assert_int_eq(parse("/run/redis/redis.sock"), 0);
  ck_assert_str_eq(target.path, "/run/redis/redis.sock");
  ck_assert_str_eq(target.host, "");

  ck_assert_int_eq(parse("::1:6379"), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(parse("host:"), -1);
  ck_assert_int_eq(parse("host:0"), -1);
  ck_assert_int_eq(parse("host:65536"), -1);
  ck_assert_int_eq(parse("host:12a"), -1);
  ck_assert_int_eq(parse(":6379"), -1);
  ck_assert_int_eq(parse("[::1"), -1);
  ck_assert_int_eq(parse("[::1]x"), -1);
  ck_assert_int_eq(parse(""), -1);
  ck_assert_int_eq(secftp_redisc_parse_address(NULL, &target), -1);

  memset(long_path, 'a', sizeof(long_path) - 1);
  long_path[0] = '/';
  long_path[sizeof(long_path) - 1] = '\0';
  ck_assert_int_eq(parse(long_path), -1);
  ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

/* A loopback listener that accepts (the kernel does) and never answers. */
static int silent_listener(int *port) {
  struct sockaddr_in sin;
  socklen_t len = sizeof(sin);
  int fd;

  fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(bind(fd, (struct sockaddr *) &sin, sizeof(sin)), 0);
  ck_assert_int_eq(listen(fd, 8), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr *) &sin, &len), 0);
  *port = ntohs(sin.sin_port);
  return fd;
}

static long elapsed_ms(const struct timeval *start) {
  struct timeval now;

  gettimeofday(&now, NULL);
  return (now.tv_sec - start->tv_sec) * 1000L +
    (now.tv_usec - start->tv_usec) / 1000L;
}

START_TEST (hung_server_test) {
  struct secftp_redisc *c;
  struct timeval start;
  char err[256], *value = NULL;
  size_t len = 0;
  int fd, port = 0;

  mark_point();
  fd = silent_listener(&port);
  ck_assert_int_eq(parse("127.0.0.1"), 0);
  target.port = port;
  target.connect_ms = 200;
  target.io_ms = 150;

  /* The connection is accepted by the kernel; the GET is never answered
   * and gives up after the I/O timeout (bounded: well under a second).
   */
  err[0] = '\0';
  c = secftp_redisc_connect(&target, err, sizeof(err));
  ck_assert_msg(c != NULL, "connect: %s", err);
  gettimeofday(&start, NULL);
  ck_assert_int_eq(secftp_redisc_get(c, "k", &value, &len, err, sizeof(err)),
    -1);
  ck_assert_int_eq(errno, ETIMEDOUT);
  ck_assert_int_lt(elapsed_ms(&start), 1000);
  ck_assert_int_eq(secftp_redisc_usable(c), 0);
  ck_assert_ptr_nonnull(strstr(err, "no answer in time"));
  secftp_redisc_free(c);

  /* With a password, AUTH is what times out, inside connect. */
  strcpy(target.password, "secret");
  err[0] = '\0';
  ck_assert_ptr_null(secftp_redisc_connect(&target, err, sizeof(err)));
  ck_assert_int_eq(errno, ETIMEDOUT);
  close(fd);
}
END_TEST

/* A listener whose accept queue is full: Linux drops further SYNs, as a
 * route that drops packets does, so connecting must give up on its own.
 */
START_TEST (connect_timeout_test) {
  struct sockaddr_in sin;
  struct timeval start;
  char err[256];
  int fd, port = 0, fillers[8], i, n = 0;

  mark_point();
  fd = silent_listener(&port);
  ck_assert_int_eq(listen(fd, 0), 0);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons(port);
  for (i = 0; i < 8; i++) {
    fillers[i] = socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0);
    (void) connect(fillers[i], (struct sockaddr *) &sin, sizeof(sin));
    n++;
  }
  usleep(100000);

  ck_assert_int_eq(parse("127.0.0.1"), 0);
  target.port = port;
  target.connect_ms = 200;
  target.io_ms = 200;
  err[0] = '\0';
  gettimeofday(&start, NULL);
  ck_assert_ptr_null(secftp_redisc_connect(&target, err, sizeof(err)));
  ck_assert_int_eq(errno, ETIMEDOUT);
  ck_assert_int_lt(elapsed_ms(&start), 1000);
  ck_assert_ptr_nonnull(strstr(err, "connect: no answer in time"));

  for (i = 0; i < n; i++) {
    close(fillers[i]);
  }
  close(fd);
}
END_TEST

START_TEST (refused_test) {
  char err[256];
  int fd, port = 0;

  mark_point();
  fd = silent_listener(&port);
  close(fd);
  ck_assert_int_eq(parse("127.0.0.1"), 0);
  target.port = port;
  target.connect_ms = 200;
  target.io_ms = 200;
  err[0] = '\0';
  ck_assert_ptr_null(secftp_redisc_connect(&target, err, sizeof(err)));
  ck_assert_int_eq(errno, ECONNREFUSED);
  ck_assert_ptr_nonnull(strstr(err, "connect"));

  ck_assert_int_eq(parse("/nonexistent/redis.sock"), 0);
  target.connect_ms = 200;
  ck_assert_ptr_null(secftp_redisc_connect(&target, err, sizeof(err)));
  ck_assert_int_eq(errno, ENOENT);
}
END_TEST

Suite *tests_get_redisc_suite(void) {
  Suite *suite;
  TCase *testcase;

  suite = suite_create("redisc");
  testcase = tcase_create("base");
  tcase_add_test(testcase, address_test);
  tcase_add_test(testcase, hung_server_test);
  tcase_add_test(testcase, connect_timeout_test);
  tcase_add_test(testcase, refused_test);
  suite_add_tcase(suite, testcase);
  return suite;
}
