#!/usr/bin/env bash
# Server CPU per write under `etcdctl check perf`: starts each server fresh, runs check perf, and
# between two points of the steady middle of the run reads the server's user+sys CPU time
# (/proc/PID/stat) and its revision (endpoint status); CPU per write = CPU delta / revision delta.
# Unlike writes/s this hardly depends on what else runs on the machine, so builds can be compared
# A/B while the machine is shared. Writes/s is printed too (only comparable within one run).
#
#   bench/cpu-per-write.sh [--load l] [--servers "etcd rhino"] [--jars "base=/tmp/a.jar new=/tmp/b.jar"]
#                          [--rounds 1] [--from 15] [--to 50]
#
# With --jars, every "rhino" of --servers runs once per jar (interleaved per round), labelled
# rhino:NAME; without it rhino runs the jar ./kj builds. --from/--to: seconds after etcdctl starts.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=servers.sh
source "$root/bench/servers.sh"
load=l
servers="etcd rhino"
jars=""
rounds=1
from=15
to=50
while [[ $# -gt 0 ]]; do
    case $1 in
        --load) load=$2; shift 2 ;;
        --servers) servers=$2; shift 2 ;;
        --jars) jars=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --from) from=$2; shift 2 ;;
        --to) to=$2; shift 2 ;;
        -h|--help) sed -n 2,12p "$0"; exit 0 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
bench_require_etcd
bench_setup cpu-per-write
if [[ -n $jars ]]; then
    # Every rhino run has its jar: nothing to build (the checkout may be mid-edit).
    source "$root/scripts/find-jdk.sh"
    kj_find_jdk
    export JAVA_HOME=$KJ_JAVA_HOME
    bench_java=$KJ_JAVA_HOME/bin/java
    default_jar=""
else
    bench_prepare_rhino
    default_jar=$bench_kj_jar
fi
ticks=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
revision() {
    "$ETCDCTL" --endpoints="$1" endpoint status -w json | grep -oE '"revision":[0-9]+' | grep -oE '[0-9]+'
}

{
    echo "# cpu per write, etcdctl check perf --load=$load, window ${from}s..${to}s, $(date -u +%FT%TZ)"
    bench_machine
} | tee -a "$results"
printf '%-16s %5s %10s %12s %12s %s\n' server round writes/s cpu_us/write cpu_share loadavg_before | tee -a "$results"

runs=()
for server in $servers; do
    if [[ $server == rhino* && -n $jars ]]; then
        for j in $jars; do runs+=("$server:$j"); done
    else
        runs+=("$server")
    fi
done

for round in $(seq 1 "$rounds"); do
    for run in "${runs[@]}"; do
        server=${run%%:*}
        label=$server
        bench_kj_jar=$default_jar
        if [[ $run == *:* ]]; then
            spec=${run#*:}
            label=$server:${spec%%=*}
            bench_kj_jar=${spec#*=}
        fi
        dir=$work/$label-$round
        port=$(bench_free_port)
        endpoint=127.0.0.1:$port
        bench_start "$server" "$dir" "$port"
        bench_await_healthy "$endpoint" "$dir/server.log"
        loadavg=$(cut -d' ' -f1 /proc/loadavg)
        "$ETCDCTL" --endpoints="$endpoint" check perf --load="$load" >"$dir/check.log" 2>&1 &
        check_pid=$!
        sleep "$from"
        c0=$(cpu_ticks "$server_pid"); r0=$(revision "$endpoint"); t0=$(date +%s.%N)
        sleep $((to - from))
        c1=$(cpu_ticks "$server_pid"); r1=$(revision "$endpoint"); t1=$(date +%s.%N)
        wait "$check_pid" || true
        bench_stop
        writes=$(tr '\r' '\n' <"$dir/check.log" | grep -oE 'Throughput (is|too low:) [0-9]+' | grep -oE '[0-9]+' | head -1 || true)
        read -r us share < <(awk -v c=$((c1 - c0)) -v r=$((r1 - r0)) -v hz="$ticks" -v t0="$t0" -v t1="$t1" \
            'BEGIN { printf "%.1f %.2f\n", c / hz * 1e6 / r, c / hz / (t1 - t0) }')
        printf '%-16s %5s %10s %12s %12s %s\n' "$label" "$round" "${writes:--}" "$us" "$share" "$loadavg" | tee -a "$results"
    done
done
