#!/usr/bin/env bash
# `kj server --all-in-one` as a node: the time from starting it to `kubectl get nodes` showing the
# node Ready (p50 over --starts fresh starts, each in a fresh data dir), and the resident memory
# (VmRSS) of kj's process and of the containerd it runs, --idle seconds after the last start.
#
#   bench/allinone.sh [--starts 5] [--idle 60]
#
# As root: each start runs in a network namespace of its own (loopback only), as the e2e tests do,
# so kj's containerd and its CNI bridge never touch the host's network. Needs containerd, runc,
# containernetworking-plugins and kubectl (/usr/bin/kubectl). Environment: KJ_TARGET, KEEP=1.
# Results are appended to bench/results/allinone-<time>.txt.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=servers.sh
source "$root/bench/servers.sh"
starts=5
idle=60
while [[ $# -gt 0 ]]; do
    case $1 in
        --starts) starts=$2; shift 2 ;;
        --idle) idle=$2; shift 2 ;;
        -h|--help) sed -n 2,11p "$0"; exit 0 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ $(id -u) == 0 ]] || { echo "allinone: needs root (network namespaces, containerd)" >&2; exit 1; }
kubectl=${KUBECTL:-/usr/bin/kubectl}

bench_setup allinone
bench_prepare_rhino  # builds kj.jar when stale; finds the JDK

netns=""
kj_pid=""
stop_node() {
    if [[ -n $kj_pid ]]; then
        kill "$kj_pid" 2>/dev/null || true
        wait "$kj_pid" 2>/dev/null || true
        kj_pid=""
    fi
    if [[ -n $netns ]]; then
        ip netns delete "$netns" 2>/dev/null || true
        netns=""
    fi
}
trap 'stop_node; bench_cleanup' EXIT

now_ms() { date +%s%3N; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

{
    echo "# allinone $(date -u +%FT%TZ) $(git -C "$root" rev-parse --short HEAD) loadavg $(cut -d' ' -f1 /proc/loadavg) cpus $(nproc)"
    echo "# java $("$bench_java" -version 2>&1 | head -n1)"
} | tee -a "$results"

times=()
for ((i = 1; i <= starts; i++)); do
    netns=kj-bench-$$-$i
    ip netns add "$netns"
    ip -n "$netns" link set lo up
    data=$work/run-$i
    mkdir -p "$data"
    begin=$(now_ms)
    # shellcheck disable=SC2046
    nsenter --net="/run/netns/$netns" -- "$bench_java" $(kj_java_flags "$JAVA_HOME") -jar "$bench_kj_jar" \
        server --all-in-one --data-dir "$data/data" --secure-port 0 >"$data/kj.log" 2>&1 &
    kj_pid=$!
    ready=""
    while [[ -z $ready ]]; do
        if ! kill -0 "$kj_pid" 2>/dev/null; then
            echo "kj server exited; see $data/kj.log" >&2
            tail -n 20 "$data/kj.log" >&2
            exit 1
        fi
        if [[ -f $data/data/kubeconfig ]] && nsenter --net="/run/netns/$netns" -- "$kubectl" --kubeconfig "$data/data/kubeconfig" \
            --cache-dir "$data/cache" get nodes --no-headers 2>/dev/null | awk '$2 == "Ready" {found=1} END {exit !found}'; then
            ready=$(($(now_ms) - begin))
        else
            sleep 0.1
        fi
    done
    times+=("$ready")
    echo "start $i: node Ready after $ready ms (loadavg $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$results"
    if ((i == starts)); then
        sleep "$idle"
        containerd_pid=$(pgrep -f -- "--config $data/data/containerd/config.toml" | head -n1 || true)
        echo "rss after ${idle}s idle: kj $(( $(rss_kib "$kj_pid") / 1024 )) MiB, its containerd $(( $(rss_kib "${containerd_pid:-0}") / 1024 )) MiB (loadavg $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$results"
    fi
    stop_node
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
p50=$(sed -n "$(( (starts + 1) / 2 ))p" <<<"$sorted")
echo "start to node Ready: p50 $p50 ms over $starts starts (all: $(tr '\n' ' ' <<<"$sorted"))" | tee -a "$results"
