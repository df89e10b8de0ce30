#!/usr/bin/env bash
# Runs every GoogleTest binary of the build and prints one summary CI can read.
#
#   bash tests/run_all.sh BUILD_DIR
#
# Runs BUILD_DIR/tests/unit_tests and BUILD_DIR/tests/integration_tests from the
# repository root, each with --gtest_output=json, prints per-binary counts, and as the
# LAST line exactly "N passed, N failed" (", N skipped" appended when some were skipped).
# Exits non-zero if any test failed, a binary is missing, crashed, or timed out.
#
# A binary that dies before writing its JSON report is still counted: tests it reported
# "[       OK ]" for on its console passed, every other listed test counts as failed.
set -u

build_dir=$(realpath -m "${1:-build}")  # absolute: we change directory next
cd "$(dirname "$0")/.."  # the integration tests read repository files (preload/exports.map)
export CXXPROF_BUILD_DIR=$build_dir

# Per-binary time limit, well inside CI's 90 minutes; each integration test also has its
# own 60 s limit in the harness, this only catches a binary that hangs outside a test.
binary_timeout=${CXXPROF_TEST_BINARY_TIMEOUT:-2400}

results_dir=$build_dir/test-results
mkdir -p "$results_dir"

total_passed=0
total_failed=0
total_skipped=0
status=0

for name in unit_tests integration_tests; do
  binary=$build_dir/tests/$name
  json=$results_dir/$name.json
  log=$results_dir/$name.log
  rm -f "$json" "$log"
  if [[ ! -x $binary ]]; then
    echo "run_all: $binary is missing (counted as 1 failed)"
    total_failed=$((total_failed + 1))
    status=1
    continue
  fi

  echo "== $binary"
  timeout -k 10 "$binary_timeout" "$binary" --gtest_output="json:$json" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}

  counts=$(python3 - "$json" "$log" "$binary" <<'EOF'
import json, os, re, subprocess, sys

json_path, log_path, binary = sys.argv[1:4]

def from_json(path):
    with open(path) as f:
        report = json.load(f)
    passed = failed = skipped = 0
    for suite in report.get("testsuites", []):
        for test in suite.get("testsuite", []):
            if test.get("status") == "NOTRUN":  # DISABLED_ tests
                continue
            if test.get("failures"):
                failed += 1
            elif test.get("result") == "SKIPPED":
                skipped += 1
            else:
                passed += 1
    return passed, failed, skipped, False

def from_console(log, binary):
    # No JSON: the binary crashed or was killed. Trust only what it reported as done.
    with open(log, errors="replace") as f:
        text = f.read()
    ok = set(re.findall(r"^\[       OK \] (\S+)", text, re.M))
    skipped = set(re.findall(r"^\[  SKIPPED \] (\S+) \(", text, re.M))
    listing = subprocess.run([binary, "--gtest_list_tests"], capture_output=True, text=True).stdout
    listed, suite = [], ""
    for line in listing.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            suite = line.split()[0]
        elif "DISABLED_" not in suite + line:
            listed.append(suite + line.split()[0])
    passed = len(ok)
    failed = max(len(listed) - len(ok) - len(skipped), 1)
    return passed, failed, len(skipped), True

try:
    if os.path.exists(json_path):
        p, f, s, crashed = from_json(json_path)
    else:
        p, f, s, crashed = from_console(log_path, binary)
except Exception as e:  # an unreadable report is a failure, never a silent pass
    print(f"run_all: cannot read results of {binary}: {e}", file=sys.stderr)
    p, f, s, crashed = 0, 1, 0, True
print(p, f, s, int(crashed))
EOF
)
  read -r passed failed skipped crashed <<<"${counts:-0 1 0 1}"

  if [[ $crashed == 1 ]]; then
    echo "run_all: $binary did not finish (exit status $rc); unfinished tests counted as failed"
  elif [[ $rc != 0 && $failed == 0 ]]; then
    # All tests passed but the binary still failed (crash at exit, leak checker, ...).
    echo "run_all: $binary exited $rc although no test failed (counted as 1 failed)"
    failed=1
  fi
  ((failed > 0 || rc != 0)) && status=1

  # Worded unlike the closing line on purpose: only the last line is the summary.
  echo "run_all: $name: passed=$passed failed=$failed skipped=$skipped"
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  total_skipped=$((total_skipped + skipped))
done

summary="$total_passed passed, $total_failed failed"
((total_skipped > 0)) && summary+=", $total_skipped skipped"
echo "$summary"
exit $status
