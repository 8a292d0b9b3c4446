#!/usr/bin/env bash
# A million users: the CLI's peak memory (with and without --json) (/usr/bin/time -v) and wall time on both
# transports, against the library's bulk call on the same IDs and the same emulator.
# Usage: bash tools/million.sh   (from the repository root; about two minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p slack-sessions-cli
bin=target/release/slack-sessions
. tools/emulator.sh
bench=$(bench_binary million)
python3 -c "
with open('$work/1M.txt', 'w') as f:
    f.writelines('U%08d\n' % i for i in range(1_000_000))"
start_emulator --users 1000000
# Three rounds, interleaved (the machine is shared): each row's median, and the ratios.
for round in 1 2 3; do
    for t in blocking async; do
        /usr/bin/time -v "$bin" set --duration 12h --users-file "$work/1M.txt" --rate 1000000 \
            -q --transport "$t" > /dev/null 2> "$work/time.$t"
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.$t")
        wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.$t")
        echo "cli $t $wall $rss"
        # The same run with the JSON report on standard output: the report is written
        # as it is serialized, so its million user IDs add nothing to the peak.
        /usr/bin/time -v "$bin" set --duration 12h --users-file "$work/1M.txt" --rate 1000000 \
            -q --json --transport "$t" > "$work/report.json" 2> "$work/time.$t"
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.$t")
        wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.$t")
        echo "cli--json $t $wall $rss"
    done
    "$bench" --bench | awk '{ print "library", $2, $7 }' | tr -d ':'
done > "$work/rows"
python3 - "$work/rows" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kind, transport, wall, *rss = line.split()
    if ":" in wall:
        m, s = wall.split(":")
        wall = float(m) * 60 + float(s)
    rows.setdefault((kind, transport), []).append((float(wall), float(rss[0]) / 1024 if rss else None))
for (kind, t), v in sorted(rows.items()):
    wall = statistics.median(w for w, _ in v)
    rss = max((r for _, r in v if r is not None), default=None)
    peak = f", peak RSS {rss:.1f} MiB" if rss else ""
    print(f"{kind:9} {t:>8}: wall {wall:.2f} s (median of {len(v)}){peak}")
for t in ("blocking", "async"):
    cli = statistics.median(w for w, _ in rows[("cli", t)])
    lib = statistics.median(w for w, _ in rows[("library", t)])
    print(f"cli / library, {t}: {cli / lib:.2f}")
PY
