# Sourced by the bench scripts: a work directory removed on exit, and an emulator in a
# process of its own, stopped on exit.
#   start_emulator [ARGS...]   starts `slack-sessions emulator --rate-limit 0 ARGS...` and
#                              exports SLACK_API_URL and SLACK_TOKEN for it
#   bench_binary NAME          builds bench NAME and prints the path of its binary
# Needs `bin` (the CLI's binary) set.
work=$(mktemp -d)
emu=
trap '[ -n "$emu" ] && kill "$emu" 2>/dev/null; rm -rf "$work"' EXIT

start_emulator() {
    "$bin" emulator --rate-limit 0 "$@" > "$work/emu.log" &
    emu=$!
    for _ in $(seq 100); do grep -q "base url" "$work/emu.log" 2>/dev/null && break; sleep 0.1; done
    SLACK_API_URL=$(sed -n 's/^base url: //p' "$work/emu.log")
    if [ -z "$SLACK_API_URL" ]; then
        echo "the emulator did not start:" >&2
        cat "$work/emu.log" >&2
        exit 1
    fi
    export SLACK_API_URL SLACK_TOKEN=xoxp-emulator-admin
}

bench_binary() {
    cargo bench -q --bench "$1" --all-features --no-run 2>/dev/null
    ls -t target/release/deps/"$1"-* | grep -v '\.d$' | head -1
}
