# shellcheck shell=bash
# Sourced by ./kj, ./test and .ci/run: finds a JDK whose version is at least KJ_MIN_JAVA.
#
#   kj_find_jdk   sets KJ_JAVA_HOME and returns 0, or prints ONE line to stderr and returns 1
#
# Order: $JAVA_HOME, `java` on PATH, then the usual install folders (newest version first).
# Versions are read from the JDK itself, never from folder names.

KJ_MIN_JAVA=${KJ_MIN_JAVA:-21}

# Prints the feature version (8, 17, 21, 25 ...) of the JDK at $1, or nothing when $1 is not a JDK.
kj_jdk_version() {
    local home=$1 version=''
    [[ -x $home/bin/java && -x $home/bin/javac ]] || return 1
    if [[ -r $home/release ]]; then
        version=$(sed -n 's/^JAVA_VERSION="\(.*\)"$/\1/p' "$home/release")
    fi
    if [[ -z $version ]]; then
        version=$("$home/bin/java" -XshowSettings:properties -version 2>&1 \
            | sed -n 's/^ *java\.specification\.version = //p')
    fi
    version=${version#1.}        # 1.8.0_402 -> 8.0_402
    version=${version%%[.+_-]*}  # 21.0.4 -> 21, 25-ea -> 25
    [[ $version =~ ^[0-9]+$ ]] || return 1
    echo "$version"
}

# Candidates in order of preference; duplicates (symlinks) are harmless.
kj_jdk_candidates() {
    [[ -n ${JAVA_HOME:-} ]] && echo "$JAVA_HOME"
    local java
    if java=$(command -v java 2>/dev/null); then
        java=$(readlink -f "$java")
        dirname "$(dirname "$java")"
    fi
    local dir found=()
    for dir in /usr/lib/jvm/* /opt/java /opt/java/* /usr/java/* "$HOME"/.sdkman/candidates/java/*; do
        [[ -d $dir && ! -L $dir ]] && found+=("$(kj_jdk_version "$dir" || echo 0) $dir")
    done
    # Newest first among the install folders.
    ((${#found[@]})) && printf '%s\n' "${found[@]}" | sort -rn -k1,1 | cut -d' ' -f2-
    return 0
}

kj_find_jdk() {
    local home version seen=()
    local -A visited=()
    while IFS= read -r home; do
        [[ -n $home ]] || continue
        home=$(readlink -f "$home") || continue
        [[ -z ${visited[$home]:-} ]] || continue
        visited[$home]=1
        if version=$(kj_jdk_version "$home"); then
            if ((version >= KJ_MIN_JAVA)); then
                KJ_JAVA_HOME=$home
                return 0
            fi
            seen+=("Java $version at $home")
        fi
    done < <(kj_jdk_candidates)
    local also=''
    ((${#seen[@]})) && also="; found only $(IFS=,; echo "${seen[*]}" | sed 's/,/, /g')"
    echo "kj: no JDK ${KJ_MIN_JAVA} or newer found (looked at \$JAVA_HOME, java on PATH, /usr/lib/jvm/*, /opt/java, /usr/java/*, ~/.sdkman/candidates/java/*)${also}; install one or set JAVA_HOME" >&2
    return 1
}

# JDK 24+ warns at every start about sun.misc.Unsafe, which Maven's own libraries (and protobuf,
# netty) still use; these flags keep the output to what matters. Prints nothing on older JDKs.
kj_unsafe_flag() {
    local version
    version=$(kj_jdk_version "$1") && ((version >= 24)) && echo "--sun-misc-unsafe-memory-access=allow"
    return 0
}

# The JVM flags kj runs with: the throughput collector (Parallel GC) instead of G1, which under
# rhino's load (small live set, many short-lived gRPC/Netty objects) gave ~7 % more writes/s in
# `etcdctl check perf --load=l` (docs/benchmarks.md); plus kj_unsafe_flag.
kj_java_flags() {
    echo "-XX:+UseParallelGC $(kj_unsafe_flag "$1")"
}
