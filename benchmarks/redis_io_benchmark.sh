#!/usr/bin/env bash
# redis-server (Debian's) under redis-benchmark on loopback, plain and under
# `cxxprof-run --io` at the default rate: throughput of SET and GET, median of RUNS
# alternating runs, and the profiled/plain ratio (target >= 0.90).
#
#   bash benchmarks/redis_io_benchmark.sh BUILD_DIR
#
# Each run starts redis-server on a free loopback port with persistence off, waits for
# PING, drives it with redis-benchmark (REQUESTS requests, 50 clients), and stops it with
# `redis-cli shutdown nosave`. A report, not a test: no ratio fails it.
set -euo pipefail

build_dir=${1:-build}
runs=${CXXPROF_REDIS_RUNS:-5}
requests=${CXXPROF_REDIS_REQUESTS:-100000}
launcher=$build_dir/bin/cxxprof-run

for tool in redis-server redis-benchmark redis-cli; do
  if ! command -v "$tool" >/dev/null; then
    echo "redis benchmark: $tool is not installed (make deps installs redis-server, redis-tools)" >&2
    exit 1
  fi
done
[[ -x $launcher ]] || { echo "redis benchmark: $launcher is not built" >&2; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/cxxprof-redis.XXXXXX")
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs one benchmark; $1 = plain|profiled, $2 = run number. Prints "SET_RPS GET_RPS".
run_once() {
  local how=$1 n=$2 port
  port=$(free_port)
  local -a server=(redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no
                   --dir "$scratch" --logfile "$scratch/redis-$n.log")
  if [[ $how == profiled ]]; then
    "$launcher" --io -q -o "$scratch/profile-$n" -- "${server[@]}" 2>"$scratch/launcher-$n.err" &
  else
    "${server[@]}" &
  fi
  server_pid=$!
  for ((tries = 0; tries < 100; tries++)); do
    [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]] && break
    sleep 0.1
  done
  redis-benchmark -h 127.0.0.1 -p "$port" -n "$requests" -c 50 -t set,get --csv -q \
    >"$scratch/bench-$n.csv" 2>/dev/null
  redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
  wait "$server_pid" || true
  server_pid=
  if [[ $how == profiled && ! -s $scratch/profile-$n/io.pb.gz ]]; then
    echo "redis benchmark: no I/O profile written:" >&2
    cat "$scratch/launcher-$n.err" >&2
    exit 1
  fi
  rm -rf "$scratch/profile-$n" "$scratch"/*.rdb
  python3 - "$scratch/bench-$n.csv" <<'EOF'
import csv, sys
rows = {row[0]: float(row[1]) for row in csv.reader(open(sys.argv[1])) if row and row[0] in ("SET", "GET")}
if len(rows) != 2:
    sys.exit("redis benchmark: unexpected redis-benchmark output: " + open(sys.argv[1]).read())
print(rows["SET"], rows["GET"])
EOF
}

plain=()
profiled=()
for ((i = 1; i <= runs; i++)); do
  plain+=("$(run_once plain "p$i")")
  profiled+=("$(run_once profiled "q$i")")
done

python3 - "$requests" "${plain[*]}" "${profiled[*]}" <<'EOF'
import statistics, sys
requests = sys.argv[1]
def columns(text):
    values = [float(x) for x in text.split()]
    return values[0::2], values[1::2]
(plain_set, plain_get), (prof_set, prof_get) = columns(sys.argv[2]), columns(sys.argv[3])
m = statistics.median
print(f"== redis-server under redis-benchmark (-n {requests} -c 50, loopback), plain vs cxxprof-run --io")
for name, plain, prof in (("SET", plain_set, prof_set), ("GET", plain_get, prof_get)):
    print(f"  {name}: plain {m(plain):.0f} req/s, profiled {m(prof):.0f} req/s, "
          f"ratio {m(prof) / m(plain):.3f} (target >= 0.90)")
EOF
