#!/usr/bin/env bash
# CPU time per value of each encryption-at-rest provider (identity, aescbc, aesgcm, secretbox),
# sealing and opening a ~1 KiB Secret as the API server's storage does, measured by
# dev.kj.apiserver.bench.TransformerBench (control-plane test sources) in one thread.
#
#   bench/transformers.sh [--size BYTES] [--ops N]
#
# Results are appended to bench/results/transformers-<time>.txt.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=servers.sh
source "$root/bench/servers.sh"
bench_setup transformers
# shellcheck source=../scripts/find-jdk.sh
source "$root/scripts/find-jdk.sh"
kj_find_jdk
export JAVA_HOME=$KJ_JAVA_HOME
target=${KJ_TARGET:-target}
echo "compiling control-plane test classes into $target ..." >&2
(cd "$root" && mvn -B -q -Dkj.target="$target" -pl control-plane -am test-compile \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$work/deps.txt") >&2
classpath=$root/control-plane/$target/test-classes:$root/control-plane/$target/classes:$(cat "$work/deps.txt")
{
    echo "# transformers, $(date -u +%FT%TZ), TransformerBench $*"
    bench_machine
    "$KJ_JAVA_HOME/bin/java" -cp "$classpath" dev.kj.apiserver.bench.TransformerBench "$@" | grep '^RESULT'
} | tee -a "$results"
