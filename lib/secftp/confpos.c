/*
 * confpos: the file and line of each mod_secftp directive (see confpos.h).
 */

#include "secftp/confpos.h"

/* One recorded position, allocated from its record's pool: it lives as
 * long as the configuration.
 */
struct confpos {
  struct confpos *next;
  const config_rec *c;
  const char *file;
  unsigned int line;
};

static struct confpos *positions = NULL;

/* The line the parser has just read. */
static const char *current_file = NULL;
static unsigned int current_line = 0;

/* The Include'd file ProFTPD gave up on, from permanent_pool. */
static const char *failed_include = NULL;

/* ProFTPD's own warning when an Include'd file had an error. */
#define INCLUDE_FAILURE	"unable to include '"

static void parsed_line_ev(const void *event_data, void *user_data) {
  const pr_parsed_line_t *line = event_data;

  if (line != NULL) {
    current_file = line->source_file;
    current_line = line->source_lineno;
  }
}

/* Notices ProFTPD's "unable to include 'FILE'" warning (logged to stderr
 * or SystemLog during parsing).
 */
static void system_log_ev(const void *event_data, void *user_data) {
  const pr_log_event_t *le = event_data;
  const char *at, *end;

  if (le == NULL ||
      le->log_msg == NULL ||
      failed_include != NULL) {
    return;
  }

  at = strstr(le->log_msg, INCLUDE_FAILURE);
  if (at == NULL) {
    return;
  }

  at += strlen(INCLUDE_FAILURE);
  end = strchr(at, '\'');
  failed_include = end != NULL ? pstrndup(permanent_pool, at, end - at) :
    pstrdup(permanent_pool, at);
}

void secftp_confpos_init(void) {
  pr_event_register(&secftp_module, "core.parsed-line", parsed_line_ev,
    NULL);
  pr_event_register(&secftp_module, PR_LOG_NAME_SYSTEMLOG, system_log_ev,
    NULL);
}

void secftp_confpos_note(config_rec *c) {
  struct confpos *pos;

  if (c == NULL ||
      current_file == NULL) {
    return;
  }

  pos = pcalloc(c->pool, sizeof(*pos));
  pos->c = c;
  pos->file = pstrdup(c->pool, current_file);
  pos->line = current_line;
  pos->next = positions;
  positions = pos;
}

static const struct confpos *find_position(const config_rec *c) {
  const struct confpos *pos;

  for (pos = positions; pos != NULL; pos = pos->next) {
    if (pos->c == c) {
      return pos;
    }
  }

  return NULL;
}

const char *secftp_confpos_where(pool *p, server_rec *s, const char *name,
    const void *argv0) {
  config_rec *c;

  if (s == NULL) {
    return "";
  }

  c = find_config(s->conf, CONF_PARAM, name, FALSE);
  while (c != NULL) {
    const struct confpos *pos;

    if (argv0 == NULL ||
        (c->argc > 0 && c->argv[0] == argv0)) {
      char line[32];

      pos = find_position(c);
      if (pos == NULL) {
        return "";
      }

      pr_snprintf(line, sizeof(line), "%u", pos->line);
      return pstrcat(p, " (", name, " on line ", line, " of '", pos->file,
        "')", NULL);
    }

    c = find_config_next(c, c->next, CONF_PARAM, name, FALSE);
  }

  return "";
}

const char *secftp_confpos_where_any(pool *p, server_rec *s,
    const char *const *names) {
  for (; *names != NULL; names++) {
    const char *pos = secftp_confpos_where(p, s, *names, NULL);

    if (*pos != '\0') {
      return pos;
    }
  }

  return "";
}

const char *secftp_confpos_where_named(pool *p, server_rec *s,
    const char *message) {
  size_t len;

  if (message == NULL) {
    return "";
  }

  len = strcspn(message, " :");
  return secftp_confpos_where(p, s, pstrndup(p, message, len), NULL);
}

const char *secftp_confpos_failed_include(void) {
  return failed_include;
}

void secftp_confpos_reset(void) {
  positions = NULL;
  current_file = NULL;
  current_line = 0;
  failed_include = NULL;
}
