#!/usr/bin/env bash
# Redis-side cost of the token-bucket script at two commits, measured in one run: a private redis-server on a free
# loopback port, each script loaded byte for byte, then redis-benchmark EVALSHA of each, alternating, over 10,000
# keys with the arguments RedisThroughputBenchmark's exact mode sends (a bucket that admits everything). Prints the
# client's requests per second and Redis's own time per EVALSHA (INFO commandstats usec_per_call, which includes
# the commands the script runs inside Redis and is far less sensitive to a busy client machine).
# Usage: scripts/redis-script-cost.sh <old-ref> [new-ref (default: the working tree)] [rounds (default 3)]
set -euo pipefail
old_ref=${1:?old ref}
new_ref=${2:-}
rounds=${3:-3}
script=limiter-core/src/main/resources/dev/limiter/core/ratelimit/redis/token-bucket.lua
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize no >"$dir/log" &
pid=$!
trap 'kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
until redis-cli -p "$port" PING >/dev/null 2>&1; do sleep 0.1; done
prelude=limiter-core/src/main/resources/dev/limiter/core/ratelimit/redis/prelude.lua
# the script as the store assembles it at a ref: the shared prelude (where the ref has one), then the token bucket
assemble() { # ref (empty: the working tree) -> the script on stdout
  if [ -n "$1" ]; then
    git show "$1:$prelude" 2>/dev/null || true
    git show "$1:$script"
  else
    cat "$prelude" "$script"
  fi
}
assemble "$old_ref" >"$dir/old.lua"
assemble "$new_ref" >"$dir/new.lua"
old_sha=$(redis-cli -p "$port" -x SCRIPT LOAD <"$dir/old.lua")
new_sha=$(redis-cli -p "$port" -x SCRIPT LOAD <"$dir/new.lua")
# limit 1e9 per 1 s, burst 1e9: one permit = 1 unit, 1000 units a µs, capacity 1e9 units; longest TTL 31 days
args=("" 1 tb/1000000000/1000000/1000000000 1000000000 1 1000 1000000000 2678400000)
for round in $(seq "$rounds"); do
  for which in old new; do
    sha=${which}_sha
    redis-cli -p "$port" FLUSHALL >/dev/null
    redis-cli -p "$port" CONFIG RESETSTAT >/dev/null
    rate=$(redis-benchmark -p "$port" -c 8 -n 200000 -r 10000 -P 1 -q evalsha "${!sha}" 1 "k-{__rand_int__}" \
      "${args[@]}" | grep -o '[0-9.]* requests per second' | tail -1)
    stats=$(redis-cli -p "$port" INFO commandstats | grep cmdstat_evalsha)
    echo "round $round $which: $rate; Redis: ${stats#cmdstat_evalsha:}"
  done
done
