#!/usr/bin/env bash
# API server latency and throughput against a fresh `kj server` over HTTPS with its admin client
# certificate, measured by dev.kj.apiserver.bench.ApiServerBench (control-plane test sources):
# configmap create/get/update/list p50/p99 and ops/s at 1, 10 and 50 clients (a closed loop on
# connections opened before timing; `-- --rate R` for an open loop of R requests/s); watch latency
# (write sent → event read) with 1 and 100 watchers; LIST of 10,000 configmaps (rv=0 and ""). Rows also
# carry server_jit_ms_per_op: the part of the server's CPU its JIT compiler threads used.
#
#   bench/apiserver.sh [--storage rhino|etcd] [-- extra ApiServerBench args]
#
# rhino: kj server's embedded Rhino (SQLite in the data dir); etcd: a fresh real etcd through
# --etcd-servers. Environment as for the other scripts (KJ_TARGET, RHINO_JAVA_OPTS for the
# server's JVM, ETCD, ETCDCTL, KEEP=1). Results are appended to bench/results/apiserver-<time>.txt.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=servers.sh
source "$root/bench/servers.sh"
storage=rhino
extra=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --storage) storage=$2; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n 2,13p "$0"; exit 0 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

bench_setup apiserver
bench_prepare_rhino  # builds kj.jar when stale; finds the JDK

target=${KJ_TARGET:-target}
echo "compiling control-plane test classes into $target ..." >&2
# one reactor run, so rhino-server and api resolve to their target dirs (nothing is installed);
# control-plane comes last and writes the file last
(cd "$root" && mvn -B -q -Dkj.target="$target" -pl control-plane -am test-compile \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$work/deps.txt") >&2
classpath=$root/control-plane/$target/test-classes:$root/control-plane/$target/classes:$(cat "$work/deps.txt")

etcd_flags=()
if [[ $storage == etcd ]]; then
    bench_require_etcd
    etcd_port=$(bench_free_port)
    bench_start etcd "$work/etcd" "$etcd_port"
    bench_await_healthy "127.0.0.1:$etcd_port" "$work/etcd/server.log"
    etcd_pid=$server_pid
    etcd_flags=(--etcd-servers "http://127.0.0.1:$etcd_port")
fi

port=$(bench_free_port)
# shellcheck disable=SC2086
"$bench_java" $(kj_java_flags "$JAVA_HOME") ${RHINO_JAVA_OPTS:-} -jar "$bench_kj_jar" server --data-dir "$work/server" \
    --secure-port "$port" "${etcd_flags[@]}" >"$work/server.log" 2>&1 &
kj_pid=$!
stop_kj() {
    kill "$kj_pid" 2>/dev/null || true
    wait "$kj_pid" 2>/dev/null || true
}
trap 'stop_kj; bench_cleanup' EXIT
for _ in $(seq 1 300); do
    [[ -f $work/server/kubeconfig ]] && break
    kill -0 "$kj_pid" 2>/dev/null || { echo "kj server exited:" >&2; tail -20 "$work/server.log" >&2; exit 1; }
    sleep 0.2
done

{
    echo "# apiserver, $(date -u +%FT%TZ), storage=$storage, ApiServerBench ${extra[*]}"
    bench_machine
    echo "# loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$results"
set +e
"$bench_java" -cp "$classpath" dev.kj.apiserver.bench.ApiServerBench --server "https://127.0.0.1:$port" \
    --pki "$work/server/pki" --server-pid "$kj_pid" --label "kj-$storage" "${extra[@]}" >"$work/bench.log" 2>&1
status=$?
set -e
if [[ $status == 0 ]]; then
    grep '^RESULT' "$work/bench.log" | tee -a "$results"
    echo "# loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results"
else
    echo "FAILED (exit $status):" | tee -a "$results"
    tail -20 "$work/bench.log" | sed 's/^/  /' | tee -a "$results"
fi
echo "results appended to $results" >&2
