/*
 * lsargs: the path a listing or file-fact command acts on, as ProFTPD's
 * own modules find it (see lsargs.h for the rules, and
 * doc/data-channel.md).
 */

#include "secftp/lsargs.h"

#include <errno.h>
#include <string.h>

/* ProFTPD's PR_ISSPACE and PR_ISALNUM: ASCII only, whatever the locale. */
static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
    c == '\r';
}

static int is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
    (c >= '0' && c <= '9');
}

static const char *skip_space(const char *p) {
  while (is_space(*p)) {
    p++;
  }

  return p;
}

/* One option group's letters and digits, after its '-': -R and -L are
 * noted in *opts.
 */
static const char *read_group(const char *p, unsigned int *opts) {
  for (p++; is_alnum(*p); p++) {
    if (*p == 'R') {
      *opts |= SECFTP_LSARGS_OPT_R;

    } else if (*p == 'L') {
      *opts |= SECFTP_LSARGS_OPT_L;
    }
  }

  return p;
}

/* Where the options end and the path begins, as mod_ls reads the
 * client's options.  White space before the first group is skipped only
 * when a group follows; after the last group, one space is kept when two
 * follow (so "-l  x" names " x").
 */
static const char *skip_options(const char *arg, int strict,
    unsigned int *opts) {
  const char *p = skip_space(arg);

  if (*p == '-') {
    arg = p;
  }

  while (*arg == '-') {
    if (strict) {
      /* The options are ignored, whole words skipped. */
      while (*arg != '\0' && !is_space(*arg)) {
        arg++;
      }

    } else {
      arg = read_group(arg, opts);
    }

    p = skip_space(arg);
    if (*p == '-') {
      arg = p;
      continue;
    }

    if (*arg != '\0' &&
        arg[1] == ' ') {
      arg++;

    } else {
      arg = p;
    }
    break;
  }

  return arg;
}

/* mod_ls's have_options(): more than one argument word, or an argument
 * that is not an existing path.
 */
static int has_options(const char *arg, unsigned int argc,
    secftp_lsargs_exists_fn exists, void *data) {
  return argc > 2 ||
    exists == NULL ||
    !exists(arg, data);
}

static const char *listing_path(const char *arg, unsigned int argc,
    int strict, secftp_lsargs_exists_fn exists, void *data,
    unsigned int *opts) {
  if (!has_options(arg, argc, exists, data)) {
    return arg;
  }

  return skip_options(arg, strict, opts);
}

/* STAT drops a leading '-' word and the white space after it; what is
 * left is then read as LIST reads its argument.
 */
static const char *stat_path(const char *arg, unsigned int argc, int strict,
    secftp_lsargs_exists_fn exists, void *data, unsigned int *opts) {
  if (*arg == '-') {
    while (*arg != '\0' &&
           !is_space(*arg)) {
      arg++;
    }
  }

  arg = skip_space(arg);
  if (*arg == '\0') {
    return arg;
  }

  return listing_path(arg, argc, strict, exists, data, opts);
}

int secftp_lsargs_resolve(enum secftp_lsargs_cmd cmd, const char *arg,
    unsigned int argc, int strict, secftp_lsargs_exists_fn exists, void *data,
    struct secftp_lsargs *res) {
  if (arg == NULL ||
      res == NULL) {
    errno = EINVAL;
    return -1;
  }

  memset(res, 0, sizeof(*res));
  res->path = "";

  switch (cmd) {
    case SECFTP_LSARGS_LIST:
    case SECFTP_LSARGS_NLST:
      res->kind = SECFTP_LSARGS_CONTENTS;
      res->expands = 1;
      if (argc > 1) {
        res->path = listing_path(arg, argc, strict, exists, data,
          &res->opts);
      }
      break;

    case SECFTP_LSARGS_STAT:
      if (argc <= 1) {
        res->kind = SECFTP_LSARGS_NOTHING;
        break;
      }

      res->kind = SECFTP_LSARGS_CONTENTS;
      res->expands = 1;
      res->path = stat_path(arg, argc, strict, exists, data,
        &res->opts);
      break;

    case SECFTP_LSARGS_MLSD:
      res->kind = SECFTP_LSARGS_CONTENTS;
      res->path = argc > 1 ? arg : "";
      break;

    case SECFTP_LSARGS_MLST:
    case SECFTP_LSARGS_SIZE:
    case SECFTP_LSARGS_MDTM:
      res->kind = SECFTP_LSARGS_FACTS;
      res->path = argc > 1 ? arg : "";
      break;

    default:
      errno = EINVAL;
      return -1;
  }

  return 0;
}

unsigned int secftp_lsargs_count_words(const char *line) {
  unsigned int n = 0;

  if (line == NULL) {
    return 0;
  }

  for (;;) {
    int quoted;

    line = skip_space(line);
    if (*line == '\0') {
      return n;
    }

    n++;
    quoted = *line == '"';
    if (quoted) {
      line++;
    }

    while (*line != '\0' &&
           (quoted ? *line != '"' : !is_space(*line))) {
      if (quoted &&
          *line == '\\' &&
          line[1] != '\0') {
        line++;
      }
      line++;
    }

    if (*line != '\0') {
      line++;
    }
  }
}

unsigned int secftp_lsargs_options(const char *options) {
  unsigned int opts = 0;

  if (options == NULL) {
    return 0;
  }

  while (*options != '\0') {
    if (*options == '-') {
      options = read_group(options, &opts);

    } else {
      options++;
    }
  }

  return opts;
}
