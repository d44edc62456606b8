# shellcheck shell=bash
# Sourced by the bench scripts: starts and stops a fresh real etcd or a fresh kj rhino on loopback.
#
#   bench_prepare_rhino        builds kj via ./kj when stale and snapshots the jar into $work
#   bench_start etcd|rhino|rhino-pg|rhino-redis DIR PORT; bench_await_healthy 127.0.0.1:PORT LOG; bench_stop
#
# rhino-pg serves a fresh database on the machine's PostgreSQL (BENCH_PG, default
# postgres://postgres@127.0.0.1:5432), dropped afterwards; rhino-redis serves a private
# redis-server started in DIR with appendonly yes and appendfsync always (what rhino requires).
#
# Needs: $root (checkout), $work (scratch dir). Honours ETCD, ETCDCTL, KJ_TARGET, RHINO_JAVA_OPTS.

ETCD=${ETCD:-/usr/bin/etcd}
ETCDCTL=${ETCDCTL:-/usr/bin/etcdctl}
export ETCDCTL_API=3
server_pid=""
redis_pid=""
pg_database=""

# A scratch dir ($work, removed at exit unless KEEP=1, with any server still running stopped) and
# the results file ($results: bench/results/NAME-<time>.txt).
bench_setup() {
    work=$(mktemp -d "/tmp/kj-$1.XXXXXX")
    mkdir -p "$root/bench/results"
    results=$root/bench/results/$1-$(date -u +%Y%m%dT%H%M%SZ).txt
    trap bench_cleanup EXIT
}

bench_cleanup() {
    bench_stop
    [[ ${KEEP:-0} == 1 ]] || rm -rf "$work"
}

bench_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

bench_require_etcd() {
    local tool
    for tool in "$ETCD" "$ETCDCTL"; do
        [[ -x $tool ]] || { echo "missing $tool (apt-get install etcd-server etcd-client)" >&2; return 1; }
    done
}

# Runs the jar ./kj built, not ./kj itself, which would rebuild mid-run when a source file changes.
bench_prepare_rhino() {
    echo "building kj (if stale) ..." >&2
    "$root/kj" --version >/dev/null
    # shellcheck source=../scripts/find-jdk.sh
    source "$root/scripts/find-jdk.sh"
    kj_find_jdk
    export JAVA_HOME=$KJ_JAVA_HOME
    bench_java=$KJ_JAVA_HOME/bin/java
    bench_kj_jar=$work/kj.jar
    cp "$root/cli/${KJ_TARGET:-target}/kj.jar" "$bench_kj_jar"
}

bench_start() {
    local server=$1 dir=$2 port=$3 peer
    mkdir -p "$dir"
    case $server in
        etcd)
            peer=$(bench_free_port)
            "$ETCD" --data-dir "$dir/data" \
                --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
                --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
                --initial-cluster "default=http://127.0.0.1:$peer" >"$dir/server.log" 2>&1 &
            ;;
        rhino|rhino-pg|rhino-redis)
            local endpoint=()
            if [[ $server == rhino-pg ]]; then
                pg_database=rhino_bench_$(date +%s)_$RANDOM
                endpoint=(--endpoint "${BENCH_PG:-postgres://postgres@127.0.0.1:5432}/$pg_database")
            elif [[ $server == rhino-redis ]]; then
                local redis_port
                redis_port=$(bench_free_port)
                mkdir -p "$dir/redis"
                redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir/redis" --appendonly yes \
                    --appendfsync always --save '' >"$dir/redis.log" 2>&1 &
                redis_pid=$!
                for _ in $(seq 1 50); do
                    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
                    sleep 0.1
                done
                endpoint=(--endpoint "redis://127.0.0.1:$redis_port/0")
            fi
            # shellcheck disable=SC2086
            # The flags ./kj uses, then RHINO_JAVA_OPTS (later flags win).
            "$bench_java" $(kj_java_flags "$JAVA_HOME") ${RHINO_JAVA_OPTS:-} -jar "$bench_kj_jar" rhino --data-dir "$dir/data" "${endpoint[@]}" \
                --listen-client-urls "http://127.0.0.1:$port" >"$dir/server.log" 2>&1 &
            ;;
        *) echo "unknown server $server" >&2; return 2 ;;
    esac
    server_pid=$!
}

bench_await_healthy() {
    local endpoint=$1 log=$2
    for _ in $(seq 1 300); do
        if ! kill -0 "$server_pid" 2>/dev/null; then
            echo "server exited; log:" >&2; tail -20 "$log" >&2; return 1
        fi
        if "$ETCDCTL" --endpoints="$endpoint" --command-timeout=1s endpoint health >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.2
    done
    echo "server did not become healthy; log:" >&2; tail -20 "$log" >&2
    return 1
}

bench_stop() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
    fi
    [[ -n $server_pid ]] && wait "$server_pid" 2>/dev/null || true
    server_pid=""
    if [[ -n $redis_pid ]]; then
        kill "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
        redis_pid=""
    fi
    if [[ -n $pg_database ]]; then
        psql "${BENCH_PG:-postgres://postgres@127.0.0.1:5432}/postgres" -qc "DROP DATABASE IF EXISTS $pg_database" \
            >/dev/null 2>&1 || true
        pg_database=""
    fi
}

# Compiles rhino-server's test classes (the bench programs live there) into $KJ_TARGET and sets
# $classpath to run them. Needs $work.
bench_test_classpath() {
    local target=${KJ_TARGET:-target}
    echo "compiling rhino-server test classes into $target ..." >&2
    (cd "$root" && mvn -B -q -o -Dkj.target="$target" -pl rhino-server -am test-compile \
        && mvn -B -q -Dkj.target="$target" -pl rhino-server \
            org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
            -Dmdep.includeScope=test -Dmdep.outputFile="$work/deps.txt") >&2
    classpath=$root/rhino-server/$target/test-classes:$root/rhino-server/$target/classes:$(cat "$work/deps.txt")
}

bench_machine() {
    echo "# machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -sr)"
    echo "# etcd: $("$ETCD" --version | head -1); etcdctl: $("$ETCDCTL" version | head -1)"
}
