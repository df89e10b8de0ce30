#!/usr/bin/env bash
# What the wall-clock profile costs, and how well it keeps up, with many threads:
#
#   bash benchmarks/wall_overhead.sh BUILD_DIR
#
# tests/fixtures/idle_pool starts N threads that sleep in pthread_cond_wait for SECONDS,
# as a server's pool between requests. For N in 10, 100, 1000:
#   1. CPU cost: the process's user+sys CPU seconds per second of run, plain and with
#      the library preloaded for --wall at the default 100 Hz (as cxxprof-run would),
#      RUNS runs each, alternating; the median of what --wall adds. The sampler keeps
#      itself under a tenth of one CPU (preload/service_thread.cc), so this stays at or
#      below about 0.10 however many threads there are.
#   2. Resolution and truth, one cxxprof-run per N: ticks per second the sampler managed
#      (samples of one waiter thread per second), and the waiters' wall total against the
#      sum of their lifetimes that the fixture measured.
#
# A report, not a test: no figure fails it (DESIGN.md §7); only a run that fails does.
set -euo pipefail

build_dir=${1:-build}
runs=${CXXPROF_OVERHEAD_RUNS:-5}
seconds=${CXXPROF_WALL_BENCH_SECONDS:-4}
pool=$build_dir/fixtures/idle_pool
launcher=$build_dir/bin/cxxprof-run
report=$build_dir/bin/cxxprof
library=$build_dir/lib/libcxxprof.so

for needed in "$pool" "$launcher" "$report" "$library" /usr/bin/time; do
  if [[ ! -e $needed ]]; then
    echo "wall_overhead: $needed is missing (make all fixtures; GNU time)" >&2
    exit 1
  fi
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/cxxprof-wall-overhead.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# Runs the pool once; prints the CPU seconds (user+sys) it used per second of wall time.
cpu_per_second() {
  local config=$1 threads=$2 n=$3
  local -a env_prefix=()
  if [[ $config == wall ]]; then
    env_prefix=(env LD_PRELOAD="$library" CXXPROF_WALL=100 CXXPROF_LAUNCHER=1 CXXPROF_OUTPUT="$scratch/raw-$n")
  fi
  if ! /usr/bin/time -f '%U %S %e' -o "$scratch/time" "${env_prefix[@]}" "$pool" "$threads" "$seconds" \
      >"$scratch/out" 2>"$scratch/err"; then
    echo "wall_overhead: $config run with $threads threads failed:" >&2
    cat "$scratch/err" >&2
    exit 1
  fi
  rm -rf "$scratch/raw-$n"
  awk '{ printf "%.4f\n", ($1 + $2) / $3 }' "$scratch/time"
}

echo "== Wall profile: idle_pool, ${seconds} s per run, $runs runs per configuration, --wall at 100 Hz"
for threads in 10 100 1000; do
  plain=() wall=()
  for ((i = 1; i <= runs; i++)); do
    plain+=("$(cpu_per_second plain "$threads" "plain-$threads-$i")")
    wall+=("$(cpu_per_second wall "$threads" "wall-$threads-$i")")
  done
  rm -rf "$scratch/profile"
  "$launcher" --wall -q -o "$scratch/profile" -- "$pool" "$threads" "$seconds" >"$scratch/out"
  truth=$(sed -n 's/.*waiter_lifetime_ns=\([0-9]*\).*/\1/p' "$scratch/out")
  waiter_total=$("$report" collapsed --thread "$scratch/profile/wall.pb.gz" |
    awk '/^waiter;/ { sum += $NF } END { printf "%.0f\n", sum }')
  waiter_samples=$("$report" collapsed --thread --sample_index=samples "$scratch/profile/wall.pb.gz" |
    awk '/^waiter;/ { sum += $NF } END { printf "%.0f\n", sum }')
  late=$("$report" dump "$scratch/profile/wall.pb.gz" | grep -o '[0-9]* of [0-9]* wall-clock ticks came late' |
    grep -o '^[0-9]*' || echo 0)
  python3 - "$threads" "$seconds" "${plain[*]}" "${wall[*]}" "$truth" "$waiter_total" "$waiter_samples" "$late" <<'EOF'
import statistics, sys
threads, seconds = int(sys.argv[1]), float(sys.argv[2])
plain = [float(x) for x in sys.argv[3].split()]
wall = [float(x) for x in sys.argv[4].split()]
truth, total, samples, late = float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8])
added = [w - p for w, p in zip(wall, plain)]
m = statistics.median
print(f"{threads} threads: CPU per second of run, plain {m(plain):.4f}, --wall {m(wall):.4f}; "
      f"added {m(added):.4f} of one CPU (runs: {' '.join(f'{a:.4f}' for a in added)})")
print(f"  ticks per second reached: {samples / threads / seconds:.1f} of 100 ({late} came late, if one in a hundred or more); "
      f"waiters' wall total {total / 1e9:.2f} s against their lifetimes {truth / 1e9:.2f} s "
      f"({100 * (total - truth) / truth:+.1f}%)")
EOF
done
