// The host snapshot's collector: a POSIX shell script (printed by `hvosim host --collector`) that reads what a
// running Linux shows of its memory without Node, into one file of "=====NAME" sections, the oracle fixtures'
// format (src/trace/log.ts), read back by src/trace/host-snapshot.ts. It reads only; what it cannot read it names
// in =====NOTES. The guest of the oracle (src/conformance/oracle.ts) runs it too, as root and as an unprivileged user.

/** The snapshot format's version, the first line's "v1". */
export const SNAPSHOT_VERSION = 1;

export const HOST_COLLECTOR = `#!/bin/sh
# hvosim host snapshot collector (v1): POSIX sh, reads only, writes ONE file (stdout, or the file named by $1).
# Plan from it on any machine: hvosim host --from SNAPSHOT [--kernel K] -- 'hugepagesz=1G hugepages=N'
# The snapshot holds the memory layout and the kernel configuration only: no hostname, no user names, no
# process list, no environment. The command line keeps only its memory words; the kernel log keeps only its
# memory lines (e820, SRAT, NUMA, memblock, zones, HugeTLB).
[ -n "$1" ] && exec > "$1"
LC_ALL=C
export LC_ALL
NOTES=""
note() { NOTES="$NOTES$*
"; }
rd() { cat "$1" 2>/dev/null; }
echo "# hvosim host snapshot v1: memory layout and kernel configuration only (no hostname, user, process or environment)"
echo "=====HOST"
echo "release $(uname -r 2>/dev/null)"
echo "machine $(uname -m 2>/dev/null)"
echo "uid $(id -u 2>/dev/null)"
echo "=====CMDLINE"
if [ -r /proc/cmdline ]; then
  out=""
  dropped=0
  set -f
  for w in $(cat /proc/cmdline); do
    case "$w" in
      hugepages=*|hugepagesz=*|default_hugepagesz=*|hugetlb_*|kernelcore=*|movablecore=*|movable_node| \\
      mem=*|memmap=*|numa=*|numa_balancing=*|nokaslr|kaslr|memblock=*|log_buf_len=*|cma=*|crashkernel=*| \\
      mem_encrypt=*|memhp_default_state=*|memory_hotplug.*|init_on_alloc=*|init_on_free=*|page_alloc.*| \\
      transparent_hugepage=*|efi=*|nosmp|maxcpus=*|nr_cpus=*|possible_cpus=*|swiotlb=*|iommu=*| \\
      intel_iommu=*|amd_iommu=*|noefi|add_efi_memmap|reserve=*|memtest=*|vmalloc=*|percpu_alloc=*| \\
      numa_emulation=*|page_owner=*|kfence.*|hvosim_*)
        out="$out $w" ;;
      --) break ;;
      *) dropped=$((dropped + 1)) ;;
    esac
  done
  set +f
  echo "\${out# }"
  [ "$dropped" -gt 0 ] && note "cmdline: $dropped words that do not concern memory left out"
else
  echo
  note "cmdline: /proc/cmdline unreadable"
fi
echo "=====IOMEM"
if [ -r /proc/iomem ]; then
  cat /proc/iomem
  if ! grep -q '^[0-9a-f]*[1-9a-f][0-9a-f]*-' /proc/iomem; then note "iomem: addresses shown as zeros (not root): the kernel image's size and place unknown"; fi
else
  note "iomem: /proc/iomem unreadable"
fi
echo "=====ZONEINFO"
rd /proc/zoneinfo || note "zoneinfo: /proc/zoneinfo unreadable"
echo "=====MEMINFO"
rd /proc/meminfo || note "meminfo: /proc/meminfo unreadable"
echo "=====HUGEPAGES"
for f in /sys/devices/system/node/node*/hugepages/hugepages-*/*_hugepages; do [ -r "$f" ] && echo "$f $(cat "$f")"; done
echo "=====HUGEPAGES_GLOBAL"
for f in /sys/kernel/mm/hugepages/hugepages-*/*; do [ -f "$f" ] && [ -r "$f" ] && echo "$f $(cat "$f")"; done
echo "=====FIRMWARE_MEMMAP"
n=0
for d in /sys/firmware/memmap/*; do
  [ -r "$d/start" ] || continue
  echo "$(rd "$d/start") $(rd "$d/end") $(rd "$d/type")"
  n=$((n + 1))
done
[ "$n" -eq 0 ] && note "firmware map: /sys/firmware/memmap absent or unreadable (CONFIG_FIRMWARE_MEMMAP off?)"
echo "=====NODES"
for f in possible online has_memory has_normal_memory has_cpu; do
  [ -r "/sys/devices/system/node/$f" ] && echo "$f $(rd "/sys/devices/system/node/$f")"
done
nn=0
for d in /sys/devices/system/node/node[0-9]*; do
  [ -d "$d" ] || continue
  nn=$((nn + 1))
  echo "\${d##*/} cpulist=$(rd "$d/cpulist") distance=$(rd "$d/distance" | tr ' ' ',')"
done
[ "$nn" -eq 0 ] && note "nodes: /sys/devices/system/node absent (a kernel without NUMA, or no sysfs): one node assumed"
echo "=====NODE_MEMINFO"
for d in /sys/devices/system/node/node[0-9]*; do rd "$d/meminfo"; done
echo "=====MEMORY_BLOCKS"
if [ -r /sys/devices/system/memory/block_size_bytes ]; then
  echo "block_size_bytes $(rd /sys/devices/system/memory/block_size_bytes)"
  for b in /sys/devices/system/memory/memory[0-9]*; do
    node=-1
    for l in "$b"/node[0-9]*; do [ -e "$l" ] && node=\${l##*/node}; done
    echo "\${b##*/} phys_index=$(rd "$b/phys_index") state=$(rd "$b/state") node=$node valid_zones=$(rd "$b/valid_zones" | tr ' ' ',')"
  done
else
  note "memory blocks: /sys/devices/system/memory absent (CONFIG_MEMORY_HOTPLUG off?)"
fi
echo "=====CONFIG"
r=$(uname -r 2>/dev/null)
if [ -r "/boot/config-$r" ]; then
  grep -E '^(CONFIG_|# CONFIG_.* is not set)' "/boot/config-$r"
  note "config: /boot/config-$r"
elif [ -r /proc/config.gz ]; then
  zcat /proc/config.gz 2>/dev/null | grep -E '^(CONFIG_|# CONFIG_.* is not set)'
  note "config: /proc/config.gz"
else
  note "config: neither /boot/config-$r nor /proc/config.gz readable: the build's options are the profile's"
fi
echo "=====DMESG"
MEM='(Linux version |BIOS-e820: |BIOS-provided |e820: |ACPI: SRAT|ACPI: Reserving |SRAT: |NUMA|NODE_DATA|'
MEM="$MEM"'Faking a node|node |Node |On node |Initmem setup|Early memory|Zone ranges|  (DMA|DMA32|Normal|'
MEM="$MEM"'Movable|Device) |Movable zone|memblock|MEMBLOCK| memory|  memory| reserved|  reserved|Memory: |'
MEM="$MEM"'HugeTLB|hugetlb|Using GB pages|smpboot: CPU0: |RAMDISK: |last_pfn |x86/mm|cma: |CMA|crashkernel|'
MEM="$MEM"'Reserving |Built [0-9]+ zonelists|mem auto-init|percpu: |Freeing |check: |'
MEM="$MEM"'PM: hibernation: Registered nosave|PM: RTC)'
if dmesg >/dev/null 2>&1 && [ -n "$(dmesg 2>/dev/null | head -n 1)" ]; then
  dmesg 2>/dev/null | grep -E "^(\\[[ 0-9.]+\\] ?)?$MEM"
  src=dmesg
elif command -v journalctl >/dev/null 2>&1 && [ -n "$(journalctl -k -b -o cat -n 1 2>/dev/null)" ]; then
  journalctl -k -b -o cat --no-pager 2>/dev/null | grep -E "^$MEM"
  src="journalctl -k -b"
else
  src=""
  note "kernel log: neither dmesg nor journalctl -k readable (not root, dmesg_restrict): no e820, SRAT or memblock lines; the map comes from sysfs"
fi
if [ -n "$src" ]; then
  if [ "$src" = dmesg ]; then first=$(dmesg 2>/dev/null | head -n 1); else first=$(journalctl -k -b -o cat -n 100000 2>/dev/null | head -n 1); fi
  case "$first" in
    *"Linux version "*) note "kernel log: from $src, from the boot's first line" ;;
    *) note "kernel log: from $src, but it does not begin at the boot's first line (the ring buffer wrapped): early lines lost" ;;
  esac
fi
echo "=====NOTES"
printf '%s' "$NOTES"
echo "=====END"
`;
