/*
 * bulk: batched writes and framed reads under a data connection's TLS.
 */

#include "secftp/bulk.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>

/* Sixteen full TLS 1.3 records (16 KiB of data plus header, type and tag)
 * go out with one write(2); the same again is read with one read(2).
 *
 * The read-ahead is this BIO's, not OpenSSL's: OpenSSL 3.0's record layer,
 * with read-ahead on, moves everything still unread in its buffer to the
 * buffer's start before each application record (to align the payload),
 * so a 256 KiB window cost about eight copies of every byte of an upload
 * (doc/benchmarks.md, "STOR").  Here OpenSSL asks for a header and then a
 * body, and each is copied once out of the window.
 */
#define BULK_RECORD_MAX		(16384 + 5 + 1 + 256)
#define BULK_WRITE_BUFSZ	(16 * BULK_RECORD_MAX)
#define BULK_READ_BUFSZ		(16 * BULK_RECORD_MAX)

/* How long a write may wait for a peer that does not read. */
#define BULK_WRITE_TIMEOUT	600

#define TLS_RECORD_HEADER_LEN	5

struct bulk {
  int fd;
  int nonblocking_reads;

  /* The batch: allocated at the first write, wcap bytes. */
  unsigned char *wbuf;
  size_t wlen, wcap;

  /* The read-ahead window: allocated at the first read, rcap bytes; the
   * bytes from rpos to rlen have arrived and OpenSSL has not taken them.
   */
  unsigned char *rbuf;
  size_t rpos, rlen, rcap;

  /* Framing of the incoming byte stream: header bytes seen of the current
   * record, and body bytes still to come.
   */
  unsigned char hdr[TLS_RECORD_HEADER_LEN];
  size_t hdr_have;
  size_t body_left;
  int eof;
};

static BIO_METHOD *bulk_method = NULL;
static void (*interrupt_hook)(void) = NULL;

void secftp_bulk_set_interrupt_hook(void (*hook)(void)) {
  interrupt_hook = hook;
}

static int bulk_type(void) {
  static int type = 0;

  if (type == 0) {
    type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR;
  }

  return type;
}

static struct bulk *get_bulk(SSL *ssl) {
  BIO *bio;

  if (ssl == NULL ||
      bulk_method == NULL) {
    return NULL;
  }

  bio = SSL_get_rbio(ssl);
  if (bio == NULL ||
      BIO_method_type(bio) != bulk_type()) {
    return NULL;
  }

  return BIO_get_data(bio);
}

static void track_records(struct bulk *b, const unsigned char *p, size_t n) {
  while (n > 0) {
    size_t take;

    if (b->body_left > 0) {
      take = n < b->body_left ? n : b->body_left;
      b->body_left -= take;
      p += take;
      n -= take;
      continue;
    }

    b->hdr[b->hdr_have++] = *p++;
    n--;
    if (b->hdr_have == TLS_RECORD_HEADER_LEN) {
      b->body_left = ((size_t) b->hdr[3] << 8) | b->hdr[4];
      b->hdr_have = 0;
    }
  }
}

/* Writes len bytes of buf to fd, waiting (bounded) when the socket is
 * full.  Works whether the descriptor is blocking or not.
 */
static int write_fully(int fd, const unsigned char *buf, size_t len,
    long timeout) {
  size_t off = 0;
  time_t deadline = time(NULL) + timeout;

  while (off < len) {
    ssize_t n;

    n = write(fd, buf + off, len - off);
    if (n > 0) {
      off += (size_t) n;
      continue;
    }

    if (n < 0 &&
        errno == EINTR) {
      if (interrupt_hook != NULL) {
        interrupt_hook();
      }
      continue;
    }

    if (n < 0 &&
        (errno == EAGAIN || errno == EWOULDBLOCK)) {
      struct pollfd pfd;
      time_t now = time(NULL);

      if (now >= deadline) {
        errno = ETIMEDOUT;
        return -1;
      }

      pfd.fd = fd;
      pfd.events = POLLOUT;
      pfd.revents = 0;
      (void) poll(&pfd, 1, (int) (deadline - now) * 1000);
      continue;
    }

    return -1;
  }

  return 0;
}

/* Writes everything buffered. */
static int flush_bulk(struct bulk *b, long timeout) {
  if (write_fully(b->fd, b->wbuf, b->wlen, timeout) < 0) {
    return -1;
  }

  b->wlen = 0;
  return 0;
}

static int bulk_write_ex(BIO *bio, const char *data, size_t len,
    size_t *written) {
  struct bulk *b = BIO_get_data(bio);

  BIO_clear_retry_flags(bio);

  if (b->wbuf == NULL) {
    b->wbuf = OPENSSL_malloc(b->wcap);
    if (b->wbuf == NULL) {
      return 0;
    }
  }

  if (b->wlen + len > b->wcap &&
      flush_bulk(b, BULK_WRITE_TIMEOUT) < 0) {
    return 0;
  }

  /* A BIO may take part of a write; OpenSSL writes the rest next. */
  if (len > b->wcap - b->wlen) {
    len = b->wcap - b->wlen;
  }

  memcpy(b->wbuf + b->wlen, data, len);
  b->wlen += len;
  *written = len;
  return 1;
}

static size_t window_left(const struct bulk *b) {
  return b->rlen - b->rpos;
}

static size_t take_from_window(struct bulk *b, char *buf, size_t len) {
  size_t n = window_left(b);

  if (n > len) {
    n = len;
  }

  memcpy(buf, b->rbuf + b->rpos, n);
  b->rpos += n;
  return n;
}

/* One recv(2) into the empty window: as much as the kernel has, up to the
 * window's size.  Returns what recv(2) returned.
 */
static ssize_t fill_window(struct bulk *b) {
  ssize_t n;

  n = recv(b->fd, b->rbuf, b->rcap, b->nonblocking_reads ? MSG_DONTWAIT : 0);
  b->rpos = 0;
  b->rlen = n > 0 ? (size_t) n : 0;
  if (n > 0) {
    track_records(b, b->rbuf, (size_t) n);
  }

  return n;
}

static int bulk_read_ex(BIO *bio, char *buf, size_t len, size_t *readbytes) {
  struct bulk *b = BIO_get_data(bio);
  ssize_t n;

  BIO_clear_retry_flags(bio);

  if (window_left(b) == 0) {
    if (b->rbuf == NULL) {
      b->rbuf = OPENSSL_malloc(b->rcap);
      if (b->rbuf == NULL) {
        return 0;
      }
    }

    n = fill_window(b);
    if (n == 0) {
      b->eof = 1;
      return 0;
    }

    if (n < 0) {
      if (errno == EAGAIN ||
          errno == EWOULDBLOCK ||
          errno == EINTR) {
        BIO_set_retry_read(bio);
      }

      return 0;
    }
  }

  *readbytes = take_from_window(b, buf, len);
  return 1;
}

static long bulk_ctrl(BIO *bio, int cmd, long num, void *ptr) {
  struct bulk *b = BIO_get_data(bio);

  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return flush_bulk(b, BULK_WRITE_TIMEOUT) == 0 ? 1 : 0;

    case BIO_CTRL_EOF:
      return b->eof && window_left(b) == 0;

    case BIO_CTRL_PENDING:
      return (long) window_left(b);

    case BIO_CTRL_WPENDING:
      return (long) b->wlen;

    case BIO_C_GET_FD:
      if (ptr != NULL) {
        *((int *) ptr) = b->fd;
      }
      return b->fd;

    case BIO_CTRL_GET_CLOSE:
    case BIO_CTRL_SET_CLOSE:
      return 1;

    default:
      return 0;
  }
}

static int bulk_destroy(BIO *bio) {
  struct bulk *b = BIO_get_data(bio);

  if (b != NULL) {
    OPENSSL_free(b->wbuf);
    OPENSSL_free(b->rbuf);
    OPENSSL_free(b);
    BIO_set_data(bio, NULL);
  }

  return 1;
}

static BIO_METHOD *get_method(void) {
  if (bulk_method == NULL) {
    bulk_method = BIO_meth_new(bulk_type(), "mod_secftp bulk");
    if (bulk_method == NULL) {
      return NULL;
    }

    (void) BIO_meth_set_write_ex(bulk_method, bulk_write_ex);
    (void) BIO_meth_set_read_ex(bulk_method, bulk_read_ex);
    (void) BIO_meth_set_ctrl(bulk_method, bulk_ctrl);
    (void) BIO_meth_set_destroy(bulk_method, bulk_destroy);
  }

  return bulk_method;
}

int secftp_bulk_attach(SSL *ssl, int fd, int upload) {
  BIO_METHOD *method;
  struct bulk *b;
  BIO *bio;

  method = get_method();
  if (method == NULL) {
    return -1;
  }

  b = OPENSSL_zalloc(sizeof(*b));
  bio = b != NULL ? BIO_new(method) : NULL;
  if (bio == NULL) {
    OPENSSL_free(b);
    return -1;
  }

  /* Each direction gets big buffers only where the data flows: an upload
   * writes no more than a handshake and a close_notify, a download reads
   * no more than a handshake and a close_notify.  Both windows still take
   * a whole flight of the handshake in one call: the ClientHello, and then
   * the client's ChangeCipherSpec and Finished, arrive in one read each.
   */
  b->fd = fd;
  b->wcap = upload ? BULK_RECORD_MAX : BULK_WRITE_BUFSZ;
  b->rcap = upload ? BULK_READ_BUFSZ : BULK_RECORD_MAX;
  BIO_set_data(bio, b);
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl, bio, bio);
  SSL_set_read_ahead(ssl, 0);

  return 0;
}

int secftp_bulk_flush(SSL *ssl, long timeout) {
  struct bulk *b = get_bulk(ssl);

  if (b == NULL) {
    return 0;
  }

  return flush_bulk(b, timeout);
}

void secftp_bulk_discard(SSL *ssl) {
  struct bulk *b = get_bulk(ssl);

  if (b != NULL) {
    b->wlen = 0;
  }
}

int secftp_bulk_has_pending(SSL *ssl) {
  struct bulk *b = get_bulk(ssl);

  if (ssl == NULL) {
    return 0;
  }

  return SSL_has_pending(ssl) ||
    (b != NULL && window_left(b) > 0);
}

void secftp_bulk_set_nonblocking_reads(SSL *ssl, int on) {
  struct bulk *b = get_bulk(ssl);

  if (b != NULL) {
    b->nonblocking_reads = on;
  }
}

int secftp_bulk_eof_on_record_boundary(SSL *ssl) {
  struct bulk *b = get_bulk(ssl);

  return b != NULL &&
    b->eof &&
    b->hdr_have == 0 &&
    b->body_left == 0;
}

int secftp_bulk_saw_eof(SSL *ssl) {
  struct bulk *b = get_bulk(ssl);

  return b != NULL && b->eof;
}
