#!/bin/bash
# Record the project's own real-kernel fixtures with ../shared/oracle/boot.sh.
# Each line: NAME|NODE_SIZES|CMDLINE[|kaslr]. Re-running only records missing files.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
oracle=${ORACLE:-$here/../shared/oracle/boot.sh}
outdir=${OUT:-$here/test/fixtures/linux-6.1}
mkdir -p "$outdir"
while IFS='|' read -r name sizes cmdline kaslr; do
  [ -z "$name" ] && continue
  case "$name" in \#*) continue;; esac
  out="$outdir/$name.txt"
  [ -s "$out" ] && continue
  echo "recording $name: nodes=[$sizes] $cmdline" >&2
  if [ "$kaslr" = kaslr ]; then ORACLE_KASLR=1 bash "$oracle" "$out" "$sizes" "$cmdline"; else bash "$oracle" "$out" "$sizes" "$cmdline"; fi || echo "FAILED $name" >&2
done < "$here/scripts/fixtures.list"
