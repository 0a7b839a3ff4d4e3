/*
 * libFuzzer target for lib/secftp/lsargs.c: the input is a LIST, NLST or
 * STAT command line (first byte picks the command and strictness).  The
 * resolver's path is checked against a second, independent transcription
 * of ProFTPD 1.3.8's option loop (pointer-to-pointer style, as mod_ls
 * writes it), so that the two readings cannot silently disagree; the
 * path must also lie inside the argument.
 *
 * fuzz-sources: lib/secftp/lsargs.c
 *   t/fuzz/run.sh lsargs
 */

#include "lsargs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sp(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

static int an(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
    (c >= 'A' && c <= 'Z');
}

/* The option loop, as mod_ls's parse_list_opts() walks it. */
static void model_opts(char **opt, int *r) {
  char *ptr = *opt;

  while (sp(*ptr)) ptr++;
  if (*ptr == '-') *opt = ptr;

  while (**opt == '-') {
    while ((*opt)++ && an(**opt)) {
      if (**opt == 'R') *r = 1;
    }
    ptr = *opt;
    while (*ptr && sp(*ptr)) ptr++;
    if (*ptr == '-') {
      *opt = ptr;
    } else if (**opt && *(*opt + 1) == ' ') {
      (*opt)++;
      break;
    } else {
      *opt = ptr;
      break;
    }
  }
}

/* Strict ListOptions: words skipped (the NLST flavour, which checks for
 * the end of the string before looking past it).
 */
static void model_strict(char **opt) {
  char *ptr = *opt;

  while (sp(*ptr)) ptr++;
  if (*ptr == '-') *opt = ptr;

  while (**opt == '-') {
    while (**opt != '\0' && !sp(**opt)) (*opt)++;
    ptr = *opt;
    while (*ptr && sp(*ptr)) ptr++;
    if (*ptr == '-') {
      *opt = ptr;
    } else if (**opt && *(*opt + 1) == ' ') {
      (*opt)++;
      break;
    } else {
      *opt = ptr;
      break;
    }
  }
}

static char *model(int stat, int strict, char *arg, unsigned int argc,
    int *r) {
  if (stat) {
    if (*arg == '-') {
      while (*arg && !sp(*arg)) arg++;
    }
    while (*arg && sp(*arg)) arg++;
    if (*arg == '\0') {
      return arg;
    }
  }

  /* Nothing exists here, so have_options() says yes. */
  (void) argc;
  if (strict) {
    model_strict(&arg);
  } else {
    model_opts(&arg, r);
  }
  return arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const enum secftp_lsargs_cmd cmds[] = { SECFTP_LSARGS_LIST,
    SECFTP_LSARGS_NLST, SECFTP_LSARGS_STAT };
  struct secftp_lsargs res;
  char *line, *arg, *want;
  unsigned int argc;
  int stat, strict, r = 0;

  if (size < 1) {
    return 0;
  }

  line = malloc(size);
  memcpy(line, data + 1, size - 1);
  line[size - 1] = '\0';
  stat = (data[0] % 3) == 2;
  strict = (data[0] >> 2) & 1;

  argc = secftp_lsargs_count_words(line) + 1;
  arg = line;
  if (secftp_lsargs_resolve(cmds[data[0] % 3], arg, argc, strict, NULL,
      NULL, &res) != 0) {
    abort();
  }

  if (stat && argc <= 1) {
    if (res.kind != SECFTP_LSARGS_NOTHING) abort();
    free(line);
    return 0;
  }

  if (argc > 1) {
    want = model(stat, strict, arg, argc, &r);
    if (res.path != want) abort();
    if (!strict && !!(res.opts & SECFTP_LSARGS_OPT_R) != r) abort();
  }

  if (*res.path != '\0' &&
      (res.path < line || res.path > line + strlen(line))) {
    abort();
  }

  free(line);
  return 0;
}
