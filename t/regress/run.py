#!/usr/bin/env python3
"""Runs mod_secftp's integration tests (t/regress/test_*.py).

Each test runs in its own Python process with a time limit, a few at a
time; the run ends with the line 'N passed, N failed'.

  t/regress/run.py                  all tests
  t/regress/run.py ccc prot_p       only tests whose name contains a word
  t/regress/run.py --list           names only
  -j N                              parallel tests (default 3)
"""

import argparse
import concurrent.futures
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402

TEST_TIMEOUT = int(os.environ.get("SECFTP_TEST_TIMEOUT", "180"))


def discover():
    tests = []
    for name in sorted(os.listdir(HERE)):
        if name.startswith("test_") and name.endswith(".py"):
            mod = name[:-3]
            before = len(harness.TESTS)
            importlib.import_module(mod)
            for fn in harness.TESTS[before:]:
                tests.append("%s:%s" % (mod, fn.__name__))
    return tests


def run_one(spec):
    """In the child: runs one test; exit status 0 means passed."""
    mod, name = spec.split(":")
    module = importlib.import_module(mod)
    try:
        getattr(module, name)()
    except Exception:
        traceback.print_exc()
        return 1
    return 0


def run_child(spec, env):
    start = time.time()
    try:
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--one", spec],
            capture_output=True, text=True, timeout=TEST_TIMEOUT, env=env,
            start_new_session=True)
        ok = proc.returncode == 0
        out = proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as e:
        ok = False
        out = "timed out after %ds\n%s" % (TEST_TIMEOUT, e.stderr or "")
    return spec, ok, out, time.time() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("words", nargs="*")
    ap.add_argument("--one")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("-j", type=int, default=int(os.environ.get(
        "SECFTP_TEST_JOBS", "3")))
    args = ap.parse_args()

    if args.one:
        return run_one(args.one)

    tests = discover()
    if args.words:
        tests = [t for t in tests if any(w in t for w in args.words)]
    if args.list:
        print("\n".join(tests))
        return 0

    tmp = tempfile.mkdtemp(prefix="secftp-tests-")
    os.chmod(tmp, 0o755)
    env = dict(os.environ, SECFTP_TEST_TMP=tmp)
    os.environ["SECFTP_TEST_TMP"] = tmp
    harness.certs()
    harness.module_dir()

    print("mod_secftp integration tests: %d tests, module %s" % (
        len(tests), harness.MODULE), flush=True)
    passed, failed = [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as pool:
        futures = [pool.submit(run_child, t, env) for t in tests]
        for fut in concurrent.futures.as_completed(futures):
            spec, ok, out, secs = fut.result()
            print("%s %s (%.1fs)" % ("PASS" if ok else "FAIL", spec, secs),
                  flush=True)
            (passed if ok else failed).append((spec, out))

    for spec, out in failed:
        print("\n===== %s =====\n%s" % (spec, out[-6000:]))

    if os.environ.get("SECFTP_KEEP"):
        print("run directory kept: %s" % tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)

    print("%d passed, %d failed" % (len(passed), len(failed)))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
