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

/* How many symbolic links a provider path may go through. */
#define PASSPROV_MAX_LINKS	40

/* Whether st (named shown) may be trusted; writes the reason when not.
 * A symbolic link is trusted as such when owner made it (it lives in a
 * directory already trusted, so nobody else could have changed it).
 */
static int trusted(const struct stat *st, const char *shown, uid_t owner,
    char *why, size_t whylen) {
  if (st->st_uid != owner) {
    snprintf(why, whylen, "'%s' is %snot owned by %s", shown,
      S_ISLNK(st->st_mode) ? "a symbolic link " : "",
      owner == 0 ? "root" : "the trusted owner");
    return 0;
  }

  if (!S_ISLNK(st->st_mode) &&
      (st->st_mode & (S_IWGRP|S_IWOTH))) {
    snprintf(why, whylen, "'%s' is writable by %s", shown,
      (st->st_mode & S_IWOTH) ? "others" : "its group");
    return 0;
  }

  return 1;
}

/* The walk through a provider path: the directory reached so far, what
 * is left to resolve, and how the path reads up to here (for reasons).
 */
struct walk {
  int dirfd;
  char rest[4096];
  char shown[4096];
  unsigned int links;
};

/* Starts (again) at "/", which must be trusted too. */
static int walk_from_root(struct walk *w, uid_t owner, char *why,
    size_t whylen) {
  struct stat st;

  if (w->dirfd >= 0) {
    (void) close(w->dirfd);
  }

  w->dirfd = open("/", O_PATH|O_DIRECTORY|O_CLOEXEC);
  if (w->dirfd < 0 ||
      fstat(w->dirfd, &st) < 0) {
    snprintf(why, whylen, "'/': %s", strerror(errno));
    return -1;
  }

  strcpy(w->shown, "/");
  return trusted(&st, "/", owner, why, whylen) ? 0 : -1;
}

/* Takes the next component off w->rest into comp.  Returns 1, 0 at the
 * end, -1 for a component too long.
 */
static int take_component(struct walk *w, char *comp, size_t size) {
  char *p = w->rest + strspn(w->rest, "/");
  size_t n = strcspn(p, "/");

  if (n == 0) {
    return 0;
  }

  if (n >= size) {
    return -1;
  }

  memcpy(comp, p, n);
  comp[n] = '\0';
  memmove(w->rest, p + n, strlen(p + n) + 1);
  return 1;
}

/* Follows the symbolic link open on fd (named comp in w->dirfd): its
 * target goes in front of what is left.
 */
static int follow_link(struct walk *w, int fd, uid_t owner, char *why,
    size_t whylen) {
  char target[4096], joined[4096];
  ssize_t n;

  if (++w->links > PASSPROV_MAX_LINKS) {
    snprintf(why, whylen, "'%s': too many symbolic links", w->shown);
    return -1;
  }

  n = readlinkat(fd, "", target, sizeof(target) - 1);
  if (n <= 0) {
    snprintf(why, whylen, "'%s': %s", w->shown, strerror(errno));
    return -1;
  }
  target[n] = '\0';

  if (snprintf(joined, sizeof(joined), "%s/%s", target, w->rest) >=
      (int) sizeof(joined)) {
    snprintf(why, whylen, "'%s': path too long", w->shown);
    return -1;
  }
  strcpy(w->rest, joined);

  if (*target == '/') {
    return walk_from_root(w, owner, why, whylen);
  }

  /* Relative: from the link's directory, as the reasons show it. */
  *(strrchr(w->shown, '/') == w->shown ? w->shown + 1 :
    strrchr(w->shown, '/')) = '\0';
  return 0;
}

/* Opens the last component for reading: the same file that was checked,
 * a regular one.
 */
static int open_last(struct walk *w, const char *comp, const struct stat *st,
    int *is_program, char *why, size_t whylen) {
  struct stat again;
  int fd;

  if (!S_ISREG(st->st_mode)) {
    snprintf(why, whylen, "'%s' is not a regular file", w->shown);
    return -1;
  }

  fd = openat(w->dirfd, comp, O_RDONLY|O_NOFOLLOW|O_CLOEXEC);
  if (fd < 0 ||
      fstat(fd, &again) < 0 ||
      again.st_dev != st->st_dev ||
      again.st_ino != st->st_ino) {
    snprintf(why, whylen, "'%s': changed while being checked", w->shown);
    if (fd >= 0) {
      (void) close(fd);
    }
    return -1;
  }

  if (is_program != NULL) {
    *is_program = (st->st_mode & S_IXUSR) != 0;
  }
  return fd;
}

static int walk_path(struct walk *w, uid_t owner, int *is_program,
    char *why, size_t whylen) {
  char comp[256];
  int res;

  while ((res = take_component(w, comp, sizeof(comp))) == 1) {
    int last = w->rest[strspn(w->rest, "/")] == '\0', fd;
    size_t used = strlen(w->shown);
    struct stat st;

    snprintf(w->shown + used, sizeof(w->shown) - used, "%s%s",
      used > 1 ? "/" : "", comp);
    fd = openat(w->dirfd, comp, O_PATH|O_NOFOLLOW|O_CLOEXEC);
    if (fd < 0 ||
        fstat(fd, &st) < 0) {
      snprintf(why, whylen, "'%s': %s", w->shown, strerror(errno));
      if (fd >= 0) {
        (void) close(fd);
      }
      return -1;
    }

    if (!trusted(&st, w->shown, owner, why, whylen)) {
      (void) close(fd);
      return -1;
    }

    if (S_ISLNK(st.st_mode)) {
      res = follow_link(w, fd, owner, why, whylen);
      (void) close(fd);
      if (res < 0) {
        return -1;
      }
      continue;
    }

    if (last) {
      (void) close(fd);
      return open_last(w, comp, &st, is_program, why, whylen);
    }

    if (!S_ISDIR(st.st_mode)) {
      snprintf(why, whylen, "'%s' is not a directory", w->shown);
      (void) close(fd);
      return -1;
    }

    (void) close(w->dirfd);
    w->dirfd = fd;
  }

  snprintf(why, whylen, res < 0 ? "a component of '%s' is too long" :
    "'%s' names no file", w->shown);
  return -1;
}

int secftp_passprov_open(const char *path, uid_t owner, int *is_program,
    char *why, size_t whylen) {
  struct walk w;
  int fd;

  if (path == NULL ||
      *path != '/' ||
      strlen(path) >= sizeof(w.rest)) {
    snprintf(why, whylen, "'%s' is not an absolute path",
      path != NULL ? path : "");
    return -1;
  }

  memset(&w, 0, sizeof(w));
  w.dirfd = -1;
  strcpy(w.rest, path);

  fd = walk_from_root(&w, owner, why, whylen) < 0 ? -1 :
    walk_path(&w, owner, is_program, why, whylen);
  if (w.dirfd >= 0) {
    (void) close(w.dirfd);
  }
  return fd;
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

/* fd, moved above the standard descriptors if it is one of them: a
 * daemon that runs with 0-2 closed (as after a restart) gets them back
 * from open(2) and pipe(2), and the dup2(2)s below would clobber them.
 */
static int above_stdio(int fd) {
  int moved;

  if (fd > STDERR_FILENO) {
    return fd;
  }

  moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  return moved >= 0 ? moved : fd;
}

static void run_child(int progfd, int out, const char *name,
    const char *key_path) {
  char *argv[3], *envp[2];
  int devnull, keep = -1;

  (void) setpgid(0, 0);
  progfd = above_stdio(progfd);
  out = above_stdio(out);

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
