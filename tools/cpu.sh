#!/usr/bin/env bash
# CPU per call and start-up, each against its floor, with the emulator in a process of
# its own: instructions per call (callgrind) of the blocking client against a bare ureq
# agent sending the same pre-encoded request; and the wall time of a CLI `get` for one
# user from a fresh process against one raw ureq call from a fresh process (median of 20).
# Usage: bash tools/cpu.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p slack-sessions-cli
bin=target/release/slack-sessions
. tools/emulator.sh
calls=$(bench_binary calls)
start_emulator
ir() { # instructions of `calls $1 $2`
    valgrind --tool=callgrind --callgrind-out-file="$work/cg" "$calls" --bench "$1" "$2" 2>&1 \
        | sed -n 's/.*Collected : //p'
}
for mode in raw client; do
    small=$(ir "$mode" 200); big=$(ir "$mode" 2200)
    echo "$mode $(( (big - small) / 2000 ))"
done > "$work/ir"
awk '{ ir[$1] = $2 } END { printf "instructions per call: client %d, raw ureq %d, ratio %.3f\n", ir["client"], ir["raw"], ir["client"] / ir["raw"] }' "$work/ir"
python3 - "$bin" "$calls" <<'PY'
import statistics, subprocess, sys, time
bin, calls = sys.argv[1], sys.argv[2]
def median(cmd):
    times = []
    for _ in range(20):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)
cli = median([bin, "get", "U00000001", "-q"])
raw = median([calls, "--bench", "startup"])
print(f"start-up: cli get {cli*1e3:.2f} ms, raw ureq call {raw*1e3:.2f} ms, ratio {cli/raw:.2f}")
PY
