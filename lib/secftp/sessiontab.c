/*
 * sessiontab: the protected sessions, as the daemon sees them.
 */

#include "secftp/sessiontab.h"
#include "secftp/log.h"
#include "secftp/session.h"

#include <limits.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define TRACE_CHANNEL	"secftp.ctrls"

/* A row under a sequence lock: the writer makes seq odd while it writes,
 * and a reader that saw it odd, or changed, reads again.
 */
struct slot {
  volatile pid_t owner;		/* 0: free */
  volatile unsigned int seq;
  struct secftp_sessiontab_row row;
};

struct table {
  volatile unsigned int high;	/* rows ever used: readers scan this far */
  volatile unsigned long unlisted;
  struct slot slots[SECFTP_SESSIONTAB_ROWS];
};

static struct table *table = NULL;

/* This session's slot, or NULL; and what it last published. */
static struct slot *own = NULL;
static int own_unlisted = FALSE;
static struct {
  unsigned int state;
  char prot;
  int logged_out;
  const char *user;
  const server_rec *server;
  const SSL *ssl;
} seen;

/* A restart (SIGHUP) unloads and loads DSO modules again: this file's
 * statics start over, while the sessions forked before keep writing the
 * table they inherited.  So the table lives in a memfd, which the daemon
 * keeps open and names in its environment; a new load of the module maps
 * the same table again.
 */
#define TABLE_NAME	"mod_secftp-sessions"
#define TABLE_ENV	"SECFTP_SESSIONTAB_FD"

/* The descriptor a previous load of the module left, if the environment
 * names one that really is our table; -1 otherwise.
 */
static int inherited_fd(void) {
  const char *value = getenv(TABLE_ENV);
  char link[64], target[128];
  struct stat st;
  char *end = NULL;
  long fd;
  ssize_t n;

  if (value == NULL) {
    return -1;
  }

  fd = strtol(value, &end, 10);
  if (end == value || *end != '\0' || fd < 0 || fd > INT_MAX) {
    return -1;
  }

  pr_snprintf(link, sizeof(link), "/proc/self/fd/%ld", fd);
  n = readlink(link, target, sizeof(target) - 1);
  if (n < 0) {
    return -1;
  }
  target[n] = '\0';

  if (strncmp(target, "/memfd:" TABLE_NAME, strlen("/memfd:" TABLE_NAME))
      != 0 ||
      fstat((int) fd, &st) < 0 ||
      st.st_size != (off_t) sizeof(struct table)) {
    return -1;
  }

  return (int) fd;
}

static int new_fd(void) {
  char value[32];
  int fd;

  fd = memfd_create(TABLE_NAME, MFD_CLOEXEC);
  if (fd < 0) {
    return -1;
  }

  if (ftruncate(fd, sizeof(struct table)) < 0) {
    (void) close(fd);
    return -1;
  }

  pr_snprintf(value, sizeof(value), "%d", fd);
  if (setenv(TABLE_ENV, value, 1) < 0) {
    pr_trace_msg(TRACE_CHANNEL, 3, "unable to keep the session table over "
      "restarts: %s", strerror(errno));
  }

  return fd;
}

int secftp_sessiontab_init(void) {
  void *mem;
  int fd;

  if (table != NULL) {
    return 0;
  }

  fd = inherited_fd();
  if (fd < 0) {
    fd = new_fd();
  }

  mem = fd < 0 ? MAP_FAILED : mmap(NULL, sizeof(struct table),
    PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0);
  if (mem == MAP_FAILED) {
    pr_log_pri(PR_LOG_NOTICE, MOD_SECFTP_VERSION ": unable to map the "
      "session table (ftpdctl secftp sessions will list nothing): %s",
      strerror(errno));
    return -1;
  }

  table = mem;
  return 0;
}

static int pid_alive(pid_t pid) {
  return pid != 0 &&
    (kill(pid, 0) == 0 || errno != ESRCH);
}

static void raise_high(unsigned int n) {
  unsigned int high;

  while ((high = table->high) < n &&
         !__sync_bool_compare_and_swap(&table->high, high, n)) {
  }
}

/* First free (or abandoned) slot, so that the scanned part stays as small
 * as the peak number of sessions.
 */
static struct slot *claim_slot(void) {
  pid_t self = getpid();
  unsigned int i;

  for (i = 0; i < SECFTP_SESSIONTAB_ROWS; i++) {
    struct slot *sl = &table->slots[i];
    pid_t owner = sl->owner;

    if ((owner == 0 || !pid_alive(owner)) &&
        __sync_bool_compare_and_swap(&sl->owner, owner, self)) {
      raise_high(i + 1);
      return sl;
    }
  }

  return NULL;
}

static void copy_str(char *dst, size_t size, const char *src) {
  sstrncpy(dst, src != NULL ? src : "", size);
}

static const char *note(const char *name) {
  return pr_table_get(session.notes, name, NULL);
}

static void fill_row(struct secftp_sessiontab_row *row) {
  SSL *ssl = secftp_sess.ctrl_ssl;

  row->pid = getpid();
  copy_str(row->vhost, sizeof(row->vhost), main_server->ServerName);
  copy_str(row->client, sizeof(row->client),
    session.c != NULL ? pr_netaddr_get_ipstr(session.c->remote_addr) : "");
  copy_str(row->user, sizeof(row->user),
    secftp_sess.logged_out ? NULL : session.user);
  copy_str(row->protocol, sizeof(row->protocol),
    ssl != NULL ? SSL_get_version(ssl) : note("SECFTP_PROTOCOL"));
  copy_str(row->cipher, sizeof(row->cipher),
    ssl != NULL ? SSL_get_cipher_name(ssl) : note("SECFTP_CIPHER"));
  row->prot = secftp_sess.prot;
  copy_str(row->control, sizeof(row->control),
    (secftp_sess.state & SECFTP_STATE_CTRL_TLS) ? "TLS" : "clear");
  copy_str(row->client_dn, sizeof(row->client_dn),
    note("SECFTP_CLIENT_S_DN"));
}

static void write_row(void) {
  own->seq++;
  __sync_synchronize();
  fill_row(&own->row);
  __sync_synchronize();
  own->seq++;
}

static int facts_changed(void) {
  return seen.state != secftp_sess.state ||
    seen.prot != secftp_sess.prot ||
    seen.logged_out != secftp_sess.logged_out ||
    seen.user != session.user ||
    seen.server != main_server ||
    seen.ssl != secftp_sess.ctrl_ssl;
}

static void remember_facts(void) {
  seen.state = secftp_sess.state;
  seen.prot = secftp_sess.prot;
  seen.logged_out = secftp_sess.logged_out;
  seen.user = session.user;
  seen.server = main_server;
  seen.ssl = secftp_sess.ctrl_ssl;
}

/* Publishes the session's facts once it has been protected. */
static void refresh(void) {
  if (table == NULL ||
      secftp_sess.ctrl_ssl == NULL ||
      !facts_changed()) {
    return;
  }

  remember_facts();
  if (own == NULL &&
      !own_unlisted) {
    own = claim_slot();
    if (own == NULL) {
      own_unlisted = TRUE;
      __sync_fetch_and_add(&table->unlisted, 1);
      pr_trace_msg(TRACE_CHANNEL, 3, "session table full (%d rows): this "
        "session is not listed", SECFTP_SESSIONTAB_ROWS);
      return;
    }
    own->row.since = time(NULL);
  }

  if (own != NULL) {
    write_row();
  }
}

static void handshake_ev(const void *event_data, void *user_data) {
  refresh();
}

static void exit_ev(const void *event_data, void *user_data) {
  if (own != NULL) {
    (void) __sync_bool_compare_and_swap(&own->owner, getpid(), 0);
    own = NULL;
  }

  if (own_unlisted) {
    __sync_fetch_and_sub(&table->unlisted, 1);
    own_unlisted = FALSE;
  }
}

void secftp_sessiontab_sess_init(void) {
  /* The daemon's bookkeeping is no business of the session's programs. */
  (void) unsetenv(TABLE_ENV);
  memset(&seen, 0, sizeof(seen));
  own = NULL;
  own_unlisted = FALSE;
  if (table == NULL) {
    return;
  }

  pr_event_register(&secftp_module, SECFTP_EVENT_PREFIX "ctrl-handshake",
    handshake_ev, NULL);
  pr_event_register(&secftp_module, "core.exit", exit_ev, NULL);
}

modret_t *secftp_sessiontab_post_cmd(cmd_rec *cmd) {
  refresh();
  return PR_DECLINED(cmd);
}

/* A consistent copy of sl's row; FALSE if it is free or keeps changing. */
static int read_slot(const struct slot *sl,
    struct secftp_sessiontab_row *row) {
  int tries;

  for (tries = 0; tries < 100; tries++) {
    unsigned int before = sl->seq, after;
    pid_t owner = sl->owner;

    if (owner == 0) {
      return FALSE;
    }

    if (before & 1) {
      sched_yield();
      continue;
    }

    __sync_synchronize();
    memcpy(row, (const void *) &sl->row, sizeof(*row));
    __sync_synchronize();
    after = sl->seq;
    if (after == before &&
        sl->owner == owner) {
      return row->pid == owner && pid_alive(owner);
    }
  }

  return FALSE;
}

unsigned long secftp_sessiontab_each(
    void (*fn)(const struct secftp_sessiontab_row *row, void *data),
    void *data) {
  struct secftp_sessiontab_row row;
  unsigned int i, high;

  if (table == NULL) {
    return 0;
  }

  high = table->high;
  for (i = 0; i < high && i < SECFTP_SESSIONTAB_ROWS; i++) {
    if (read_slot(&table->slots[i], &row)) {
      fn(&row, data);
    }
  }

  return table->unlisted;
}
