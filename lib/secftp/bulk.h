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

#include "mod_secftp.h"

/* Puts a bulk BIO on ssl for fd, for reading and writing: for a download,
 * a batch of 16 records; for an upload (upload TRUE), read-ahead into a
 * large read buffer.  Returns 0, or -1 (ssl keeps its socket BIO).
 */
int secftp_bulk_attach(SSL *ssl, int fd, int upload);

/* Writes out what the BIO holds; bounded by timeout seconds.  Returns 0,
 * or -1 with errno set.
 */
int secftp_bulk_flush(SSL *ssl, long timeout);

/* Drops what the BIO holds (an aborted transfer). */
void secftp_bulk_discard(SSL *ssl);

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
