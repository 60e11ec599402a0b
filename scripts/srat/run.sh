#!/bin/bash
set -u
out=$1; cmdline=$2
w=/tmp/oracle-work
timeout 300 qemu-system-x86_64 -machine q35 -cpu qemu64,+pdpe1gb -smp 1 -m 2048M -acpitable file=/tmp/m17/srat/srat-node0-1G.bin \
  -kernel $w/vmlinuz -initrd $w/initrd.gz -nographic -no-reboot < /dev/null \
  -append "console=ttyS0 nokaslr memblock=debug log_buf_len=4M $cmdline" > $out.raw 2>&1
tr -d '\r' < $out.raw | sed -n '/=====CMDLINE/,/=====END/p' > $out.body
{ echo "# qemu: q35 cpu=qemu64,+pdpe1gb smp=1 nodes=[2G] acpitable=srat-node0-1G kernel=linux-image-6.1.0-56-cloud-amd64"; cat $out.body; } > $out
rm -f $out.body
grep -q "=====END" $out && echo ok || echo FAILED
