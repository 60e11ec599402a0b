import { boot } from '../src/kernel/boot.js';
import { estimatedOthers } from '../src/kernel/others.js';
import { q35Machine } from '../src/machine/qemu.js';
import { hugepagesByNode } from '../src/report/proc.js';
const G = 2 ** 30, M = 2 ** 20;
let s = boot(q35Machine({ nodeSizes: [3 * G], numa: false, cpuFeatures: ['pdpe1gb'], cmdline: 'hugepagesz=1G hugepages=50' }, 't'), { profile: '6.1', others: estimatedOthers });
console.log(s.dmesg.filter(l => l.startsWith('HugeTLB')), hugepagesByNode(s));
s = boot(q35Machine({ nodeSizes: [512 * M, 512 * M], numa: true, cpuFeatures: ['pdpe1gb'], cmdline: 'kernelcore=1M' }, 't'), { profile: '6.1', others: estimatedOthers });
console.log(s.dmesg.filter(l => /Movable|Node|zone/.test(l)), s.zones!.zones.filter(z => z.spanned), [...s.zones!.zoneMovablePfn]);
