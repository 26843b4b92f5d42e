#!/usr/bin/env bash
# Measures what the live dashboard costs: the sample app with 100 protectors (60 rate limiters, 20 breakers,
# 20 shedders, added by a generated config file), first with nobody watching, then with VIEWERS Server-Sent Events
# streams open (curl), each phase for SECONDS. Reports, as shares of one core: the process's CPU in each phase (the
# idle phase is the floor), their difference, and the CPU of the dashboard's own threads (the sampler, which samples
# and renders each tick once, and the writers of the streams). Loopback only; bounded in time; stops only the
# processes it started.
#
#   scripts/dashboard-cost.sh [seconds per phase, default 60] [viewers, default 5]
set -euo pipefail

cd "$(dirname "$0")/.."
SECONDS_PER=${1:-60}
VIEWERS=${2:-5}
JAR=$(ls sample-app/target/sample-app-*.jar 2>/dev/null | grep -v -- '-tests\|plain' | head -1 || true)
if [ -z "$JAR" ]; then
	./mvnw -q -B -ntp -pl sample-app -am package -DskipTests
	JAR=$(ls sample-app/target/sample-app-*.jar | grep -v -- '-tests\|plain' | head -1)
fi
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CONFIG=$WORK/hundred.yml
{
	echo "limiter:"
	echo "  rate-limiters:"
	for i in $(seq 0 59); do echo "    rl-$i: { limit: 100, period: 1s }"; done
	echo "  circuit-breakers:"
	for i in $(seq 0 9); do echo "    sre-$i: { type: adaptive }"; done
	for i in $(seq 0 9); do echo "    th-$i: { type: threshold }"; done
	echo "  load-shedders:"
	for i in $(seq 0 9); do echo "    cpu-$i: { cpu-threshold: 0.9 }"; done
	for i in $(seq 0 4); do echo "    ac-$i: { type: adaptive-concurrency }"; done
	for i in $(seq 0 4); do echo "    cap-$i: { max-concurrency: 10 }"; done
} > "$CONFIG"

PIDS=()
cleanup() {
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

java -jar "$JAR" --server.address=127.0.0.1 --server.port="$PORT" \
	--spring.config.additional-location="file:$CONFIG" > "$WORK/app.log" 2>&1 &
APP=$!
PIDS+=("$APP")
for _ in $(seq 1 120); do
	curl -sf "http://127.0.0.1:$PORT/actuator/health" > /dev/null 2>&1 && break
	sleep 1
done
curl -sf "http://127.0.0.1:$PORT/actuator/health" > /dev/null
PROTECTORS=$(curl -s "http://127.0.0.1:$PORT/actuator/limiter" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(len(d[k]) for k in ("rateLimiters","circuitBreakers","loadShedders")))')
TICK=$(getconf CLK_TCK)

process_ticks() { awk '{ print $14 + $15 }' "/proc/$APP/stat"; }
# the dashboard's threads: "limiter-dashboard" (the sampler) and "limiter-dashboard-sse" (writers), cut to 15 chars
dashboard_tids() {
	for task in /proc/"$APP"/task/*; do
		if [ "$(cat "$task/comm" 2>/dev/null)" = "limiter-dashboa" ]; then basename "$task"; fi
	done
}
declare -A THREAD_START
dashboard_ticks_since_start() { # a thread born during the phase counts from 0; one that ended is lost (rare)
	local total=0 tid now
	for tid in $(dashboard_tids); do
		now=$(awk '{ print $14 + $15 }' "/proc/$APP/task/$tid/stat" 2>/dev/null || echo 0)
		total=$(( total + now - ${THREAD_START[$tid]:-0} ))
	done
	echo "$total"
}
share() { python3 -c "print(f'{100 * $1 / $TICK / $2:.3f}')"; }

sleep 10 # let start-up work settle
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(process_ticks); t0=$(date +%s.%N)
sleep "$SECONDS_PER"
idle=$(( $(process_ticks) - start )); idle_wall=$(python3 -c "print($(date +%s.%N) - $t0)")
if [ -n "$(dashboard_tids)" ]; then echo "dashboard threads while nobody watched: present"; else echo "dashboard threads while nobody watched: none"; fi

for _ in $(seq 1 "$VIEWERS"); do
	curl -sN "http://127.0.0.1:$PORT/actuator/limiter-dashboard/stream" > "$WORK/stream-$_.txt" &
	PIDS+=("$!")
done
sleep 5 # the first snapshots, the sampler starts
for tid in $(dashboard_tids); do THREAD_START[$tid]=$(awk '{ print $14 + $15 }' "/proc/$APP/task/$tid/stat"); done
start=$(process_ticks); t0=$(date +%s.%N)
sleep "$SECONDS_PER"
watched=$(( $(process_ticks) - start )); thread=$(dashboard_ticks_since_start)
watched_wall=$(python3 -c "print($(date +%s.%N) - $t0)")
ticks=$(grep -c '^event:tick' "$WORK/stream-1.txt" || true)
bytes=$(wc -c < "$WORK/stream-1.txt")
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "protectors: $PROTECTORS, viewers: $VIEWERS, seconds per phase: $SECONDS_PER"
echo "process CPU, nobody watching (floor): $(share "$idle" "$idle_wall") % of one core"
echo "process CPU, $VIEWERS viewers:            $(share "$watched" "$watched_wall") % of one core"
echo "difference:                         $(share "$(( watched - idle ))" "$watched_wall") % of one core"
echo "dashboard threads:                  $(share "$thread" "$watched_wall") % of one core"
echo "viewer 1 received $ticks ticks, $bytes bytes"
