#!/usr/bin/env python3
# Writes srat-node0-1G.bin: an ACPI SRAT (revision 3) with one processor entry (APIC 0, node 0) and
# node 0 memory at [0, 640K) and [1M, 1G), for a 2 GiB guest: the nodes cover half the RAM.
import struct, sys

def mem(node, base, length, flags=1):
    return struct.pack('<BBIHIIIIIIQ', 1, 40, node, 0, base & 0xffffffff, base >> 32, length & 0xffffffff, length >> 32, 0, flags, 0)

def cpu(node, apic):
    return struct.pack('<BBBBIB3sI', 0, 16, node & 0xff, apic, 1, 0, bytes(3), 0)

body = struct.pack('<IQ', 1, 0) + cpu(0, 0) + mem(0, 0, 0xa0000) + mem(0, 0x100000, 0x40000000 - 0x100000)
hdr = b'SRAT' + struct.pack('<IBB', 36 + len(body), 3, 0) + b'HVOSIM' + b'HVOSRAT ' + struct.pack('<I', 1) + b'HVOS' + struct.pack('<I', 1)
table = bytearray(hdr + body)
table[9] = (-sum(table)) & 0xff
open(sys.argv[1] if len(sys.argv) > 1 else 'srat-node0-1G.bin', 'wb').write(table)
