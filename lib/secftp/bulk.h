/*
 * bulk: the socket layer under a protected data connection.
 *
 * OpenSSL writes one record (at most 16 KiB) per write(2) and, without
 * read-ahead, reads a record with two read(2) calls.  On a data connection
 * that is most of the cost of FTPS.  This BIO sits between OpenSSL and the
 * data socket: it gathers the records of a download and hands them to the
 * kernel a batch at a time, and on uploads it reads as much as the kernel
 * has while it follows the record framing, so that a connection cut in the
 * middle of a record can be told from one cut between records.
 */

#ifndef SECFTP_BULK_H
#define SECFTP_BULK_H

#include <openssl/ssl.h>

/* Pure C (OpenSSL and libc only) so that Check can test it over a real
 * TLS connection; the caller hands in how to act on a signal.
 */

/* Called when a write(2) or poll(2) of a batch is interrupted by a signal:
 * ProFTPD's pr_signals_handle(), so that its timers and SIGTERM act in the
 * middle of a long write.  NULL (the default) just retries.
 */
void secftp_bulk_set_interrupt_hook(void (*hook)(void));

/* Puts a bulk BIO on ssl for fd, for reading and writing: for a download,
 * a batch of 16 records; for an upload (upload TRUE), a read-ahead
 * window of as much.  Returns 0, or -1 (ssl keeps its socket BIO).
 */
int secftp_bulk_attach(SSL *ssl, int fd, int upload);

/* Writes out what the BIO holds; bounded by timeout seconds.  Returns 0,
 * or -1 with errno set.
 */
int secftp_bulk_flush(SSL *ssl, long timeout);

/* Drops what the BIO holds (an aborted transfer). */
void secftp_bulk_discard(SSL *ssl);

/* TRUE when ssl has bytes to process without reading the socket: a
 * decrypted record not yet taken, or received bytes in OpenSSL or in the
 * bulk BIO's read-ahead.
 */
int secftp_bulk_has_pending(SSL *ssl);

/* While set, reads never block: a read with nothing in the socket asks
 * OpenSSL to retry.  Used to drain what has already arrived.
 */
void secftp_bulk_set_nonblocking_reads(SSL *ssl, int on);

/* TRUE when the peer's end of stream fell between two TLS records (an
 * upload that merely lacked close_notify), FALSE when it cut a record or
 * has not been seen.
 */
int secftp_bulk_eof_on_record_boundary(SSL *ssl);

/* TRUE when the peer closed the stream (read(2) returned 0). */
int secftp_bulk_saw_eof(SSL *ssl);

#endif /* SECFTP_BULK_H */
