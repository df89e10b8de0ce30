#!/usr/bin/env bash
# What the I/O profile costs (issue 5), measured on whole programs:
#
#   bash benchmarks/io_overhead.sh BUILD_DIR
#
# 1. Added cost per small read(2): tests/fixtures/io_storm reads 16 bytes at a time from
#    /dev/zero and from a pipe, RUNS times in each configuration, alternating; the median
#    CPU ns per read of each configuration, and what each adds to the plain run:
#      plain          the program alone
#      idle thread    the program with a second, idle thread: glibc then takes its
#                     cancellable system-call path, as in any multi-threaded program (the
#                     profiler adds a thread only for --wall or CXXDEBUG timers)
#      --cpu          the profiler active without the I/O profile (interposers idle)
#      --io           the I/O profile at its default rate
#      --io=1         every call recorded (stack, labels), for reference
#    The library is preloaded as cxxprof-run would, timed inside the program.
# 2. Whole-run ratio of the read storms at the default rate against the plain run: the
#    program's wall time with the library preloaded as cxxprof-run does (median of RUNS
#    pairs; the target, <= 1.3, applies to this), and the whole cxxprof-run command, which
#    adds start-up and symbolization after the program ended.
# 3. redis-server under redis-benchmark on loopback, plain and under cxxprof-run --io
#    (benchmarks/redis_io_benchmark.sh; target >= 90% of plain throughput).
#
# A report, not a test: no figure fails it (DESIGN.md §7); only a run that fails does.
set -euo pipefail

build_dir=${1:-build}
runs=${CXXPROF_OVERHEAD_RUNS:-7}
reads=${CXXPROF_IO_STORM_READS:-2000000}
storm=$build_dir/fixtures/io_storm
launcher=$build_dir/bin/cxxprof-run
library=$build_dir/lib/libcxxprof.so

for needed in "$storm" "$launcher" "$library"; do
  if [[ ! -e $needed ]]; then
    echo "io_overhead: $needed is not built (make all fixtures)" >&2
    exit 1
  fi
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/cxxprof-io-overhead.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# The default rate, as the launcher would pass it.
default_rate=$(grep -o 'kDefaultIoRateNs = [0-9]*' common/config.h | grep -o '[0-9]*$')

# Runs the storm in one configuration; prints "WALL_NS CPU_NS_PER_READ".
storm_once() {
  local config=$1 mode=$2 n=$3
  local out=$scratch/out start end
  local -a env_prefix=() args=("$storm" "$mode" "$reads" 16)
  case $config in
    plain) ;;
    idle) args+=(idle-thread) ;;
    cpu) env_prefix=(env LD_PRELOAD="$library" CXXPROF_CPU=100 CXXPROF_LAUNCHER=1 CXXPROF_OUTPUT="$scratch/raw-$n") ;;
    io) env_prefix=(env LD_PRELOAD="$library" CXXPROF_IO="$default_rate" CXXPROF_LAUNCHER=1 CXXPROF_OUTPUT="$scratch/raw-$n") ;;
    io1) env_prefix=(env LD_PRELOAD="$library" CXXPROF_IO=1 CXXPROF_LAUNCHER=1 CXXPROF_OUTPUT="$scratch/raw-$n") ;;
    launcher) env_prefix=("$launcher" --io -q -o "$scratch/profile-$n" --) ;;
  esac
  start=$(date +%s%N)
  if ! "${env_prefix[@]}" "${args[@]}" >"$out" 2>"$scratch/err"; then
    echo "io_overhead: $config $mode run failed:" >&2
    cat "$scratch/err" >&2
    exit 1
  fi
  end=$(date +%s%N)
  if ! grep -q "^reads=$reads read_bytes=$((reads * 16)) " "$out"; then
    echo "io_overhead: $config $mode printed something unexpected:" >&2
    cat "$out" >&2
    exit 1
  fi
  rm -rf "$scratch/raw-$n" "$scratch/profile-$n"
  echo "$((end - start)) $(sed 's/.*cpu_ns_per_read=//' "$out")"
}

echo "== I/O profile: cost per 16-byte read(2), $reads reads per run, $runs runs (default rate ${default_rate} ns)"
for mode in zero pipe; do
  declare -A cpu_ns=()
  declare -A wall=()
  for ((i = 1; i <= runs; i++)); do
    for config in plain idle cpu io io1 launcher; do
      read -r w c < <(storm_once "$config" "$mode" "$config-$mode-$i")
      cpu_ns[$config]+="$c "
      wall[$config]+="$w "
    done
  done
  python3 - "$mode" "${cpu_ns[plain]}" "${cpu_ns[idle]}" "${cpu_ns[cpu]}" "${cpu_ns[io]}" \
    "${cpu_ns[io1]}" "${wall[plain]}" "${wall[io]}" "${wall[launcher]}" <<'EOF'
import statistics, sys
mode = sys.argv[1]
plain, idle, cpu, io, io1 = ([float(x) for x in arg.split()] for arg in sys.argv[2:7])
wall_plain, wall_io, wall_launcher = ([int(x) for x in arg.split()] for arg in sys.argv[7:10])
m = statistics.median
source = "/dev/zero" if mode == "zero" else "a pipe"
print(f"read(2) of 16 bytes from {source}: CPU ns per read (median)")
print(f"  plain {m(plain):.1f}; idle thread {m(idle):.1f} (+{m(idle) - m(plain):.1f}); "
      f"--cpu {m(cpu):.1f} (+{m(cpu) - m(plain):.1f}); --io {m(io):.1f} (+{m(io) - m(plain):.1f}); "
      f"--io=1 {m(io1):.1f} (+{m(io1) - m(plain):.1f})")
print(f"  added by --io itself (over --cpu, the profiler already active): {m(io) - m(cpu):.1f} ns")
for label, times, target in (("program run, --io preloaded", wall_io, " (target <= 1.3)"),
                             ("whole cxxprof-run --io incl. symbolization", wall_launcher, "")):
    ratios = [t / p for t, p in zip(times, wall_plain)]
    print(f"  {label}: median ratio {m(ratios):.3f}{target}  "
          f"(runs: {' '.join(f'{r:.3f}' for r in ratios)})")
EOF
  unset cpu_ns wall
done

bash "$(dirname "$0")/redis_io_benchmark.sh" "$build_dir"
