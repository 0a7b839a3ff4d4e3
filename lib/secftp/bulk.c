/*
 * bulk: batched writes and framed reads under a data connection's TLS.
 */

#include "secftp/bulk.h"

#include <poll.h>

/* Sixteen full TLS 1.3 records (16 KiB of data plus header, type and tag)
 * go out with one write(2); the same again is read with one read(2).
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

  /* Framing of the incoming byte stream: header bytes seen of the current
   * record, and body bytes still to come.
   */
  unsigned char hdr[TLS_RECORD_HEADER_LEN];
  size_t hdr_have;
  size_t body_left;
  int eof;
};

static BIO_METHOD *bulk_method = NULL;

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

/* Writes everything buffered, waiting (bounded) when the socket is full.
 * Works whether the descriptor is blocking or not.
 */
static int flush_bulk(struct bulk *b, long timeout) {
  size_t off = 0;
  time_t deadline = time(NULL) + timeout;

  while (off < b->wlen) {
    ssize_t n;

    n = write(b->fd, b->wbuf + off, b->wlen - off);
    if (n > 0) {
      off += (size_t) n;
      continue;
    }

    if (n < 0 &&
        errno == EINTR) {
      pr_signals_handle();
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

      pfd.fd = b->fd;
      pfd.events = POLLOUT;
      pfd.revents = 0;
      (void) poll(&pfd, 1, (int) (deadline - now) * 1000);
      continue;
    }

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

static int bulk_read_ex(BIO *bio, char *buf, size_t len, size_t *readbytes) {
  struct bulk *b = BIO_get_data(bio);
  ssize_t n;

  BIO_clear_retry_flags(bio);

  n = recv(b->fd, buf, len, b->nonblocking_reads ? MSG_DONTWAIT : 0);
  if (n > 0) {
    track_records(b, (unsigned char *) buf, (size_t) n);
    *readbytes = (size_t) n;
    return 1;
  }

  if (n == 0) {
    b->eof = TRUE;
    return 0;
  }

  if (errno == EAGAIN ||
      errno == EWOULDBLOCK ||
      errno == EINTR) {
    BIO_set_retry_read(bio);
  }

  return 0;
}

static long bulk_ctrl(BIO *bio, int cmd, long num, void *ptr) {
  struct bulk *b = BIO_get_data(bio);

  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return flush_bulk(b, BULK_WRITE_TIMEOUT) == 0 ? 1 : 0;

    case BIO_CTRL_EOF:
      return b->eof;

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
   * writes no more than a handshake and a close_notify.
   */
  b->fd = fd;
  b->wcap = upload ? BULK_RECORD_MAX : BULK_WRITE_BUFSZ;
  BIO_set_data(bio, b);
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl, bio, bio);

  /* Read-ahead: one read(2) takes in many records, instead of a header
   * read and a body read for each.  Downloads too: the client's
   * ClientHello, and then its ChangeCipherSpec and Finished, arrive in
   * one read each (three recv(2)s fewer per data connection).
   */
  SSL_set_read_ahead(ssl, 1);
  if (upload) {
    SSL_set_default_read_buffer_len(ssl, BULK_READ_BUFSZ);
  }

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
