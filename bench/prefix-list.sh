#!/usr/bin/env bash
# Lists a prefix of 10,000 keys whose history holds 1,000,000 rows (each key written 100 times),
# whole and in pages of 500 as a kube-apiserver does, on a fresh real etcd and a fresh `kj rhino`
# per backend, measured by dev.kj.rhino.bench.PrefixListBench (rhino-server test sources).
#
#   bench/prefix-list.sh [--servers "etcd rhino rhino-pg rhino-redis"] [-- extra PrefixListBench args]
#
# Environment as for rhino-check-perf.sh. Results are appended to bench/results/prefix-list-<time>.txt.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=servers.sh
source "$root/bench/servers.sh"
servers="etcd rhino rhino-pg rhino-redis"
extra=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --servers) servers=$2; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n 2,8p "$0"; exit 0 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
bench_require_etcd

bench_setup prefix-list

bench_prepare_rhino
bench_test_classpath
{
    echo "# prefix list, $(date -u +%FT%TZ), PrefixListBench ${extra[*]}"
    bench_machine
} | tee -a "$results"

for server in $servers; do
    dir=$work/$server
    port=$(bench_free_port)
    bench_start "$server" "$dir" "$port"
    bench_await_healthy "127.0.0.1:$port" "$dir/server.log"
    loadavg=$(cut -d' ' -f1 /proc/loadavg)
    set +e
    "$bench_java" -cp "$classpath" dev.kj.rhino.bench.PrefixListBench --endpoint "127.0.0.1:$port" \
        --label "$server" "${extra[@]}" >"$dir/bench.log" 2>&1
    status=$?
    set -e
    bench_stop
    if [[ $status == 0 ]]; then
        echo "$(grep '^RESULT' "$dir/bench.log") loadavg_before=$loadavg" | tee -a "$results"
    else
        echo "FAILED label=$server (exit $status):" | tee -a "$results"
        tail -15 "$dir/bench.log" | sed 's/^/  /' | tee -a "$results"
    fi
done
echo "results appended to $results" >&2
