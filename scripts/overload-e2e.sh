#!/usr/bin/env bash
# Overload end to end over HTTP: the sample app's GET /pool (a pool of 4 connections, each query holding one 40 ms:
# 100 queries/s) under open-loop Poisson arrivals at 3x and 10x that capacity, for each protection, a fresh JVM per
# run; then the same with spring.threads.virtual.enabled=true on JDK 25, where no thread pool caps anything. Prints
# a table and keeps it, with each run's logs and the shedder's readings, under limiter-benchmarks/target/overload-e2e/.
#
#   scripts/overload-e2e.sh
#
#   E2E_SECONDS      seconds per measured load step (default 15)
#   E2E_LOADS        load steps as multiples of the pool's capacity (default "3 10")
#   E2E_PROTECTIONS  protections with Tomcat's platform threads on the default java
#                    (default "none cpu cap:4 cap:5 cap:6 cap:8 adaptive")
#   E2E_VIRTUAL      protections with virtual threads on E2E_JDK25 (default "none cpu cap:6 adaptive"; "" skips them)
#   E2E_JDK25        a JDK 25 home (default /usr/lib/jvm/temurin-25-jdk-amd64)
#   E2E_BUDGET       seconds after which no further run starts (default 840, so the script ends within 15 minutes)
#   E2E_POOL_SIZE, E2E_HOLD_MILLIS   the pool (default 4 connections held 40 ms); the loads scale with its capacity
#   E2E_NICE         niceness of the app and the load generator (default 0; a negative value, as root, keeps other
#                    work on a shared machine from starving them)
#
# Protections: none = GET /pool/unprotected (the same query with no rule); cpu = go-zero's CPU shedder (type: cpu
# with its defaults); cap:N = a hand-tuned max-concurrency: N (CPU threshold 0.999, so only the cap acts); adaptive =
# the sample's own configuration, type: adaptive-concurrency with nothing else set.
# Each run: start the app, 4 s of warm-up at 0.5x, 4 s unloaded at 0.1x (the unloaded latency), the load step, stop.
# A request is good when a 200 comes within 1 s of its scheduled arrival; goodput = good answers per second as a
# fraction of the capacity (see OpenLoopSummary). The 1-minute load average is recorded before and after each run.
# Only 127.0.0.1 is targeted. The jars are built with ./mvnw when missing.
set -euo pipefail

cd "$(dirname "$0")/.."

case "${1:-}" in
	-h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	'') ;;
	*) echo "no arguments expected (was $1); see --help" >&2; exit 2 ;;
esac

seconds="${E2E_SECONDS:-15}"
loads="${E2E_LOADS:-3 10}"
protections="${E2E_PROTECTIONS:-none cpu cap:4 cap:5 cap:6 cap:8 adaptive}"
virtual_protections="${E2E_VIRTUAL-none cpu cap:6 adaptive}"
jdk25="${E2E_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
budget="${E2E_BUDGET:-840}"
niceness="${E2E_NICE:-0}"
[[ "$niceness" =~ ^-?[0-9]+$ ]] || { echo "E2E_NICE must be an integer (was $niceness)" >&2; exit 2; }
[[ "$seconds" =~ ^[1-9][0-9]?$ ]] || { echo "E2E_SECONDS must be 1..99 (was $seconds)" >&2; exit 2; }
[[ "$budget" =~ ^[1-9][0-9]*$ ]] || { echo "E2E_BUDGET must be a number of seconds (was $budget)" >&2; exit 2; }
if [[ -n "$virtual_protections" && ! -x "$jdk25/bin/java" ]]; then
	echo "no JDK at E2E_JDK25=$jdk25 (set E2E_VIRTUAL= to skip the virtual-thread runs)" >&2
	exit 2
fi

pool_size="${E2E_POOL_SIZE:-4}"
hold_millis="${E2E_HOLD_MILLIS:-40}"
[[ "$pool_size" =~ ^[1-9][0-9]*$ && "$hold_millis" =~ ^[1-9][0-9]*$ ]] \
	|| { echo "E2E_POOL_SIZE and E2E_HOLD_MILLIS must be positive integers" >&2; exit 2; }
capacity=$(( pool_size * 1000 / hold_millis ))
deadline_millis=1000

app_jar=$(ls sample-app/target/sample-app-*.jar 2>/dev/null | grep -v -- '-plain' | head -1 || true)
load_jar=limiter-benchmarks/target/benchmarks.jar
if [[ -z "$app_jar" || ! -f "$load_jar" ]]; then
	echo "Building the sample app and the benchmarks jar (once) ..."
	./mvnw -q -B -ntp -pl sample-app,limiter-benchmarks -am package -DskipTests
	app_jar=$(ls sample-app/target/sample-app-*.jar | grep -v -- '-plain' | head -1)
fi

out="limiter-benchmarks/target/overload-e2e/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
results="$out/results.tsv"
printf 'threads\tprotection\tload\tunloaded_p50\tunloaded_p99\toffered\tgood\tlate\tshed\ttimeout\terror\toverflow\tgoodput\tshed_pct\tp50\tp99\tlimit_min\tlimit_median\tlimit_max\tloadavg_before\tloadavg_after\n' \
	>"$results"

port=""
for candidate in $(seq 18400 18499); do
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[[ -n "$port" ]] || { echo "no free port in 18400-18499" >&2; exit 1; }
base="http://127.0.0.1:$port"

app_pid=""
poll_pid=""
stop_app() {
	if [[ -n "$poll_pid" ]]; then kill "$poll_pid" 2>/dev/null || true; wait "$poll_pid" 2>/dev/null || true; fi
	poll_pid=""
	if [[ -n "$app_pid" ]]; then
		kill -TERM "$app_pid" 2>/dev/null || true
		for _ in $(seq 20); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.5; done
		kill -KILL "$app_pid" 2>/dev/null || true
		wait "$app_pid" 2>/dev/null || true
	fi
	app_pid=""
}
trap stop_app EXIT
trap 'exit 130' INT TERM

loadavg() {
	cut -d' ' -f1 /proc/loadavg
}

# protection_args PROTECTION: the app's arguments for it
protection_args() {
	case "$1" in
		none|adaptive) ;;
		cpu) echo "--limiter.load-shedders.pool.type=cpu" ;;
		cap:[1-9]*) echo "--limiter.load-shedders.pool.type=cpu --limiter.load-shedders.pool.max-concurrency=${1#cap:}" \
			"--limiter.load-shedders.pool.cpu-threshold=0.999" ;;
		*) echo "unknown protection $1 (none, cpu, cap:N, adaptive)" >&2; return 2 ;;
	esac
}

# run THREADS JAVA PROTECTION MULTIPLE: one fresh app, warm-up, unloaded step, load step; appends a row to results
run() {
	local threads=$1 java=$2 protection=$3 multiple=$4
	local name="$threads-${protection/:/}-${multiple}x" path=/pool args extra=""
	[[ "$protection" == none ]] && path=/pool/unprotected
	args=$(protection_args "$protection")
	[[ "$threads" == virtual ]] && extra="--spring.threads.virtual.enabled=true"
	local before
	before=$(loadavg)
	# shellcheck disable=SC2086 # the arguments are words
	nice -n "$niceness" "$java" -jar "$app_jar" --server.address=127.0.0.1 "--server.port=$port" \
		"--sample.pool.size=$pool_size" "--sample.pool.hold-time=${hold_millis}ms" $args $extra \
		>"$out/$name.app.log" 2>&1 </dev/null &
	app_pid=$!
	local up=false
	for _ in $(seq 360); do
		if curl -s --max-time 2 "$base/actuator/health" 2>/dev/null | grep -q '"status":"UP"'; then up=true; break; fi
		kill -0 "$app_pid" 2>/dev/null || break
		sleep 0.5
	done
	if ! $up; then
		echo "  $name: the app did not come up (log: $out/$name.app.log)" >&2
		stop_app
		return 0
	fi
	# the shedder's state (limit, in flight) twice a second while the load runs
	(
		while kill -0 "$app_pid" 2>/dev/null; do
			printf '%s\t%s\n' "$(date +%s%3N)" "$(curl -s --max-time 1 "$base/actuator/limiter/pool" || true)"
			sleep 0.5
		done
	) >"$out/$name.shedder.tsv" 2>/dev/null &
	poll_pid=$!
	local rate=$(( capacity * multiple ))
	timeout $(( seconds + 60 )) nice -n "$niceness" java -cp "$load_jar" dev.limiter.benchmarks.load.OpenLoopLoad --url "$base$path" \
		--capacity "$capacity" --deadline-millis "$deadline_millis" --seed "$multiple" \
		--phase "warmup:$(( capacity / 2 )):4" --phase "unloaded:$(( capacity / 10 )):4" \
		--phase "${multiple}x:$rate:$seconds" >"$out/$name.load.out" 2>"$out/$name.load.err" || true
	stop_app
	local after unloaded loaded start limits
	after=$(loadavg)
	unloaded=$(awk -F'\t' '$1 == "OPENLOOP" && $2 == "unloaded"' "$out/$name.load.out")
	loaded=$(awk -F'\t' -v label="${multiple}x" '$1 == "OPENLOOP" && $2 == label' "$out/$name.load.out")
	if [[ -z "$loaded" ]]; then
		echo "  $name: no result (see $out/$name.load.err)" >&2
		return 0
	fi
	# the limit reported while the load step ran: min, median, max (dashes for shedders without one)
	start=$(sed -nE "s/^# phase ${multiple}x starts at ([0-9]+)$/\1/p" "$out/$name.load.out")
	limits=$(awk -F'\t' -v from="$start" -v to="$(( start + seconds * 1000 ))" '
		$1 >= from && $1 <= to && match($2, /"limit":[0-9]+/) { v[n++] = substr($2, RSTART + 8, RLENGTH - 8) + 0 }
		END {
			if (n == 0) { print "-\t-\t-"; exit }
			asort(v)
			printf "%d\t%d\t%d\n", v[1], v[int((n + 1) / 2)], v[n]
		}' "$out/$name.shedder.tsv")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$threads" "$protection" "${multiple}x" \
		"$(cut -f14 <<<"$unloaded")" "$(cut -f15 <<<"$unloaded")" "$(cut -f5-15 <<<"$loaded")" "$limits" \
		"$before	$after" >>"$results"
	tail -1 "$results" | awk -F'\t' '{ printf "  %-8s %-9s %-4s goodput %5s %%  shed %5s %%  admitted p50/p99 %s/%s ms  limit %s  load %s\n", $1, $2, $3, $13, $14, $15, $16, $18, $21 }'
}

started=$SECONDS
echo "Overload end to end: GET /pool, capacity $capacity/s ($pool_size connections x $hold_millis ms), ${seconds} s per step; output in $out"
echo "load average at the start: $(uptime); niceness $niceness"
skipped=0
for mode in platform virtual; do
	if [[ "$mode" == platform ]]; then list=$protections; java_bin=java; else list=$virtual_protections; java_bin="$jdk25/bin/java"; fi
	for protection in $list; do
		protection_args "$protection" >/dev/null
		for multiple in $loads; do
			if (( SECONDS - started > budget )); then
				skipped=$(( skipped + 1 ))
				continue
			fi
			run "$mode" "$java_bin" "$protection" "$multiple"
		done
	done
done
(( skipped == 0 )) || echo "$skipped runs skipped: the budget of $budget s was spent (E2E_BUDGET)"
echo "load average at the end: $(uptime); $(( SECONDS - started )) s in all"

# the table, and the adaptive limiter against the best hand-tuned cap of the same threads and load
{
	echo
	echo "| threads | protection | load | goodput | admitted p50 / p99 ms | shed | timeouts + errors | limit min / median / max | unloaded p50 / p99 ms | load avg |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	awk -F'\t' 'NR > 1 {
		failed = ($6 > 0) ? 100 * ($10 + $11 + $12) / $6 : 0
		printf "| %s | %s | %s | %s %% | %s / %s | %s %% | %.1f %% | %s / %s / %s | %s / %s | %s |\n",
			$1, $2, $3, $13, $15, $16, $14, failed, $17, $18, $19, $4, $5, $21
	}' "$results"
	echo
	awk -F'\t' 'NR > 1 {
		key = $1 " " $3
		if ($2 ~ /^cap:/ && (!(key in best) || $13 + 0 > best[key])) { best[key] = $13 + 0; bestName[key] = $2 }
		if ($2 == "adaptive") adaptive[key] = $13 + 0
	}
	END {
		for (key in adaptive) {
			split(key, k, " ")
			target = (k[2] == "3x") ? 80 : 70
			line = sprintf("adaptive, %s threads, %s: goodput %.1f %% (target >= %d %%: %s)", k[1], k[2], adaptive[key],
				target, (adaptive[key] >= target) ? "met" : "missed")
			if (key in best) line = line sprintf("; best hand-tuned cap %s %.1f %%, ratio %.2f (target >= 0.9: %s)",
				bestName[key], best[key], (best[key] > 0) ? adaptive[key] / best[key] : 0,
				(adaptive[key] >= 0.9 * best[key]) ? "met" : "missed")
			print line
		}
	}' "$results" | sort
} | tee "$out/table.md"
