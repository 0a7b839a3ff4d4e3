/*
 * passprov: SecurePassPhraseProvider, opened and run safely.
 */

#ifndef _GNU_SOURCE
# define _GNU_SOURCE
#endif

#include "secftp/passprov.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Whether st (named shown) may be trusted; writes the reason when not. */
static int trusted(const struct stat *st, const char *shown, uid_t owner,
    char *why, size_t whylen) {
  if (S_ISLNK(st->st_mode)) {
    snprintf(why, whylen, "'%s' is a symbolic link", shown);
    return 0;
  }

  if (st->st_uid != owner) {
    snprintf(why, whylen, "'%s' is not owned by %s", shown,
      owner == 0 ? "root" : "the trusted owner");
    return 0;
  }

  if (st->st_mode & (S_IWGRP|S_IWOTH)) {
    snprintf(why, whylen, "'%s' is writable by %s", shown,
      (st->st_mode & S_IWOTH) ? "others" : "its group");
    return 0;
  }

  return 1;
}

/* The next component of *p (skipping slashes), copied into comp. */
static int next_component(const char **p, char *comp, size_t size) {
  size_t n;

  *p += strspn(*p, "/");
  n = strcspn(*p, "/");
  if (n == 0 ||
      n >= size) {
    return n == 0 ? 0 : -1;
  }

  memcpy(comp, *p, n);
  comp[n] = '\0';
  *p += n;
  return 1;
}

int secftp_passprov_open(const char *path, uid_t owner, int *is_program,
    char *why, size_t whylen) {
  char comp[256], shown[4096];
  const char *p = path;
  struct stat st;
  int dirfd, res;

  if (path == NULL ||
      *path != '/' ||
      strlen(path) >= sizeof(shown)) {
    snprintf(why, whylen, "'%s' is not an absolute path",
      path != NULL ? path : "");
    return -1;
  }

  dirfd = open("/", O_PATH|O_DIRECTORY|O_CLOEXEC);
  if (dirfd < 0 ||
      fstat(dirfd, &st) < 0) {
    snprintf(why, whylen, "'/': %s", strerror(errno));
    if (dirfd >= 0) {
      (void) close(dirfd);
    }
    return -1;
  }

  strcpy(shown, "/");
  if (!trusted(&st, shown, owner, why, whylen)) {
    (void) close(dirfd);
    return -1;
  }

  while ((res = next_component(&p, comp, sizeof(comp))) == 1) {
    int last = p[strspn(p, "/")] == '\0', fd;

    snprintf(shown, sizeof(shown), "%.*s", (int) (p - path), path);
    fd = openat(dirfd, comp, (last ? O_RDONLY : O_PATH|O_DIRECTORY)|
      O_NOFOLLOW|O_CLOEXEC);
    if (fd < 0) {
      snprintf(why, whylen, "'%s': %s", shown, errno == ELOOP ||
        errno == ENOTDIR ? "a symbolic link or not a directory" :
        strerror(errno));
      (void) close(dirfd);
      return -1;
    }
    (void) close(dirfd);
    dirfd = fd;

    if (fstat(fd, &st) < 0) {
      snprintf(why, whylen, "'%s': %s", shown, strerror(errno));
      (void) close(fd);
      return -1;
    }

    if (!trusted(&st, shown, owner, why, whylen)) {
      (void) close(fd);
      return -1;
    }

    if (last) {
      if (!S_ISREG(st.st_mode)) {
        snprintf(why, whylen, "'%s' is not a regular file", shown);
        (void) close(fd);
        return -1;
      }

      if (is_program != NULL) {
        *is_program = (st.st_mode & S_IXUSR) != 0;
      }
      return fd;
    }
  }

  snprintf(why, whylen, "'%s' names no file", path);
  (void) close(dirfd);
  return -1;
}

int secftp_passprov_read_line(int fd, char *buf, size_t size,
    time_t deadline) {
  size_t len = 0;

  for (;;) {
    struct pollfd pfd;
    ssize_t n;
    char *nl;
    time_t now = time(NULL);

    if (now >= deadline) {
      errno = ETIMEDOUT;
      return -1;
    }

    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (poll(&pfd, 1, (int) (deadline - now) * 1000) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return -1;
    }

    if (pfd.revents == 0) {
      continue;
    }

    n = read(fd, buf + len, size - 1 - len);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) {
        continue;
      }
      return -1;
    }

    len += (size_t) n;
    buf[len] = '\0';
    nl = strchr(buf, '\n');
    if (nl != NULL) {
      len = (size_t) (nl - buf);
      break;
    }

    if (n == 0) {
      break;
    }

    if (len == size - 1) {
      errno = ENAMETOOLONG;
      return -1;
    }
  }

  if (len > 0 &&
      buf[len - 1] == '\r') {
    len--;
  }

  /* Nothing after the first line stays in memory. */
  explicit_bzero(buf + len, size - len);
  return (int) len;
}

/* Whether the program open on fd is a script ("#!"): its interpreter
 * opens it again through /dev/fd, so that descriptor must stay open.
 */
static int is_script(int fd) {
  char magic[2];

  return pread(fd, magic, sizeof(magic), 0) == 2 &&
    magic[0] == '#' && magic[1] == '!';
}

/* Closes every descriptor above 2 but keep (-1: none). */
static void close_descriptors(int keep) {
  DIR *dir = opendir("/proc/self/fd");
  struct dirent *de;
  int dfd, max = (int) sysconf(_SC_OPEN_MAX), fd;

  if (dir == NULL) {
    for (fd = 3; fd < max && fd < 65536; fd++) {
      if (fd != keep) {
        (void) close(fd);
      }
    }
    return;
  }

  dfd = dirfd(dir);
  while ((de = readdir(dir)) != NULL) {
    fd = atoi(de->d_name);
    if (fd > 2 &&
        fd != keep &&
        fd != dfd) {
      (void) close(fd);
    }
  }
  (void) closedir(dir);
}

static void run_child(int progfd, int out, const char *name,
    const char *key_path) {
  char *argv[3], *envp[2];
  int devnull, keep = -1;

  (void) setpgid(0, 0);

  if (out != STDOUT_FILENO) {
    (void) dup2(out, STDOUT_FILENO);
    (void) close(out);
  }

  devnull = open("/dev/null", O_RDONLY);
  if (devnull > STDIN_FILENO) {
    (void) dup2(devnull, STDIN_FILENO);
    (void) close(devnull);
  }

  if (is_script(progfd)) {
    int flags = fcntl(progfd, F_GETFD);

    keep = progfd;
    (void) fcntl(progfd, F_SETFD, flags & ~FD_CLOEXEC);
  }
  close_descriptors(keep);

  argv[0] = (char *) name;
  argv[1] = (char *) key_path;
  argv[2] = NULL;
  envp[0] = (char *) SECFTP_PASSPROV_PATH;
  envp[1] = NULL;
  fexecve(progfd, argv, envp);
  _exit(127);
}

/* Waits for pid until deadline, then kills its process group.  Returns
 * its wait status, or -1 when it had to be killed.
 */
static int wait_bounded(pid_t pid, time_t deadline) {
  int status = 0;

  for (;;) {
    pid_t res = waitpid(pid, &status, WNOHANG);

    if (res == pid) {
      (void) kill(-pid, SIGKILL);
      return status;
    }

    if (res < 0 &&
        errno != EINTR) {
      return -1;
    }

    if (time(NULL) >= deadline) {
      (void) kill(-pid, SIGKILL);
      (void) kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 &&
             errno == EINTR) {
      }
      return -1;
    }

    (void) poll(NULL, 0, 20);
  }
}

int secftp_passprov_run(int progfd, const char *name, const char *key_path,
    char *buf, size_t size, unsigned int timeout, char *why, size_t whylen) {
  struct sigaction dfl, saved;
  int fds[2], len, xerrno, status;
  time_t deadline = time(NULL) + timeout;
  pid_t pid;

  if (pipe2(fds, O_CLOEXEC) < 0) {
    snprintf(why, whylen, "%s", strerror(errno));
    return -1;
  }

  /* No handler of the caller may reap the program before its status is
   * known.
   */
  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  (void) sigaction(SIGCHLD, &dfl, &saved);

  pid = fork();
  if (pid < 0) {
    snprintf(why, whylen, "%s", strerror(errno));
    (void) close(fds[0]);
    (void) close(fds[1]);
    (void) sigaction(SIGCHLD, &saved, NULL);
    return -1;
  }

  if (pid == 0) {
    (void) close(fds[0]);
    run_child(progfd, fds[1], name, key_path);
  }

  (void) close(fds[1]);
  len = secftp_passprov_read_line(fds[0], buf, size, deadline);
  xerrno = errno;
  (void) close(fds[0]);

  status = wait_bounded(pid, deadline);
  (void) sigaction(SIGCHLD, &saved, NULL);

  if (len < 0) {
    explicit_bzero(buf, size);
    snprintf(why, whylen, "%s", xerrno == ETIMEDOUT ? "no answer in time" :
      strerror(xerrno));
    return -1;
  }

  if (status < 0 ||
      !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    /* Whatever it printed is not trusted. */
    explicit_bzero(buf, size);
    snprintf(why, whylen, "%s", status < 0 ? "still running when its "
      "time was up: killed" : WIFEXITED(status) && WEXITSTATUS(status) ==
      127 ? "could not be run" : "the program failed");
    return -1;
  }

  return len;
}
