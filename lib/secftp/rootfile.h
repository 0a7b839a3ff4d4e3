/*
 * rootfile: a secret read from a root-only file (SecureTicketKeyFile, the
 * password of SecureRedisServer file:PATH), as root, at startup and at
 * every SIGHUP; sessions only ever see what is derived from it.
 */

#ifndef SECFTP_ROOTFILE_H
#define SECFTP_ROOTFILE_H

#include "mod_secftp.h"

/* Reads up to max bytes of path, a regular file owned by root and readable
 * by root only (opened as root, never following a symbolic link).
 * Returns NULL and *len, or the problem.
 */
const char *secftp_rootfile_read(const char *path, unsigned char *buf,
  size_t max, size_t *len);

#endif /* SECFTP_ROOTFILE_H */
