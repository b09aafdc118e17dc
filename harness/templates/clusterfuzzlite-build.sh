#!/usr/bin/env bash
# <{ header }>
#
# Builds every fuzz target of <{ fuzz_dir }>/Cargo.toml with `cargo fuzz build -O` into $OUT, with
# its seed corpus (<target>_seed_corpus.zip: <{ fuzz_dir }>/corpus/<target>/ plus
# <{ fuzz_dir }>/regressions/<target>/) and dictionary (<{ fuzz_dir }>/dict/<target>.dict), the layout
# ClusterFuzzLite and OSS-Fuzz expect. Targets are listed by `cargo fuzz list` when it runs, so a
# target added later is built without regenerating this file.
#
# In the build image (see Dockerfile) it runs as is. Locally, for a test build:
#   OUT=$(mktemp -d) SANITIZER=none bash .clusterfuzzlite/build.sh
# Environment: OUT (required), SRC (default: the repository holding this script), FUZZ_DIR (default
# $SRC/<{ project }>/<{ fuzz_dir }>), SANITIZER (address, the default, or none), CARGO_TARGET_DIR.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${OUT:?set OUT to the folder the fuzz targets go to}"
if [ -d "${SRC:-}/<{ project }>" ]; then
  repo="$SRC/<{ project }>"
else
  repo="$(cd "$here/.." && pwd)"
fi
fuzz_dir="$(cd "${FUZZ_DIR:-$repo/<{ fuzz_dir }>}" && pwd)"
mkdir -p "$OUT"

cargo=(cargo)
if ! cargo --version | grep -q nightly; then
  cargo=(cargo +nightly)
fi

flags=(-O --debug-assertions --fuzz-dir "$fuzz_dir")
case "${SANITIZER:-address}" in
  none) flags+=(--sanitizer none) ;;
  *) ;; # address is cargo-fuzz's default; for others the base image's cargo wrapper sets the flags
esac
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
  target_dir="$CARGO_TARGET_DIR/fuzz"
else
  target_dir="$fuzz_dir/target"
fi
triple="$(rustc "${cargo[@]:1}" -vV | sed -n 's/^host: //p')"

targets=$(cd "$fuzz_dir" && "${cargo[@]}" fuzz list --fuzz-dir "$fuzz_dir")
[ -n "$targets" ] || { echo "error: $fuzz_dir/Cargo.toml declares no fuzz targets" >&2; exit 1; }
for t in $targets; do
  (cd "$fuzz_dir" && "${cargo[@]}" fuzz build "${flags[@]}" --target "$triple" --target-dir "$target_dir" "$t")
  cp "$target_dir/$triple/release/$t" "$OUT/$t"
  seeds=()
  for d in "$fuzz_dir/corpus/$t" "$fuzz_dir/regressions/$t"; do
    if [ -d "$d" ] && [ -n "$(ls -A "$d")" ]; then
      seeds+=("$d"/*)
    fi
  done
  if [ ${#seeds[@]} -gt 0 ]; then
    rm -f "$OUT/${t}_seed_corpus.zip"
    zip -qj "$OUT/${t}_seed_corpus.zip" "${seeds[@]}"
  fi
  if [ -f "$fuzz_dir/dict/$t.dict" ]; then
    cp "$fuzz_dir/dict/$t.dict" "$OUT/$t.dict"
  fi
  echo "built $t"
done
