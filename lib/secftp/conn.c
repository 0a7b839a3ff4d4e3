/*
 * conn: preparing a new server-side TLS connection.
 */

#include "secftp/conn.h"
#include "secftp/reuse.h"
#include "secftp/sni.h"

int secftp_conn_prepare(SSL *ssl, int fd) {
  if (secftp_sni_prepare(ssl) < 0) {
    return -1;
  }

  secftp_reuse_prepare(ssl, fd);
  return 0;
}
