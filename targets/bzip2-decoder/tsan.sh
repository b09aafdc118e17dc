#!/usr/bin/env bash
# Runs the tests that exercise the parallel decoder under ThreadSanitizer (needs nightly + rust-src).
#   bash targets/bzip2-decoder/tsan.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
host="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTFLAGS="-Zsanitizer=thread"
export RUSTDOCFLAGS="-Zsanitizer=thread"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/target-bzip2-tsan}"
# The C oracle (libbz2) is not instrumented; it is single-threaded and only used by the tests.
export TSAN_OPTIONS="halt_on_error=1"
cargo +nightly test -Zbuild-std --target "$host" -p bzip2-decoder --no-default-features \
    --test oracle --test malformed -- parallel concatenated trailing truncation output_limit straddling \
    streaming_with_threads one_shot_calls bad_first_block fall_back dropping_a_streaming_decoder
# The hand-over of block stages between threads (`src/assist.rs`) and the waits (`src/wait.rs`).
cargo +nightly test -Zbuild-std --target "$host" -p bzip2-decoder --no-default-features \
    --lib -- assist wait
