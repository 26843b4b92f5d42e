#!/usr/bin/env bash
# Drives load at the sample app and shows its rate limiter, concurrency cap, adaptive shedder and shadow-mode limiter
# at work, then prints a summary table and the limiter.calls metric values.
#
#   scripts/load.sh [--start] [base-url]      base-url defaults to http://localhost:8080 (loopback targets only)
#
#   --start         start the sample app itself (./mvnw -q -pl sample-app -am spring-boot:run) on a free port, wait
#                   for /actuator/health to be UP, and stop it at the end
#   LOAD_DURATION   seconds per scenario (default 10; the CPU scenario runs twice as long, so 50 s in all)
#   LOAD_TOOL       auto (default: wrk when installed, else the Java generator), wrk or java
#
# The Java generator is dev.limiter.benchmarks.load.ClosedLoopLoad in limiter-benchmarks/target/benchmarks.jar, built
# with ./mvnw when missing. Every scenario is bounded in time (LOAD_DURATION) and in requests (LOAD_MAX_REQUESTS).
set -euo pipefail

cd "$(dirname "$0")/.."

usage() {
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
}

start_app=false
base_url=http://localhost:8080
while [[ $# -gt 0 ]]; do
	case "$1" in
		--start) start_app=true ;;
		-h|--help) usage; exit 0 ;;
		-*) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
		*) base_url="${1%/}" ;;
	esac
	shift
done
duration="${LOAD_DURATION:-10}"
max_requests="${LOAD_MAX_REQUESTS:-200000}"
tool="${LOAD_TOOL:-auto}"
[[ "$duration" =~ ^[1-9][0-9]?$ ]] || { echo "LOAD_DURATION must be 1..99 seconds (was $duration)" >&2; exit 2; }

# only loopback targets: this is a demo driver for a local sample app
host=$(sed -E 's#^http://(\[[^]]*\]|[^:/]*).*#\1#' <<<"$base_url")
case "$host" in
	localhost|127.*|'[::1]') ;;
	*) echo "base-url must be http://localhost, 127.x.x.x or [::1] (was $base_url)" >&2; exit 2 ;;
esac

work=$(mktemp -d)
app_pid=""
cleanup() {
	if [[ -n "$app_pid" ]]; then
		kill -TERM -- "-$app_pid" 2>/dev/null || true
		for _ in $(seq 20); do kill -0 -- "-$app_pid" 2>/dev/null || break; sleep 0.5; done
		kill -KILL -- "-$app_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

healthy() {
	curl -s --max-time 2 "$base_url/actuator/health" 2>/dev/null | grep -q '"status":"UP"}$'
}

if $start_app; then
	port=""
	for candidate in $(seq 18080 18179); do
		if port_free "$candidate"; then port=$candidate; break; fi
	done
	[[ -n "$port" ]] || { echo "no free port in 18080-18179" >&2; exit 1; }
	base_url="http://localhost:$port"
	echo "Starting the sample app on $base_url (log: $work/app.log) ..."
	set -m   # its own process group, so that the trap stops Maven and the forked application JVM together
	./mvnw -q -pl sample-app -am spring-boot:run "-Dspring-boot.run.arguments=--server.port=$port" \
		>"$work/app.log" 2>&1 </dev/null &
	app_pid=$!
	set +m
	for _ in $(seq 300); do
		healthy && break
		if ! kill -0 "$app_pid" 2>/dev/null; then
			echo "the sample app stopped; its log:" >&2; tail -40 "$work/app.log" >&2; exit 1
		fi
		sleep 1
	done
	healthy || { echo "the sample app was not UP after 300 s; its log:" >&2; tail -40 "$work/app.log" >&2; exit 1; }
elif ! healthy; then
	echo "no sample app UP at $base_url: start it (./mvnw -pl sample-app -am spring-boot:run) or pass --start" >&2
	exit 1
fi

if [[ "$tool" == auto ]]; then
	if command -v wrk >/dev/null; then tool=wrk; else tool=java; fi
fi
jar=limiter-benchmarks/target/benchmarks.jar
case "$tool" in
	wrk) command -v wrk >/dev/null || { echo "LOAD_TOOL=wrk but wrk is not installed" >&2; exit 1; } ;;
	java)
		if [[ ! -f "$jar" ]]; then
			echo "Building $jar (once) ..."
			./mvnw -q -B -ntp -pl limiter-benchmarks -am package -DskipTests
		fi ;;
	*) echo "LOAD_TOOL must be auto, wrk or java (was $tool)" >&2; exit 2 ;;
esac

# wrk: count statuses per thread, keep the first response's headers with the chosen status, print the same RESULT
# line as the Java generator (label requests 200 429 503 other rps p50ms p99ms)
cat >"$work/status.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
	show, budget = tonumber(args[1]), tonumber(args[2])
	c200, c429, c503, cother, seen, shown = 0, 0, 0, 0, 0, ""
end
function response(status, headers, body)
	seen = seen + 1
	if status == 200 then c200 = c200 + 1 elseif status == 429 then c429 = c429 + 1
	elseif status == 503 then c503 = c503 + 1 else cother = cother + 1 end
	if status == show and shown == "" then
		shown = "HTTP/1.1 " .. status
		for name, value in pairs(headers) do shown = shown .. "\n" .. name .. ": " .. value end
	end
	if seen >= budget then wrk.thread:stop() end
end
function done(summary, latency, requests)
	local c = { 0, 0, 0, 0 }
	local text = ""
	for _, t in ipairs(threads) do
		c[1] = c[1] + t:get("c200"); c[2] = c[2] + t:get("c429")
		c[3] = c[3] + t:get("c503"); c[4] = c[4] + t:get("cother")
		if text == "" then text = t:get("shown") end
	end
	local e = summary.errors
	c[4] = c[4] + e.connect + e.read + e.write + e.timeout
	if text ~= "" then print(text) end
	local total = c[1] + c[2] + c[3] + c[4]
	print(string.format("RESULT\t%s\t%d\t%d\t%d\t%d\t%d\t%.1f\t%.1f\t%.1f", os.getenv("LOAD_LABEL"), total,
		c[1], c[2], c[3], c[4], total / (summary.duration / 1e6), latency:percentile(50) / 1000,
		latency:percentile(99) / 1000))
end
LUA

# run_load LABEL PATH CONCURRENCY SHOW_STATUS: drives PATH for $run_seconds s, prints the shown headers, keeps RESULT
run_seconds=$duration
run_load() {
	local label=$1 path=$2 concurrency=$3 show=$4 out="$work/$1.out"
	if [[ "$tool" == wrk ]]; then
		local threads=$(( concurrency < 2 ? concurrency : 2 ))
		LOAD_LABEL=$label wrk -t "$threads" -c "$concurrency" -d "${run_seconds}s" --timeout 10s \
			-s "$work/status.lua" "$base_url$path" -- "$show" $(( max_requests / threads )) >"$out"
	else
		java -cp "$jar" dev.limiter.benchmarks.load.ClosedLoopLoad --url "$base_url$path" --label "$label" \
			--concurrency "$concurrency" --duration-seconds "$run_seconds" --max-requests "$max_requests" \
			--timeout-seconds 10 --show-headers "$show" >"$out"
	fi
	grep -v '^RESULT' "$out" | grep -Ei '^(HTTP/|ratelimit|retry-after)' | sed 's/^/    /' || true
	grep '^RESULT' "$out" >>"$work/results"
}

# calls NAME OUTCOME: the limiter.calls count for one limiter and outcome (0 before the first such call)
calls() {
	curl -s "$base_url/actuator/metrics/limiter.calls?tag=name:$1&tag=outcome:$2" \
		| sed -nE 's/.*"statistic":"COUNT","value":([0-9.E]+).*/\1/p' \
		| awk '{ printf "%d", $1 } END { if (NR == 0) printf "0" }'
}

# cpu_reading: the cpu shedder's CPU usage and requests in flight, from /actuator/limiter/cpu
cpu_reading() {
	curl -s "$base_url/actuator/limiter/cpu" | sed -nE 's/.*"cpuUsage":([0-9.E-]+),"inFlight":([0-9]+).*/\1 \2/p' \
		| awk '{ printf "CPU %.0f%% (threshold 80%%), %d in flight", $1 * 100, $2 }'
}

# cpu_peak SECONDS: polls the cpu shedder's CPU reading every second for SECONDS and prints the highest
cpu_peak() {
	local peak=0 reading end=$(( SECONDS + $1 ))
	while (( SECONDS < end )); do
		sleep 1
		reading=$(curl -s --max-time 1 "$base_url/actuator/limiter/cpu" | sed -nE 's/.*"cpuUsage":([0-9.E-]+).*/\1/p')
		[[ -n "$reading" ]] && peak=$(awk -v a="$peak" -v b="$reading" 'BEGIN { print (b > a) ? b : a }')
	done
	awk -v p="$peak" 'BEGIN { printf "    peak:   CPU %.0f%% (read every second during the run)\n", p * 100 }'
}

declare -a metric_rows=()
# scenario LABEL PATH CONCURRENCY SHOW_STATUS LIMITER OUTCOME... : one run with the limiter's counts before and after
scenario() {
	local label=$1 path=$2 concurrency=$3 show=$4 limiter=$5
	shift 5
	local -A before=()
	for outcome in "$@"; do before[$outcome]=$(calls "$limiter" "$outcome"); done
	run_load "$label" "$path" "$concurrency" "$show"
	for outcome in "$@"; do
		local after
		after=$(calls "$limiter" "$outcome")
		metric_rows+=("$(printf '%-8s %-16s %8d -> %-8d (+%d)' "$limiter" "$outcome" "${before[$outcome]}" "$after" \
			$(( after - before[$outcome] )))")
	done
}

echo "Load against $base_url with $tool, ${duration} s per scenario ($(( 2 * duration )) s for /cpu)"
echo
echo "1. /api/hello, one client (2 connections) far above the token bucket (5 per 10 s per IP); the first 429:"
scenario api /api/hello 2 429 api permitted rejected
echo
echo "2. /slow?millis=500, 8 concurrent clients against a concurrency cap of 2; the first 503:"
scenario slow '/slow?millis=500' 8 503 slow permitted rejected
echo
# the shedder's CPU reading is a moving average with a time constant of about 5 s: give it twice the time
echo "3. /cpu?work=100, 32 concurrent clients against the adaptive CPU shedder (sheds above 80% CPU):"
echo "    before: $(cpu_reading)"
run_seconds=$(( 2 * duration ))
cpu_peak $(( run_seconds - 1 )) >"$work/cpu-peak" &
sampler=$!
scenario cpu '/cpu?work=100' 32 503 cpu permitted rejected
run_seconds=$duration
wait "$sampler" || true
cat "$work/cpu-peak" 2>/dev/null || true
echo "    after:  $(cpu_reading)"
if ! grep -q $'^RESULT\tcpu\t[0-9]*\t[0-9]*\t[0-9]*\t[1-9]' "$work/results"; then
	echo "    no 503: the shedder never saw the process above its CPU threshold with more in flight than it completes"
	echo "    (on a machine shared with other work the process may not reach 80% of the CPU it is given)"
fi
echo
echo "4. /search, 2 connections against a shadow-mode limiter (2 per minute per IP): all pass, refusals are counted"
scenario search '/search?q=load' 2 0 search permitted shadow-rejected
echo

echo "Summary"
printf '%-8s %9s %8s %8s %8s %6s %9s %9s %9s\n' scenario requests 200 429 503 other rps 'p50 ms' 'p99 ms'
while IFS=$'\t' read -r _ label requests ok too_many unavailable other rps p50 p99; do
	printf '%-8s %9s %8s %8s %8s %6s %9s %9s %9s\n' "$label" "$requests" "$ok" "$too_many" "$unavailable" "$other" \
		"$rps" "$p50" "$p99"
done <"$work/results"
echo
echo "limiter.calls (/actuator/metrics/limiter.calls?tag=name:<limiter>&tag=outcome:<outcome>), before -> after"
printf '%s\n' "${metric_rows[@]}"
