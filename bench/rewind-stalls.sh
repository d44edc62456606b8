#!/usr/bin/env bash
# Summarises the SQLite writer's WAL rewinds in a rhino server.log written with
# bench/sqlite-rewind-debug.properties (see docs/benchmarks.md): how long each held up the writer
# and how many frames the writer copied itself.
#
#   bench/rewind-stalls.sh /tmp/kj-check-perf.XXXX/rhino-l/server.log
set -euo pipefail
grep 'WAL rewind stall' "$1" \
    | sed -E 's/.*stall ([0-9.]+) ms: ([0-9]+) frames in the WAL, (-?[0-9]+) copied by the writer.*/\1 \3/' \
    | python3 -c '
import sys
rows = [tuple(map(float, l.split())) for l in sys.stdin]
if not rows:
    print("no rewinds logged"); sys.exit()
def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(p * len(xs)))]
stall = [r[0] for r in rows]
frames = [r[1] for r in rows if r[1] >= 0]  # negative: a second rewind of an already rewound WAL
print("rewinds %d; stall ms p50 %.1f p90 %.1f max %.1f total %.0f; frames copied by the writer p50 %d p90 %d max %d"
      % (len(rows), pct(stall, .5), pct(stall, .9), max(stall), sum(stall), pct(frames, .5), pct(frames, .9), max(frames)))
'
