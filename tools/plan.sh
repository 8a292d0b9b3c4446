#!/usr/bin/env bash
# Planning a session policy for a directory of 100,100 users (about 98,000 of them
# active people, each under a rule or the default): the library's plan on both
# transports (benches/policy.rs) and the CLI's `plan examples/policy.toml` under
# /usr/bin/time -v, against an emulator in a process of its own, pacing off: the wall
# time and the client's peak memory.
# Usage: bash tools/plan.sh   (from the repository root; about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p slack-sessions-cli
bin=target/release/slack-sessions
. tools/emulator.sh
bench=$(bench_binary policy)
start_emulator --users 90000
"$bench" --bench
/usr/bin/time -v "$bin" plan examples/policy.toml --rate 1000000 --json \
    > "$work/plan.json" 2> "$work/time"
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time")
python3 - "$work/plan.json" "$wall" "$rss" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
planned = p["changes"] + p["unknown"] + p["keep"]
print(f"cli: plan of {planned} users ({p['changes']} to change, {p['unknown']} not returned); "
      f"wall {sys.argv[2]}; peak RSS {int(sys.argv[3]) / 1024:.1f} MiB")
PY
/usr/bin/time -v "$bin" plan examples/policy.toml --rate 1000000 > /dev/null 2> "$work/time"
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time")
echo "cli, the human plan: wall $wall; peak RSS $((rss / 1024)) MiB"
