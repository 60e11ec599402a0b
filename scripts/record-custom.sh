#!/bin/bash
# record-custom.sh VERSION CONFIG_NAME [CASE...]: the fixtures of one custom kernel build, end to end.
# Builds the kernel with scripts/build-kernel.sh when its bzImage is not there yet, boots the cases of
# scripts/kernel-configs/cases.list (all of them, or the CASEs named) with scripts/record-fixtures.ts, and
# keeps the build's .config beside the logs, in test/fixtures/custom/VERSION-CONFIG_NAME/ (config, build-info).
# A case whose complete log is already there is not booted again (delete the file to record it anew).
#
#   scripts/record-custom.sh 7.3 cma
#   scripts/record-custom.sh 6.12 min k01-1node-2m-hvo k02-2node-1g-hvo
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 VERSION CONFIG_NAME [CASE...]" >&2; exit 2; }
VERSION=$1
NAME=$2
shift 2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KBUILD=${KBUILD:-${TMPDIR:-/tmp}/hvosim-kbuild}
B="$KBUILD/$VERSION-$NAME"
[ -f "$B/bzImage" ] && [ -f "$B/kernel-name" ] || KBUILD="$KBUILD" "$ROOT/scripts/build-kernel.sh" "$VERSION" "$NAME"
# The nearest kernel generation hvosim knows (record-fixtures.ts wants one; the header names the build itself).
case $VERSION in
  6.12) GEN=6.12 ;;
  7.1) GEN=7.1 ;;
  7.2) GEN=7.2 ;;
  7.3) GEN=7.3 ;;
  *) echo "no hvosim generation near $VERSION" >&2; exit 2 ;;
esac
OUT="$ROOT/test/fixtures/custom/$VERSION-$NAME"
mkdir -p "$OUT"
cp "$B/.config" "$OUT/config"
cp "$B/build-info" "$OUT/build-info"
cd "$ROOT"
record() {
  nice -n 10 npx tsx scripts/record-fixtures.ts --kernel "$GEN" --kernel-image "$B/bzImage" --kernel-name "$(cat "$B/kernel-name")" \
    --list scripts/kernel-configs/cases.list --out "$OUT" --work "${TMPDIR:-/tmp}/hvosim-oracle-custom" "$@"
}
# A boot can lose its dumps to a console line of a late driver (the PS/2 mouse's "input: ImExPS/2 ..."):
# the cases that failed are booted once more.
record "$@" || { echo "booting the failed cases again" >&2; record "$@"; }
# The kernel's own "reboot: Power down" can land inside a dump still draining to the console, cutting a
# dmesg line: such a log is recorded once more.
cut=$(grep -l '[^ ]\[ *[0-9.]*\] reboot: Power down' "$OUT"/*.txt || true)
if [ -n "$cut" ]; then
  echo "booting again, a dmesg line cut by the power-off: $cut" >&2
  rm -f $cut
  record $(for f in $cut; do basename "$f" .txt; done)
fi
