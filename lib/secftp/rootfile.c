/*
 * rootfile: secrets read from root-only files.
 */

#include "secftp/rootfile.h"

/* Reads up to max bytes of path, which must be a regular file owned by
 * root and readable by root only; opened as root (also when a SIGHUP
 * re-reads the configuration).  Returns NULL, or the problem.
 */
const char *secftp_rootfile_read(const char *path, unsigned char *buf,
    size_t max, size_t *len) {
  const char *problem = NULL;
  struct stat st;
  ssize_t n = 0;
  int fd, xerrno;

  PRIVS_ROOT
  fd = open(path, O_RDONLY|O_NOFOLLOW|O_CLOEXEC);
  xerrno = errno;
  PRIVS_RELINQUISH

  if (fd < 0) {
    return strerror(xerrno);
  }

  if (fstat(fd, &st) < 0) {
    problem = strerror(errno);

  } else if (!S_ISREG(st.st_mode)) {
    problem = "not a regular file";

  } else if (st.st_uid != 0 ||
      (st.st_mode & (S_IRWXG|S_IRWXO)) != 0) {
    problem = "must be owned by root and readable by root only (chmod 600)";

  } else {
    n = read(fd, buf, max);
    if (n < 0) {
      problem = strerror(errno);
    }
  }

  (void) close(fd);
  *len = n > 0 ? (size_t) n : 0;
  return problem;
}
