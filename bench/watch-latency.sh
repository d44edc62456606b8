#!/usr/bin/env bash
# Write → watch-event latency (p50/p99) with 1 and 100 watchers against a fresh real etcd and a
# fresh `kj rhino`, measured by dev.kj.rhino.bench.WatchLatencyBench (rhino-server test sources).
#
#   bench/watch-latency.sh [--watchers "1 100"] [--servers "etcd rhino"] [--only SERVER]
#                          [-- extra WatchLatencyBench args]
#
# Servers as for rhino-check-perf.sh: etcd, rhino, rhino-pg, rhino-redis.
#
# Environment as for rhino-check-perf.sh (KJ_TARGET, RHINO_JAVA_OPTS, ETCD, ETCDCTL, KEEP=1).
# Results are appended to bench/results/watch-latency-<time>.txt.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=servers.sh
source "$root/bench/servers.sh"
watchers="1 100"
servers="etcd rhino"
only=""
extra=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --watchers) watchers=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --servers) servers=$2; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n 2,11p "$0"; exit 0 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
bench_require_etcd

bench_setup watch-latency

bench_prepare_rhino  # also finds the JDK the bench program runs on
bench_test_classpath

{
    echo "# watch latency, $(date -u +%FT%TZ), WatchLatencyBench ${extra[*]}"
    bench_machine
} | tee -a "$results"

for server in $servers; do
    [[ -n $only && $only != "$server" ]] && continue
    for count in $watchers; do
        dir=$work/$server-$count
        port=$(bench_free_port)
        bench_start "$server" "$dir" "$port"
        bench_await_healthy "127.0.0.1:$port" "$dir/server.log"
        loadavg=$(cut -d' ' -f1 /proc/loadavg)
        set +e
        "$bench_java" -cp "$classpath" dev.kj.rhino.bench.WatchLatencyBench --endpoint "127.0.0.1:$port" \
            --label "$server" --watchers "$count" "${extra[@]}" >"$dir/bench.log" 2>&1
        status=$?
        set -e
        bench_stop
        if [[ $status == 0 ]]; then
            echo "$(grep '^RESULT' "$dir/bench.log") loadavg_before=$loadavg" | tee -a "$results"
        else
            echo "FAILED label=$server watchers=$count (exit $status):" | tee -a "$results"
            tail -15 "$dir/bench.log" | sed 's/^/  /' | tee -a "$results"
        fi
    done
done
echo "results appended to $results" >&2
