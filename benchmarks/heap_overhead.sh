#!/usr/bin/env bash
# Whole-program overhead of the heap profile, and the memory it adds:
#
#   bash benchmarks/heap_overhead.sh BUILD_DIR
#
# 1. The malloc storm (tests/fixtures/heap_storm: 2 threads, PAIRS malloc/free pairs each,
#    default 25 million: 50 million in all, of 1..512 bytes; long enough that GNU time's
#    10 ms resolution and the start-up cost count little) RUNS times each: plain, with libcxxprof.so preloaded at the default
#    rate (CXXPROF_HEAP=524288), and at RATE=1, alternating so that drifts in machine
#    speed hit every side alike; heaptrack side by side when it is installed (the same
#    storm; it is that much slower). Prints each run's CPU time
#    (user+sys, so that other load on the machine counts less than in wall time), the
#    median of the per-run ratios, and the peak RSS of each side (the memory the
#    profiler adds: its tables, the raw store's touched pages).
# 2. BM_MallocFreePlain and BM_MallocFreeRing (the storm's pattern in one thread) of
#    build/bench/heap_fast_path_bench with and without the library preloaded: ns per
#    malloc/free pair through the real interposers, median of repetitions.
# A report, not a test: no ratio fails it (DESIGN.md §7); only a run that fails does.
set -euo pipefail

build_dir=${1:-build}
runs=${CXXPROF_HEAP_OVERHEAD_RUNS:-5}
pairs_per_thread=${CXXPROF_HEAP_STORM_PAIRS:-25000000}
program=$build_dir/fixtures/heap_storm
library=$build_dir/lib/libcxxprof.so
bench=$build_dir/bench/heap_fast_path_bench

for needed in "$program" "$library"; do
  if [[ ! -e $needed ]]; then
    echo "heap overhead: $needed is not built (make all fixtures)" >&2
    exit 1
  fi
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/cxxprof-heap-overhead.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# Runs "$@"; prints "CPU_SECONDS MAX_RSS_KIB" (GNU time), checks the checksum line.
measure() {
  local expected=$1
  shift
  if ! /usr/bin/time -f "%U %S %M" -o "$scratch/time" "$@" >"$scratch/out" 2>"$scratch/err"; then
    echo "heap overhead: '$*' failed:" >&2
    cat "$scratch/err" >&2
    exit 1
  fi
  if [[ -n $expected ]] && ! grep -qxF "$expected" "$scratch/out"; then
    echo "heap overhead: '$*' printed something else than '$expected':" >&2
    cat "$scratch/out" >&2
    exit 1
  fi
  awk '{ printf "%.3f %d\n", $1 + $2, $3 }' "$scratch/time"
}

# The command prefix that preloads the library at RATE, raw data into DIR.
preloaded() {
  echo env LD_PRELOAD="$library" CXXPROF_HEAP="$1" CXXPROF_LAUNCHER=1 CXXPROF_OUTPUT="$2"
}

if [[ ! -x /usr/bin/time ]]; then
  echo "heap overhead: /usr/bin/time is needed (Debian package time)" >&2
  exit 1
fi

"$program" "$pairs_per_thread" 2 >"$scratch/out" 2>/dev/null
checksum=$(cat "$scratch/out")
has_heaptrack=0
command -v heaptrack >/dev/null && has_heaptrack=1

results=$scratch/results
: >"$results"
for ((i = 1; i <= runs; i++)); do
  read -r plain plain_rss < <(measure "$checksum" "$program" "$pairs_per_thread" 2)
  read -r default default_rss < <(measure "$checksum" $(preloaded 524288 "$scratch/d$i") "$program" "$pairs_per_thread" 2)
  read -r rate1 rate1_rss < <(measure "$checksum" $(preloaded 1 "$scratch/r$i") "$program" "$pairs_per_thread" 2)
  rm -rf "$scratch/d$i" "$scratch/r$i"
  line="plain $plain $plain_rss default $default $default_rss rate1 $rate1 $rate1_rss"
  if ((has_heaptrack)); then
    read -r ht ht_rss < <(measure "$checksum" heaptrack -o "$scratch/ht$i" "$program" "$pairs_per_thread" 2)
    rm -f "$scratch"/ht"$i"*
    line+=" heaptrack $ht $ht_rss"
  fi
  echo "$line" >>"$results"
  echo "run $i: $line" | awk '{ printf "%s", $1 " " $2; for (i = 3; i <= NF; i += 3) printf " %s %.2fs (%d MiB)", $i, $(i+1), $(i+2) / 1024; print "" }'
done

python3 - "$results" <<'EOF'
import statistics, sys
rows = []
for line in open(sys.argv[1]):
    f = line.split()
    rows.append({f[i]: (float(f[i + 1]), int(f[i + 2])) for i in range(0, len(f), 3)})
def ratio(side, base, target):
    ratios = [r[side][0] / r[base][0] for r in rows]
    rss = statistics.median(r[side][1] - r[base][1] for r in rows) / 1024
    print(f"heap {side}: median CPU-time ratio {statistics.median(ratios):.2f}x{target}, "
          f"memory added (peak RSS) {rss:.1f} MiB  (runs: {' '.join(f'{x:.2f}' for x in ratios)})")
ratio("default", "plain", " (target <= 1.15)")
ratio("rate1", "plain", " (target <= 6)")
if "heaptrack" in rows[0]:
    ratio("heaptrack", "plain", " (for reference)")
EOF

if [[ -x $bench ]]; then
  echo "malloc+free pair (BM_MallocFreePlain, BM_MallocFreeRing), median of 5, library not loaded / loaded at the default rate / RATE=1:"
  pairs() {
    "$@" --benchmark_filter='BM_MallocFree(Plain|Ring)' --benchmark_min_time=0.2 \
      --benchmark_repetitions=5 --benchmark_report_aggregates_only=true 2>/dev/null | grep '_median' || true
  }
  pairs "$bench" | sed 's/^/  not loaded /'
  pairs $(preloaded 524288 "$scratch/b1") "$bench" | sed 's/^/  preloaded  /'
  pairs $(preloaded 1 "$scratch/b2") "$bench" | sed 's/^/  RATE=1     /'
fi
