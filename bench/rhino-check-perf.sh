#!/usr/bin/env bash
# Runs `etcdctl check perf` against a fresh real etcd and then a fresh `kj rhino`, one load at a
# time, on loopback, and prints writes/s, slowest request and stddev for each.
#
#   bench/rhino-check-perf.sh [--loads "s m l"] [--servers "etcd rhino"] [--only SERVER]
#                             [--check-args "--auto-compact --auto-defrag"]
#
# Servers: etcd, rhino (SQLite), rhino-pg (a fresh database on the machine's PostgreSQL), rhino-redis
# (a private redis-server with appendfsync always); see servers.sh.
#
# Environment: ETCD (default /usr/bin/etcd), ETCDCTL (default /usr/bin/etcdctl), KJ_TARGET (the
# build output folder ./kj uses, default target), RHINO_JAVA_OPTS (extra JVM flags for rhino, e.g.
# -XX:StartFlightRecording=filename=/tmp/rhino.jfr), KEEP=1 keeps the data dirs and logs.
# Each load takes about 70 s per server. Results are appended to bench/results/check-perf-<time>.txt.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=servers.sh
source "$root/bench/servers.sh"
loads="s m l"
servers="etcd rhino"
only=""
check_args=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --loads) loads=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --servers) servers=$2; shift 2 ;;
        --check-args) check_args=$2; shift 2 ;;
        -h|--help) sed -n 2,14p "$0"; exit 0 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
bench_require_etcd

bench_setup check-perf

# "PASS: Throughput is 3711 writes/s" / "FAIL: Throughput too low: 3711 writes/s" etc.
field() {
    grep -oE "$1" "$2" | grep -oE '[0-9]+(\.[0-9]+)?' | head -1 || true
}

[[ $only == etcd || $servers == etcd ]] || bench_prepare_rhino
{
    echo "# etcdctl check perf $check_args, $(date -u +%FT%TZ)"
    bench_machine
} | tee -a "$results"
printf '%-11s %-5s %10s %12s %12s %-8s %s\n' server load writes/s slowest_s stddev_s result "loadavg_before errors" \
    | tee -a "$results"

for server in $servers; do
    [[ -n $only && $only != "$server" ]] && continue
    for load in $loads; do
        dir=$work/$server-$load
        port=$(bench_free_port)
        endpoint=127.0.0.1:$port
        bench_start "$server" "$dir" "$port"
        bench_await_healthy "$endpoint" "$dir/server.log"
        loadavg=$(cut -d' ' -f1 /proc/loadavg)
        set +e
        # shellcheck disable=SC2086
        "$ETCDCTL" --endpoints="$endpoint" check perf --load="$load" $check_args >"$dir/check.log" 2>&1
        status=$?
        set -e
        bench_stop
        tr '\r' '\n' <"$dir/check.log" >"$dir/check.txt"
        writes=$(field 'Throughput (is|too low:) [0-9]+' "$dir/check.txt")
        slowest=$(field 'Slowest request took (too long: )?[0-9.]+' "$dir/check.txt")
        stddev=$(field 'Stddev (is|too high:) [0-9.]+' "$dir/check.txt")
        verdict=$([[ $status == 0 ]] && echo PASS || echo "FAIL($status)")
        errors=$(grep -E 'ERROR|Error|error' "$dir/check.txt" | sort | uniq -c | head -5 | tr '\n' ';' || true)
        printf '%-11s %-5s %10s %12s %12s %-8s %s %s\n' "$server" "$load" "${writes:--}" "${slowest:--}" \
            "${stddev:--}" "$verdict" "$loadavg" "$errors" | tee -a "$results"
        if [[ $status != 0 ]]; then
            echo "  --- etcdctl output (last lines) ---" | tee -a "$results"
            grep -vE '^ *[0-9]+ / [0-9]+' "$dir/check.txt" | grep -v '^\s*$' | tail -8 | sed 's/^/  /' | tee -a "$results"
        fi
        if [[ ${KEEP:-0} == 1 ]]; then echo "  kept: $dir" | tee -a "$results"; fi
    done
done
echo "results appended to $results" >&2
