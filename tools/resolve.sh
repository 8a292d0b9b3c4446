#!/usr/bin/env bash
# 40,000 emails resolved against a directory of 100,100 users, and against one of
# 1,000,100: the calls, the wall time, and the client's peak memory (the emulator runs in
# a process of its own), through the library (benches/resolve.rs) and the CLI
# (`users resolve`, under /usr/bin/time -v).
# Usage: bash tools/resolve.sh   (from the repository root; about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p slack-sessions-cli
bin=target/release/slack-sessions
. tools/emulator.sh
bench=$(bench_binary resolve)
python3 -c "
with open('$work/40k.txt', 'w') as f:
    f.writelines('u%08d@example.com\n' % i for i in range(40_000))"
for users in 90000 990000; do
    start_emulator --users "$users"
    echo "== directory of $((users + 10100)) users"
    "$bench" --bench
    # Exit 1: the 800 deactivated users' addresses match nobody.
    /usr/bin/time -v "$bin" users resolve --emails-file "$work/40k.txt" --rate 1000000 --json \
        > "$work/resolved.jsonl" 2> "$work/time" || [ $? -eq 1 ]
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time")
    line=$(grep '^resolved ' "$work/time")
    echo "cli: $line; wall $wall; peak RSS $((rss / 1024)) MiB; $(wc -l < "$work/resolved.jsonl") users printed"
    kill "$emu"
    wait "$emu" 2>/dev/null || true
    emu=
done
