#!/usr/bin/env bash
# A million users: the CLI's peak memory (/usr/bin/time -v) and wall time on both
# transports, against the library's bulk call on the same IDs and the same emulator.
# Usage: bash tools/million.sh   (from the repository root; about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p slack-sessions-cli
cargo bench -q --bench million --all-features --no-run 2>/dev/null
bench=$(ls -t target/release/deps/million-* | grep -v '\.d$' | head -1)
bin=target/release/slack-sessions
work=$(mktemp -d)
trap 'kill "$emu" 2>/dev/null; rm -rf "$work"' EXIT
python3 -c "
with open('$work/1M.txt', 'w') as f:
    f.writelines('U%08d\n' % i for i in range(1_000_000))"
"$bin" emulator --users 1000000 --rate-limit 0 > "$work/emu.log" &
emu=$!
for _ in $(seq 50); do grep -q "base url" "$work/emu.log" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^base url: //p' "$work/emu.log")
export SLACK_TOKEN=xoxp-emulator-admin SLACK_API_URL="$url"
for t in blocking async; do
    /usr/bin/time -v "$bin" set --duration 12h --users-file "$work/1M.txt" --rate 1000000 \
        -q --transport "$t" > /dev/null 2> "$work/time.$t"
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.$t")
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.$t")
    awk -v t="$t" -v r="$rss" -v w="$wall" 'BEGIN { printf "cli     %8s: wall %s, peak RSS %.1f MiB\n", t, w, r / 1024 }'
done
"$bench" --bench
