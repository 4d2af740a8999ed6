#!/usr/bin/env bash
# Benchmark syncmld with shared/peers/bench_peers.sh and print it beside the peer servers.
#
#   bench/peers.sh                      1,000 and 5,000 contacts, 3 repetitions each
#   bench/peers.sh --reps 1             any further option goes to bench_peers.sh
#   bench/peers.sh --sizes 20000 --reps 1
#
# Runs `bench_peers.sh --target custom` on `syncmld serve` (glue: shared/peers/syncmld_target.sh;
# method: shared/peers/README.md), then prints one table of server CPU, wall time and items per
# phase (slow, noop, ten, recv) for syncmld beside SyncEvolution's and Horde's recorded runs
# (shared/peers/bench-results, the figures of shared/peers/RESULTS.md, 1,000 to 20,000 contacts).
# Results go to $BENCH_OUT (default /tmp/bench-peers/syncmld-DATE.jsonl).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
peers="$(dirname "$repo")/shared/peers"
cd "$repo"
source scripts/venv.sh
ensure_venv ""

out="${BENCH_OUT:-/tmp/bench-peers/syncmld-$(date -u +%Y%m%dT%H%M%SZ).jsonl}"
mkdir -p "$(dirname "$out")"
export SYNCMLD="$repo/.venv/bin/syncmld"

cd "$peers"
./bench_peers.sh --target custom --label syncmld \
    --user bench@example.com --password bench-secret --remote-db contacts \
    --start-cmd './syncmld_target.sh start' \
    --stop-cmd './syncmld_target.sh stop' \
    --pid-cmd './syncmld_target.sh pids' \
    --sizes "1000 5000" --reps 3 --out "$out" "$@"

echo
echo "syncmld beside the peers (their figures: $peers/RESULTS.md)"
./bench_peers.sh --report bench-results/syncevolution-1000-5000.jsonl bench-results/horde-1000-5000.jsonl \
    bench-results/syncevolution-20000.jsonl bench-results/horde-20000.jsonl "$out" --markdown
