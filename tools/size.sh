#!/usr/bin/env bash
# Binary sizes: examples/minimal_blocking.rs (webpki roots, then the OS store) against a
# bare ureq 3 program with default features, all stripped, with the `min-size` profile.
# Usage: bash tools/size.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --profile min-size --example minimal_blocking
cp target/min-size/examples/minimal_blocking target/min-size/minimal_webpki
cargo build -q --profile min-size --example minimal_blocking --features native-roots
cp target/min-size/examples/minimal_blocking target/min-size/minimal_native
cargo build -q --profile min-size --manifest-path tools/bare-ureq/Cargo.toml \
    --target-dir target/bare-ureq
bare=$(stat -c %s target/bare-ureq/min-size/bare-ureq)
for f in target/min-size/minimal_webpki target/min-size/minimal_native; do
    size=$(stat -c %s "$f")
    awk -v n="$(basename "$f")" -v s="$size" -v b="$bare" \
        'BEGIN { printf "%-16s %9d bytes  %.3fx bare ureq (%d bytes)\n", n, s, s / b, b }'
done
