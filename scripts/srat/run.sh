#!/bin/bash
# Record a real boot whose NUMA nodes cover only part of the RAM: a 2 GiB q35 guest without -numa,
# given our own SRAT (srat-node0-1G.bin: node 0 holds [0, 640K) and [1M, 1G)) with -acpitable.
# usage: run.sh OUT "CMDLINE"   (uses the 6.1 kernel and initramfs the conformance oracle left in $ORACLE_WORK:
# run `npm run conformance -- --cases 1` once first)
set -u
out=$1; cmdline=$2
here=$(cd "$(dirname "$0")" && pwd)
w=${ORACLE_WORK:-${TMPDIR:-/tmp}/hvosim-oracle}
timeout 300 qemu-system-x86_64 -machine q35 -cpu qemu64,+pdpe1gb -smp 1 -m 2048M -acpitable file="$here/srat-node0-1G.bin" \
  -kernel "$w/vmlinuz-6.1" -initrd "$w/initrd.gz" -nographic -no-reboot < /dev/null \
  -append "console=ttyS0 nokaslr memblock=debug log_buf_len=4M $cmdline" > "$out.raw" 2>&1
tr -d '\r' < "$out.raw" | sed -n '/=====CMDLINE/,/=====END/p' > "$out.body"
{ echo "# qemu: q35 cpu=qemu64,+pdpe1gb smp=1 nodes=[2G] acpitable=srat-node0-1G kernel=linux-image-6.1.0-56-cloud-amd64"; cat "$out.body"; } > "$out"
rm -f "$out.body" "$out.raw"
grep -q "=====END" "$out" && echo ok || { echo "boot did not finish: $out" >&2; exit 1; }
