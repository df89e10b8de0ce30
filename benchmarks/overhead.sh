#!/usr/bin/env bash
# Whole-program overhead of CPU profiling at the default 100 Hz:
#
#   bash benchmarks/overhead.sh BUILD_DIR
#
# Runs the fixed-work fixture (tests/fixtures/fixed_work: 2 threads, a fixed number of
# iterations, ~1.5 s) RUNS times plain and RUNS times under `cxxprof-run --cpu -q`,
# alternating so that drifts in machine speed hit both sides alike, each profiled run
# writing to a fresh directory. Prints every wall time and the median of the per-pair
# ratios profiled/plain. A report, not a test: the ratio never fails it (DESIGN.md §7);
# only a run that fails does.
set -euo pipefail

build_dir=${1:-build}
runs=${CXXPROF_OVERHEAD_RUNS:-7}
program=$build_dir/fixtures/fixed_work
launcher=$build_dir/bin/cxxprof-run

for needed in "$program" "$launcher"; do
  if [[ ! -x $needed ]]; then
    echo "overhead: $needed is not built (make all fixtures)" >&2
    exit 1
  fi
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/cxxprof-overhead.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# Runs "$@" with its output in $scratch/out, prints the wall nanoseconds it took.
timed() {
  local start end
  start=$(date +%s%N)
  if ! "$@" >"$scratch/out" 2>"$scratch/err"; then
    echo "overhead: '$*' failed:" >&2
    cat "$scratch/err" >&2
    exit 1
  fi
  end=$(date +%s%N)
  echo $((end - start))
}

library=$build_dir/lib/libcxxprof.so

# Two figures: what the program pays while it runs (the library preloaded as cxxprof-run
# would, timed to the program's exit: the target applies to this), and the whole
# cxxprof-run command, which adds start-up and symbolization after the program ended.
plain_times=()
preload_times=()
profiled_times=()
for ((i = 1; i <= runs; i++)); do
  plain=$(timed "$program")
  checksum=$(cat "$scratch/out")
  preloaded=$(timed env LD_PRELOAD="$library" CXXPROF_CPU=100 CXXPROF_LAUNCHER=1 \
    CXXPROF_OUTPUT="$scratch/raw-$i" "$program")
  profiled=$(timed "$launcher" --cpu -q -o "$scratch/profile-$i" -- "$program")
  # The program's output under the profiler is its own output, unchanged.
  if ! grep -qxF "$checksum" "$scratch/out"; then
    echo "overhead: profiled run printed something else than '$checksum':" >&2
    cat "$scratch/out" >&2
    exit 1
  fi
  rm -rf "$scratch/profile-$i" "$scratch/raw-$i"
  plain_times+=("$plain")
  preload_times+=("$preloaded")
  profiled_times+=("$profiled")
  awk -v i="$i" -v a="$plain" -v b="$profiled" \
    -v c="$preloaded" \
    'BEGIN { printf "run %d: plain %.3f s, preloaded %.3f s, cxxprof-run %.3f s\n", i, a / 1e9, c / 1e9, b / 1e9 }' 
done

python3 - "${plain_times[*]}" "${preload_times[*]}" "${profiled_times[*]}" <<'EOF'
import statistics, sys
plain, preloaded, profiled = ([int(x) for x in arg.split()] for arg in sys.argv[1:4])
def report(label, times, target):
    ratios = [t / p for t, p in zip(times, plain)]
    print(f"{label}: median ratio {statistics.median(ratios):.3f}{target}  "
          f"(runs: {' '.join(f'{r:.3f}' for r in ratios)})")
report("cpu@100Hz overhead, program run", preloaded, " (target <= 1.02)")
report("cpu@100Hz overhead, whole cxxprof-run incl. symbolization", profiled, "")
EOF
