#!/bin/sh
# ASan/UBSan stage: the whole integration suite (t/regress/run.py) and the
# wire fuzzer (t/fuzz/wire.py) against build/asan/mod_secftp.so, loaded
# into Debian's (uninstrumented) proftpd with the ASan runtime preloaded.
#
#   t/sanitize.sh [run.py words...]
#
# Every sanitizer report fails the stage, not only those naming our
# files: the runtime's interceptors (strlen, memcpy, ...) also check
# ProFTPD's and OpenSSL's calls, and a report there may well be caused by
# data we handed over (an unterminated string, a freed buffer), so each
# one needs a human look.  The few reports that are not ours are
# suppressed in t/asan.supp, each with its reason.
#
# Leaks: detect_leaks=0.  ProFTPD ends sessions with _exit(2), so
# LeakSanitizer would never run in a session process; pools are released
# wholesale anyway.  Leaks of our own (OpenSSL objects) are what the
# valgrind stage (t/valgrind.sh) checks, at every process exit.
#
# Time budget: the integration suite (~1 min with ASan) plus
# WIRE_FUZZ_TIME seconds (default 60) of wire fuzzing.
# Ends with "sanitize: N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1

ASAN_RT=${ASAN_RT:-$(gcc -print-file-name=libasan.so)}
# gcc prints the bare name when it cannot find the library.
case "$ASAN_RT" in /*) ;; *) ASAN_RT=/usr/lib/x86_64-linux-gnu/libasan.so.8 ;; esac
ASAN_RT=$(readlink -f "$ASAN_RT")

echo "== sanitize: building build/asan/mod_secftp.so"
if ! make -s asan >/dev/null; then
  echo "sanitize: 0 passed, 1 failed (build)"
  exit 1
fi

logs=$(mktemp -d /tmp/secftp-sanitize-XXXXXX)
# The wire fuzzer's server lives below; its sessions (nobody) must reach
# the users' homes to chroot there.
chmod 755 "$logs"
# Reports go to stderr: sessions are chrooted (DefaultRoot ~), so a
# log_path file could not be created, but every session process inherits
# the daemon's stderr, which the harness writes to <server dir>/stderr.log.
# halt_on_error=1: the faulty process dies (the test sees a dropped
# connection) after writing its report.
# No strict_string_checks: it makes the strndup() interceptor read to the
# NUL, a false report for strndup() of a counted, unterminated word.
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:\
check_initialization_order=1:print_summary=1:\
suppressions=$PWD/t/asan.supp"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=0:print_summary=1"
export SECFTP_MODULE="$PWD/build/asan/mod_secftp.so"
export SECFTP_PRELOAD="$ASAN_RT"
# Keep the run directories (the stderr.log files) for the scan below.
export SECFTP_KEEP=1

echo "== sanitize: module $SECFTP_MODULE, runtime $ASAN_RT, logs $logs"
passed=0 failed=0

python3 t/regress/run.py "$@" | tee "$logs/regress.out"
dirs=$(sed -n 's/^run directory kept: //p' "$logs/regress.out")
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logs/regress.out" |
  tail -n 1)
if [ -n "$line" ]; then
  passed=$(printf '%s' "$line" | cut -d' ' -f1)
  failed=$(printf '%s' "$line" | cut -d' ' -f3)
else
  failed=1
fi

if [ -x t/fuzz/wire.py ] && [ $# = 0 ]; then
  echo "== sanitize: wire fuzzer against the ASan module"
  if SECFTP_TEST_TMP="$logs/wire" python3 t/fuzz/wire.py \
      --time "${WIRE_FUZZ_TIME:-60}"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
fi

# Any report at all fails the stage (see above).
pattern='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: (Address|Undefined)'
reports=$(grep -rlE "$pattern" --include=stderr.log $dirs "$logs" \
  2>/dev/null | sort)
if [ -n "$reports" ]; then
  echo "== sanitize: sanitizer reports:"
  for f in $reports; do
    echo "--- $f"
    grep -E -A 40 "$pattern" "$f" | head -n 60
  done
  failed=$((failed + 1))
else
  echo "== sanitize: no sanitizer report"
  passed=$((passed + 1))
fi

[ -n "${SANITIZE_KEEP:-}" ] || rm -rf "$logs" $dirs
echo "sanitize: $passed passed, $failed failed"
[ "$failed" = 0 ]
