#!/usr/bin/env bash
# People files are streamed, each address kept once as it is read: the CLI's peak memory
# (/usr/bin/time -v) reading 2,000,000 lines of emails (one address repeated, as the
# adversary's file; and 2,000,000 distinct addresses), as an emails file and as an
# except file; and `plan --json` of about 100,000 users. Against an emulator in a
# process of its own, pacing off.
# Usage: bash tools/people.sh   (from the repository root; about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p slack-sessions-cli
bin=target/release/slack-sessions
. tools/emulator.sh
python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
with open(f"{w}/same.txt", "w") as f:
    f.writelines("u00000001@example.com\n" for _ in range(2_000_000))
with open(f"{w}/distinct.txt", "w") as f:
    f.writelines(f"person{i:07}@example.com\n" for i in range(2_000_000))
PY
peak() {
    /usr/bin/time -v "$@" > /dev/null 2> "$work/time" || true
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time")
    echo "wall $wall; peak RSS $((rss / 1024)) MiB"
}
start_emulator --users 1000
for f in same distinct; do
    size=$(du -m "$work/$f.txt" | cut -f1)
    echo "emails file, 2,000,000 lines ($f, $size MB): $(peak "$bin" users resolve -q --emails-file "$work/$f.txt" --rate 1000000)"
    echo "except file, 2,000,000 lines ($f, $size MB): $(peak "$bin" users resolve -q --guests --except-file "$work/$f.txt" --allow-unmatched-exceptions --rate 1000000)"
done
kill "$emu"; emu=
start_emulator --users 100000
echo "plan --json, 100,000-user directory: $(peak "$bin" plan examples/policy.toml --json --rate 1000000)"
echo "plan, the human plan:              $(peak "$bin" plan examples/policy.toml --rate 1000000)"
