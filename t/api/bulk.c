/*
 * Check suite of the bulk unit: the BIO under a data connection, driven by
 * a real TLS 1.3 client over a socketpair.  An upload's bytes arrive whole
 * and in order through the read-ahead window whatever the reader's buffer
 * size; bytes waiting in the window count as pending although the socket
 * is quiet and OpenSSL holds nothing; and the end of the stream is told
 * apart on a record boundary and inside a record (doc/data-channel.md).
 */

#include "tests.h"
#include "secftp/bulk.h"

#include <poll.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/socket.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* How the client ends its upload. */
enum ending {
  END_CLOSE_NOTIFY,	/* close_notify, then close */
  END_BOUNDARY,		/* close between two records, no close_notify */
  END_CUT		/* half a record, then close */
};

struct client {
  int fd;
  size_t total;		/* bytes to send */
  size_t chunk;		/* bytes per SSL_write (one record each) */
  enum ending ending;
  int go_fd;		/* when >= 0: wait for a byte here before sending */
  int ok;
};

static SSL_CTX *sctx, *cctx;

static unsigned char pattern_byte(size_t i) {
  return (unsigned char) ((i * 7 + 1) & 0xff);
}

static void make_contexts(void) {
  EVP_PKEY *key;
  X509 *cert;
  X509_NAME *name;

  key = EVP_EC_gen("P-256");
  ck_assert_ptr_nonnull(key);
  cert = X509_new();
  ck_assert_ptr_nonnull(cert);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
    (const unsigned char *) "bulk.test", -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, key);
  ck_assert_int_gt(X509_sign(cert, key, EVP_sha256()), 0);

  sctx = SSL_CTX_new(TLS_server_method());
  ck_assert_ptr_nonnull(sctx);
  ck_assert_int_eq(SSL_CTX_use_certificate(sctx, cert), 1);
  ck_assert_int_eq(SSL_CTX_use_PrivateKey(sctx, key), 1);
  SSL_CTX_set_min_proto_version(sctx, TLS1_3_VERSION);
  (void) SSL_CTX_set_num_tickets(sctx, 0);

  cctx = SSL_CTX_new(TLS_client_method());
  ck_assert_ptr_nonnull(cctx);
  SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);

  X509_free(cert);
  EVP_PKEY_free(key);
}

static void setup(void) {
  make_contexts();
}

static void teardown(void) {
  SSL_CTX_free(sctx);
  SSL_CTX_free(cctx);
}

static int send_all(SSL *ssl, const unsigned char *buf, size_t len) {
  size_t n;

  return SSL_write_ex(ssl, buf, len, &n) == 1 && n == len;
}

static void *client_main(void *arg) {
  struct client *c = arg;
  unsigned char *buf;
  size_t off, i;
  SSL *ssl;

  buf = malloc(c->chunk);
  ssl = SSL_new(cctx);
  if (buf == NULL ||
      ssl == NULL ||
      SSL_set_fd(ssl, c->fd) != 1 ||
      SSL_connect(ssl) != 1) {
    goto done;
  }

  if (c->go_fd >= 0) {
    char go;

    if (read(c->go_fd, &go, 1) != 1) {
      goto done;
    }
  }

  for (off = 0; off < c->total; off += c->chunk) {
    size_t len = c->total - off < c->chunk ? c->total - off : c->chunk;

    for (i = 0; i < len; i++) {
      buf[i] = pattern_byte(off + i);
    }

    if (!send_all(ssl, buf, len)) {
      goto done;
    }
  }

  switch (c->ending) {
    case END_CLOSE_NOTIFY:
      (void) SSL_shutdown(ssl);
      break;

    case END_BOUNDARY:
      break;

    case END_CUT: {
      /* An application record header announcing 1000 bytes, and 10. */
      static const unsigned char half[15] = { 23, 3, 3, 0x03, 0xe8 };

      if (write(c->fd, half, sizeof(half)) != (ssize_t) sizeof(half)) {
        goto done;
      }
      break;
    }
  }

  c->ok = 1;

done:
  (void) shutdown(c->fd, SHUT_WR);
  SSL_free(ssl);
  free(buf);
  return NULL;
}

/* Accepts on fd with the bulk BIO for an upload. */
static SSL *accept_upload(int fd) {
  SSL *ssl = SSL_new(sctx);

  ck_assert_ptr_nonnull(ssl);
  ck_assert_int_eq(secftp_bulk_attach(ssl, fd, 1), 0);
  ck_assert_int_eq(SSL_accept(ssl), 1);
  return ssl;
}

/* Reads the whole upload in reads of bufsz bytes, checking every byte;
 * returns how many arrived.  SSL_read_ex's last result is left in *last.
 */
static size_t read_upload(SSL *ssl, size_t bufsz, int *last) {
  unsigned char *buf = malloc(bufsz);
  size_t got = 0, n, i;

  ck_assert_ptr_nonnull(buf);
  while ((*last = SSL_read_ex(ssl, buf, bufsz, &n)) == 1) {
    for (i = 0; i < n; i++) {
      if (buf[i] != pattern_byte(got + i)) {
        ck_abort_msg("byte %zu differs", got + i);
      }
    }
    got += n;
  }

  free(buf);
  return got;
}

struct run {
  int fds[2];
  pthread_t thread;
  struct client client;
  SSL *ssl;
};

static void start_run_gated(struct run *r, size_t total, size_t chunk,
    enum ending ending, int go_fd) {
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, r->fds), 0);
  memset(&r->client, 0, sizeof(r->client));
  r->client.go_fd = go_fd;
  r->client.fd = r->fds[1];
  r->client.total = total;
  r->client.chunk = chunk;
  r->client.ending = ending;
  ck_assert_int_eq(pthread_create(&r->thread, NULL, client_main,
    &r->client), 0);
  r->ssl = accept_upload(r->fds[0]);
}

static void start_run(struct run *r, size_t total, size_t chunk,
    enum ending ending) {
  start_run_gated(r, total, chunk, ending, -1);
}

static void end_run(struct run *r) {
  ck_assert_int_eq(pthread_join(r->thread, NULL), 0);
  ck_assert_int_eq(r->client.ok, 1);
  SSL_free(r->ssl);
  close(r->fds[0]);
  close(r->fds[1]);
}

static void check_whole_upload(size_t bufsz) {
  const size_t total = 4 * 1024 * 1024 + 123;
  struct run r;
  int last;

  start_run(&r, total, 16384, END_CLOSE_NOTIFY);
  ck_assert_uint_eq(read_upload(r.ssl, bufsz, &last), total);
  ck_assert_int_eq(SSL_get_error(r.ssl, last), SSL_ERROR_ZERO_RETURN);
  end_run(&r);
}

START_TEST (upload_arrives_whole_through_small_reads) {
  check_whole_upload(7000);
}
END_TEST

START_TEST (upload_arrives_whole_through_large_reads) {
  check_whole_upload(512 * 1024);
}
END_TEST

START_TEST (upload_in_odd_sized_records_arrives_whole) {
  struct run r;
  int last;

  start_run(&r, 1000 * 1000, 1000, END_CLOSE_NOTIFY);
  ck_assert_uint_eq(read_upload(r.ssl, 65536, &last), 1000 * 1000);
  end_run(&r);
}
END_TEST

START_TEST (window_bytes_count_as_pending_while_socket_is_quiet) {
  unsigned char buf[600];
  struct pollfd pfd;
  struct run r;
  int go[2];
  size_t n;

  /* Eight records of 1000 bytes, sent only once the handshake is over,
   * and all of them on the socket before the first read.
   */
  ck_assert_int_eq(pipe(go), 0);
  start_run_gated(&r, 8000, 1000, END_CLOSE_NOTIFY, go[0]);
  ck_assert_int_eq(write(go[1], "g", 1), 1);
  ck_assert_int_eq(pthread_join(r.thread, NULL), 0);
  close(go[0]);
  close(go[1]);
  ck_assert_int_eq(r.client.ok, 1);

  /* The first read takes everything the socket has into the window. */
  ck_assert_int_eq(SSL_read_ex(r.ssl, buf, 600, &n), 1);
  ck_assert_uint_eq(n, 600);
  ck_assert_int_eq(SSL_read_ex(r.ssl, buf, 600, &n), 1);
  ck_assert_uint_eq(n, 400);

  /* OpenSSL has nothing left of the first record; seven records and the
   * close_notify sit in the window, and the socket has no more to give.
   */
  ck_assert_int_eq(SSL_has_pending(r.ssl), 0);
  ck_assert_int_eq(secftp_bulk_has_pending(r.ssl), 1);
  pfd.fd = r.fds[0];
  pfd.events = POLLIN;
  pfd.revents = 0;
  ck_assert_int_eq(poll(&pfd, 1, 0), 1);	/* only the EOF */
  ck_assert_int_eq(recv(r.fds[0], buf, 1, MSG_DONTWAIT | MSG_PEEK), 0);

  SSL_free(r.ssl);
  close(r.fds[0]);
  close(r.fds[1]);
}
END_TEST

/* An upload that ends without close_notify: every byte before the end
 * arrives, then the read fails, and the framing says where the end fell.
 */
static void check_upload_end(enum ending ending, int on_boundary) {
  struct run r;
  int last;

  start_run(&r, 300 * 1000, 16384, ending);
  ck_assert_uint_eq(read_upload(r.ssl, 65536, &last), 300 * 1000);
  ck_assert_int_ne(last, 1);
  ck_assert_int_eq(secftp_bulk_saw_eof(r.ssl), 1);
  ck_assert_int_eq(secftp_bulk_eof_on_record_boundary(r.ssl), on_boundary);
  end_run(&r);
}

START_TEST (end_between_records_is_on_a_boundary) {
  check_upload_end(END_BOUNDARY, 1);
}
END_TEST

START_TEST (end_inside_a_record_is_a_cut) {
  check_upload_end(END_CUT, 0);
}
END_TEST

START_TEST (plain_socket_bio_is_not_bulk) {
  int fds[2];
  SSL *ssl;

  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  ssl = SSL_new(sctx);
  ck_assert_int_eq(SSL_set_fd(ssl, fds[0]), 1);
  ck_assert_int_eq(secftp_bulk_has_pending(ssl), 0);
  ck_assert_int_eq(secftp_bulk_saw_eof(ssl), 0);
  ck_assert_int_eq(secftp_bulk_flush(ssl, 1), 0);
  ck_assert_int_eq(secftp_bulk_has_pending(NULL), 0);
  SSL_free(ssl);
  close(fds[0]);
  close(fds[1]);
}
END_TEST

Suite *tests_get_bulk_suite(void) {
  Suite *suite;
  TCase *tc;

  suite = suite_create("bulk");
  tc = tcase_create("bulk");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, upload_arrives_whole_through_small_reads);
  tcase_add_test(tc, upload_arrives_whole_through_large_reads);
  tcase_add_test(tc, upload_in_odd_sized_records_arrives_whole);
  tcase_add_test(tc, window_bytes_count_as_pending_while_socket_is_quiet);
  tcase_add_test(tc, end_between_records_is_on_a_boundary);
  tcase_add_test(tc, end_inside_a_record_is_a_cut);
  tcase_add_test(tc, plain_socket_bio_is_not_bulk);
  suite_add_tcase(suite, tc);
  return suite;
}
