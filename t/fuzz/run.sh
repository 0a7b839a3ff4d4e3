#!/bin/sh
# Builds and runs every libFuzzer target t/fuzz/<name>.c against the pure
# units, each for FUZZ_TIME seconds (default 30), with ASan and UBSan.
#
#   t/fuzz/run.sh [name...]      (or: make fuzz-run FUZZ_TIME=300)
#
# A target's sources are named on a "fuzz-sources:" line of its header
# comment; without one, every pure unit (as `make fuzz` links them: the
# units whose header does not include mod_secftp.h).  A dictionary
# t/fuzz/<name>.dict is used when present.  Seeds are the committed
# t/fuzz/corpus/<name>/; what the fuzzer finds goes to build/fuzz/corpus-
# <name>/ (so the committed seeds stay as they are), crashes to
# build/fuzz/<name>-crash-*.  Any crash, leak, sanitizer report or failed
# build fails the run.  Ends with "fuzz: N passed, N failed" and the
# number of executions (what RELIABILITY.md reports).
set -u
cd "$(dirname "$0")/../.." || exit 1

FUZZ_TIME=${FUZZ_TIME:-30}
CLANG=${CLANG:-clang}
out=build/fuzz
mkdir -p "$out"

if [ $# -gt 0 ]; then
  targets="$*"
else
  targets=$(for f in t/fuzz/*.c; do basename "$f" .c; done)
fi

pure=$(for h in $(grep -L 'mod_secftp\.h' lib/secftp/*.h); do
  printf '%s ' "${h%.h}.c"; done)
passed=0 failed=0 total_execs=0
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

for name in $targets; do
  src=t/fuzz/$name.c
  deps=$(sed -n 's/^ \* fuzz-sources: *//p' "$src" | head -n 1)
  [ -n "$deps" ] || deps=$pure
  dict=
  [ -f "t/fuzz/$name.dict" ] && dict=-dict=t/fuzz/$name.dict
  echo "== fuzz $name: $src $deps, ${FUZZ_TIME}s"
  if ! $CLANG -g -O1 -fsanitize=fuzzer,address,undefined \
      -fno-sanitize-recover=undefined -Ilib -Ilib/secftp \
      -o "$out/$name" "$src" $deps -lssl -lcrypto -lhiredis; then
    echo "FAIL fuzz $name (build)"
    failed=$((failed + 1))
    continue
  fi
  mkdir -p "$out/corpus-$name" "t/fuzz/corpus/$name"
  # -error_exitcode: any crash or report; -timeout: a hang is a failure.
  "$out/$name" -max_total_time="$FUZZ_TIME" -max_len=1024 -timeout=10 \
    -rss_limit_mb=1024 -print_final_stats=1 $dict \
    -artifact_prefix="$out/$name-" \
    "$out/corpus-$name" "t/fuzz/corpus/$name" >"$out/$name.log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
    "$out/$name.log" | tail -n 1)
  execs=${execs:-0}
  total_execs=$((total_execs + execs))
  if [ "$rc" = 0 ]; then
    echo "PASS fuzz $name ($execs executions)"
    passed=$((passed + 1))
  else
    tail -n 40 "$out/$name.log"
    echo "FAIL fuzz $name (exit $rc; artifacts $out/$name-*)"
    failed=$((failed + 1))
  fi
done

echo "fuzz executions: $total_execs"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
