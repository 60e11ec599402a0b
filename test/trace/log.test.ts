// Reading kernel logs in the forms the usual tools print them: one place takes the prefixes off.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { kernelLogText, parseKernelLog } from '../../src/trace/log.js';
import { parseMemblockLog } from '../../src/trace/memblock-log.js';
import { fixtureFiles, read } from '../helpers.js';

const MSG = 'memblock_reserve: [0x0000000000000000-0x000000000000ffff] setup_arch+0x3b5/0xd09';

describe('kernel log prefixes', () => {
  const forms: [string, string][] = [
    ['dmesg', `[    0.000000] ${MSG}`],
    ['dmesg -T', `[Sat Dec  5 12:00:00 2026] ${MSG}`],
    ['dmesg -T, two-digit day', `[Sat Dec 15 12:00:00 2026] ${MSG}`],
    ['dmesg -r', `<6>[    0.000000] ${MSG}`],
    ['dmesg --time-format iso', `2026-12-05T12:00:00,000000+00:00 ${MSG}`],
    ['journalctl -k', `Dec 05 12:00:00 host kernel: ${MSG}`],
    ['journalctl -k -o short-precise', `Dec 05 12:00:00.123456 host kernel: ${MSG}`],
    ['journalctl -k -o short-iso', `2026-12-05T12:00:00+0000 host kernel: ${MSG}`],
    ['journalctl -k -o short-full', `Sat 2026-12-05 12:00:00 UTC host kernel: ${MSG}`],
    ['journalctl -k -o short-monotonic', `[    0.000000] host kernel: ${MSG}`],
    ['syslog with the kernel timestamp', `Dec  5 12:00:00 host kernel: [    0.000000] ${MSG}`],
    ['a carriage return', `[    0.000000] ${MSG}\r`],
    ['no prefix', MSG],
  ];
  for (const [name, line] of forms) {
    test(name, () => assert.equal(kernelLogText(line)?.text, MSG));
  }
  test('a journal line of another program is not a kernel line', () => {
    assert.equal(kernelLogText('Dec 05 12:00:00 host systemd[1]: Started foo.service.'), null);
  });
  test('a message that itself starts with brackets keeps them', () => {
    assert.equal(kernelLogText("[    1.000000] [Firmware Bug]: TSC doesn't count")?.text, "[Firmware Bug]: TSC doesn't count");
  });
});

describe('a whole log in every form reads the same', () => {
  const fixture = fixtureFiles().find((f) => f.includes('n02-3node-1g3'))!;
  const text = read(fixture);
  const dmesg = text.slice(text.indexOf('=====DMESG\n') + 11, text.indexOf('\n=====END')).split('\n');
  const plain = parseKernelLog(dmesg.join('\n'), 'plain');
  const rewrite = (f: (rest: string) => string) => dmesg.map((l) => f(l.replace(/^\[\s*\d+\.\d+\] ?/, ''))).join('\n');
  const forms: Record<string, string> = {
    'dmesg -T': rewrite((r) => `[Sat Dec  5 12:00:00 2026] ${r}`),
    'journalctl -k': rewrite((r) => `Dec 05 12:00:00 host kernel: ${r}`),
    'journalctl -k with other programs between': rewrite(
      (r) => `Dec 05 12:00:00 host kernel: ${r}\nDec 05 12:00:00 host systemd[1]: noise`,
    ),
    'a BOM and CRLF line ends': `\ufeff${dmesg.join('\r\n')}`,
  };
  for (const [name, t] of Object.entries(forms)) {
    test(name, () => {
      const log = parseKernelLog(t, name);
      assert.deepEqual(
        log.dmesg.map((l) => l.text),
        plain.dmesg.map((l) => l.text),
      );
      assert.equal(log.cmdline, plain.cmdline);
      assert.equal(parseMemblockLog(log).events.length, parseMemblockLog(plain).events.length);
    });
  }
  test('a fixture with a BOM reads as without', () => {
    const a = parseKernelLog(`\ufeff${text}`, 'bom');
    const b = parseKernelLog(text, 'bom');
    assert.deepEqual([...a.sections.keys()], [...b.sections.keys()]);
    assert.equal(a.header, b.header);
  });
  test('prefix removal never changes a line without a prefix (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const k = kernelLogText(s);
        if (k && !k.prefixed) assert.equal(k.text, s.endsWith('\r') ? s.slice(0, -1) : s);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("a console line printed into the oracle's dmesg dump", () => {
  // A live 6.1 boot (conformance seed 1, c002): "reboot: Power down" landed in the middle of a dumped line, whose rest
  // began the next line; the free of the rodata/data gap (1892 KiB, 473 DMA32 pages) was lost to replay.
  const fixture = fixtureFiles().find((f) => f.includes('n02-3node-1g3'))!;
  const text = read(fixture);
  const whole = parseKernelLog(text, 'whole');
  const line = whole.dmesg.find((l) => l.text.startsWith('Freeing unused kernel image (rodata/data gap)'))!;
  const at = text.indexOf(line.text);
  const cut = at + 3;
  const spliced = `${text.slice(0, cut)}[   31.495263] reboot: Power down\n${text.slice(cut)}`;
  test('the dumped line is mended, the console line dropped, and every other line is as before', () => {
    const log = parseKernelLog(spliced, 'spliced');
    assert.deepEqual(
      log.dmesg.map((l) => l.text),
      whole.dmesg.map((l) => l.text),
    );
  });
  test('a line of the dump that starts with its timestamp is never joined', () => {
    const two = `${text.slice(0, cut)}[   31.495263] reboot: Power down\n[    9.000000] ${text.slice(cut)}`;
    const log = parseKernelLog(two, 'two');
    assert.ok(log.dmesg.some((l) => l.text === 'Fre[   31.495263] reboot: Power down'));
  });
});
