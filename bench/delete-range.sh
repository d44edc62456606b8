#!/usr/bin/env bash
# Times `etcdctl del --prefix` over the keys `etcdctl check perf --load=l` leaves for its cleanup:
# N keys (default 300,000) of 256 bytes with 1 KiB values under one prefix, loaded by
# dev.kj.rhino.bench.DeleteRangeBench (rhino-server test sources), on a fresh server per backend.
# The delete runs with a long --command-timeout so its real time is measured even past etcdctl's
# default 5 s.
#
#   bench/delete-range.sh [--servers "etcd rhino rhino-pg rhino-redis"] [--keys 300000] [--runs 1]
#
# Environment as for rhino-check-perf.sh. Results are appended to bench/results/delete-range-<time>.txt.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=servers.sh
source "$root/bench/servers.sh"
servers="etcd rhino rhino-redis"
keys=300000
runs=1
while [[ $# -gt 0 ]]; do
    case $1 in
        --servers) servers=$2; shift 2 ;;
        --keys) keys=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        -h|--help) sed -n 2,10p "$0"; exit 0 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
bench_require_etcd

bench_setup delete-range

bench_prepare_rhino
bench_test_classpath
{
    echo "# delete-range, $(date -u +%FT%TZ), $keys keys of 256 B with 1 KiB values, etcdctl del --prefix"
    bench_machine
} | tee -a "$results"

for server in $servers; do
    for run in $(seq 1 "$runs"); do
        dir=$work/$server-$run
        port=$(bench_free_port)
        bench_start "$server" "$dir" "$port"
        bench_await_healthy "127.0.0.1:$port" "$dir/server.log"
        "$bench_java" -cp "$classpath" dev.kj.rhino.bench.DeleteRangeBench --endpoint "127.0.0.1:$port" \
            --keys "$keys" --prefix /bench-del/ >"$dir/load.log" 2>&1
        loadavg=$(cut -d' ' -f1 /proc/loadavg)
        set +e
        t0=$(date +%s%N)
        out=$("$ETCDCTL" --endpoints="127.0.0.1:$port" --command-timeout=120s del --prefix /bench-del/ 2>&1)
        status=$?
        t1=$(date +%s%N)
        set -e
        bench_stop
        printf '%-11s keys=%s deleted=%s del_s=%.2f status=%s %s loadavg_before=%s\n' "$server" "$keys" \
            "$(echo "$out" | tail -1)" "$(echo "($t1 - $t0) / 1000000000" | bc -l)" "$status" \
            "$(grep -o 'load_s=[0-9.]*' "$dir/load.log" || true)" "$loadavg" | tee -a "$results"
    done
done
echo "results appended to $results" >&2
