#!/usr/bin/env bash
# Measures the JDK's OperatingSystemMXBean CPU readings against CpuSource (what CpuUsage samples) inside cgroups with
# a CPU quota: dev.limiter.core.shedding.CpuReadingProbe in limiter-benchmarks/target/benchmarks.jar, once per
# scenario below. Needs root and a cgroup v1 cpu/cpuacct hierarchy or a cgroup v2 one with the cpu controller.
# Creates its cgroups under the root (limiter-cpu-probe, with a child "inner") and removes them at the end.
#
#   scripts/cpu-readings.sh [seconds per scenario, default 8]
#
# Scenarios: quota 0.5 CPU, 2 burning threads; quota 1.5, 1 thread; quota 1.5, 2 threads; quota 1.5, 1 thread and
# another process burning in the same cgroup; quota 1.5 on the parent, process in a child without a quota.
set -euo pipefail

cd "$(dirname "$0")/.."
SECONDS_PER=${1:-8}
JAR=limiter-benchmarks/target/benchmarks.jar
[ -f "$JAR" ] || ./mvnw -q -B -ntp -pl limiter-benchmarks -am package -DskipTests
NAME=limiter-cpu-probe

if [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw cpu /sys/fs/cgroup/cgroup.controllers; then
	VERSION=2
	DIRS=(/sys/fs/cgroup/$NAME)
	echo +cpu > /sys/fs/cgroup/cgroup.subtree_control
else
	VERSION=1
	DIRS=(/sys/fs/cgroup/cpu/$NAME /sys/fs/cgroup/cpuacct/$NAME)
fi
for dir in "${DIRS[@]}"; do mkdir -p "$dir/inner"; done
# the highest weight, so that the quota, not the machine's other work, limits the probe
if [ $VERSION = 2 ]; then echo 10000 > "${DIRS[0]}/cpu.weight"; else echo 262144 > "${DIRS[0]}/cpu.shares"; fi
cleanup() {
	for dir in "${DIRS[@]}"; do
		rmdir "$dir/inner" "$dir" 2>/dev/null || true
	done
}
trap cleanup EXIT

quota() { # quota in microseconds per 100 ms, or max
	if [ $VERSION = 2 ]; then
		echo "$1 100000" > "${DIRS[0]}/cpu.max"
	else
		echo 100000 > "${DIRS[0]}/cpu.cfs_period_us"
		[ "$1" = max ] && echo -1 > "${DIRS[0]}/cpu.cfs_quota_us" || echo "$1" > "${DIRS[0]}/cpu.cfs_quota_us"
	fi
}
join() { # sub-path (empty or /inner), pid
	if [ $VERSION = 2 ] && [ -n "$1" ]; then
		echo +cpu > "${DIRS[0]}/cgroup.subtree_control" 2>/dev/null || true
	fi
	for dir in "${DIRS[@]}"; do echo "$2" > "$dir$1/cgroup.procs"; done
}
probe() { # sub-path, threads
	(join "$1" $BASHPID; exec java -cp "$JAR" dev.limiter.core.shedding.CpuReadingProbe "$2" "$SECONDS_PER")
}

echo "## cgroup v$VERSION, $(java -version 2>&1 | head -1), $(uptime)"
quota 50000; echo "## quota 0.5 CPU, 2 threads"; probe "" 2
quota 150000; echo "## quota 1.5 CPU, 1 thread"; probe "" 1
echo "## quota 1.5 CPU, 2 threads"; probe "" 2
echo "## quota 1.5 CPU, 1 thread, and another process burning in the same cgroup"
(join "" $BASHPID; exec timeout $((SECONDS_PER + 5)) sh -c 'while :; do :; done') &
BURNER=$!
probe "" 1
kill $BURNER 2>/dev/null || true
wait $BURNER 2>/dev/null || true
echo "## quota 1.5 CPU on the parent cgroup, process in a child cgroup without a quota"; probe /inner 1
