#!/usr/bin/env bash
# Runs arenagrad's kernel and graph tests under valgrind memcheck: invalid reads and writes,
# uses of uninitialised memory, and definite or indirect leaks fail the run.
#
#   bash scripts/memcheck.sh            # every lib unit test (kernels, ops, optim, ...) and the
#                                       # graph-level integration tests; see INTEGRATION below
#   bash scripts/memcheck.sh kernels::  # only lib tests whose name contains "kernels::"
#
# Needs valgrind (Debian: apt-get install valgrind). Valgrind 3.19 cannot decode AVX-512, so the
# binaries are built for x86-64-v3 (AVX2 + FMA) instead of the repository's target-cpu=native,
# in their own target dir (MEMCHECK_TARGET_DIR, default target/memcheck) so the normal builds
# are not invalidated. Doctests are skipped (each is its own process built by rustdoc), and so
# are two tests whose numerics valgrind's CPU emulation does not reproduce: kernels::denormals
# (it ignores MXCSR's flush-to-zero bits) and fuzz_props' optim_property (it compares optimizer
# steps bit for bit, and valgrind's emulated FMA gives +0 where the hardware gives -0). Memcheck
# looks for memory errors; the numerics are checked natively by `cargo test`.
# The graph's tests are integration tests: semantics (backward, retain_graph, no_grad, arena
# reuse), errors, fuzz_regressions, and fuzz_props (hundreds of random programs of every op).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

export RUSTFLAGS="-C target-cpu=x86-64-v3"
export CARGO_TARGET_DIR=${MEMCHECK_TARGET_DIR:-target/memcheck}
FILTERS=("$@")
if [ ${#FILTERS[@]} -eq 0 ]; then
    FILTERS=("")
fi
INTEGRATION=(semantics errors fuzz_regressions fuzz_props)

VALGRIND=(valgrind --tool=memcheck --error-exitcode=1 --leak-check=full
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
    --track-origins=yes --quiet)

# The test binaries: the library's unit tests and the chosen integration tests.
build_json=$(cargo test --release --lib "${INTEGRATION[@]/#/--test=}" --no-run --message-format=json)
binaries() {
    printf '%s\n' "$build_json" | grep -o '"executable":"[^"]*"' | sed 's/"executable":"\(.*\)"/\1/'
}
lib=$(binaries | grep '/deps/arenagrad-' | head -n1)

status=0
run() {
    local start=$SECONDS
    printf '\n==== valgrind %s\n' "$*"
    if "${VALGRIND[@]}" "$@" --test-threads=1 -q --skip kernels::denormals --skip optim_property 2>&1 | tail -n 40; then
        printf '==== ok (%ds)\n' $((SECONDS - start))
    else
        printf '==== FAILED (%ds)\n' $((SECONDS - start))
        status=1
    fi
}

for filter in "${FILTERS[@]}"; do
    run "$lib" "$filter"
done
if [ $# -eq 0 ]; then
    for name in "${INTEGRATION[@]}"; do
        run "$(binaries | grep "/deps/${name}-" | head -n1)"
    done
fi
exit $status
