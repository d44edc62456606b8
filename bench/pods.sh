#!/usr/bin/env bash
# Issue #7's node figures: `kj server --all-in-one` started as the e2e tests start it (in a network
# namespace of its own, with a docker-registry holding the busybox image, kj running its own
# containerd), measured by dev.kj.e2e.PodStartupBench (e2e test sources): start → node Ready; pod
# startup latency (create → Running and ready, image present) p50/p99 over --pods pods created at
# --rate per second; VmRSS of kj and its containerd with --keep pods running, 30 s after the rest
# were deleted.
#
#   bench/pods.sh [--pods 100] [--rate 5] [--keep 30]
#
# As root, with the e2e peers (containerd, runc, containernetworking-plugins, docker-registry,
# skopeo, busybox-static, kubectl). Environment: KJ_TARGET. Results are appended to
# bench/results/pods-<time>.txt.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=servers.sh
source "$root/bench/servers.sh"
args=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --pods|--rate|--keep) args+=("$1" "$2"); shift 2 ;;
        -h|--help) sed -n 2,13p "$0"; exit 0 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ $(id -u) == 0 ]] || { echo "pods: needs root (network namespaces, containerd)" >&2; exit 1; }

bench_setup pods
bench_prepare_rhino  # finds the JDK
target=${KJ_TARGET:-target}
echo "building kj.jar and the e2e test classes into $target ..." >&2
(cd "$root" && mvn -B -q -Dkj.target="$target" -pl e2e -am package -DskipTests \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$work/deps.txt") >&2
classpath=$root/e2e/$target/test-classes:$(cat "$work/deps.txt")

{
    echo "# pods $(date -u +%FT%TZ) $(git -C "$root" rev-parse --short HEAD) loadavg $(cut -d' ' -f1 /proc/loadavg) cpus $(nproc) ${args[*]}"
    echo "# java $("$bench_java" -version 2>&1 | head -n1)"
} | tee -a "$results"
# The wrapper runs the JVM in a network namespace of its own, as Surefire runs the e2e tests.
KJ_REAL_JAVA=$bench_java "$root/scripts/netns-jvm/bin/java" -Dkj.root="$root" -Dkj.target="$target" -Dkj.java="$bench_java" \
    -cp "$classpath" dev.kj.e2e.PodStartupBench "${args[@]}" | tee -a "$results"
echo "# loadavg after $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$results"
