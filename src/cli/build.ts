// hvosim build: what hvosim knows of a kernel build, learnt from its configuration and its boot log, written
// as a build description (--json) that `boot --build FILE` uses; and the reader of such a file.
import type { Command } from 'commander';
import { profileOfLog } from '../conformance/kernels.js';
import { BUILD_FACTS, getProfile, kconfigText, profileWithConfig } from '../simulator.js';
import { describeBuild } from '../trace/build-from-log.js';
import { parseKernelLog } from '../trace/log.js';
import { InputError } from '../util/errors.js';
import { parseKernel } from './boot.js';
import { inputName, readInputFile, readKernelConfig } from './input.js';
import { printJson } from './output.js';

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description("what hvosim knows of a kernel build: its configuration's options and the facts its boot log shows")
    .option('--kernel <profile>', "the profile whose code the build runs (default: the log's own version, else 6.1)")
    .option('--config <file>', "the build's configuration (.config, /boot/config-*, /proc/config.gz)")
    .option('--from-dmesg <file>', 'a boot log of the build (memblock=debug lines read where present)')
    .option('--json', 'print the build description, for boot --build FILE')
    .addHelpText(
      'after',
      `
Examples:
  $ hvosim build --config /boot/config-$(uname -r) --from-dmesg boot.log --json > mybuild.json
  $ hvosim boot --build mybuild.json --qemu "-m 8G" --cmdline "hugepagesz=1G hugepages=4"`,
    )
    .action((o: { kernel?: string; config?: string; fromDmesg?: string; json?: boolean }) => {
      if (o.config === undefined && o.fromDmesg === undefined)
        throw new InputError('give --config, --from-dmesg or both', { field: 'build' });
      const log = o.fromDmesg === undefined ? undefined : parseKernelLog(readInputFile(o.fromDmesg), inputName(o.fromDmesg));
      const name = o.kernel !== undefined ? parseKernel(o.kernel).profile : log ? profileOfLog(log.dmesg).profile : '6.1';
      const cfg = o.config === undefined ? undefined : readKernelConfig(o.config);
      const base = getProfile(name)!;
      const profile = cfg ? profileWithConfig(base, cfg) : base;
      const d = describeBuild(name, profile, cfg, log);
      if (o.json) return printJson(d);
      const out = [`hvosim build: profile ${name}`];
      out.push(`options: ${kconfigText(d.config)} (${cfg ? `from ${cfg.file}` : `profile ${name}'s Debian build`})`);
      if (d.from.notModelled.length) out.push(`set but not modelled (the profile's build stands in): ${d.from.notModelled.join(', ')}`);
      for (const k of BUILD_FACTS) {
        const v = d.facts[k];
        const text = Array.isArray(v) ? v.map((f) => `${f.what} ${f.kb}K`).join(', ') : `${v} (0x${v.toString(16)})`;
        const from = d.from.factsFromLog.some((r) => r.split(':')[0]!.split(', ').includes(k)) ? 'the log' : `profile ${name}`;
        out.push(`${k.padEnd(15)} ${text}  [${from}]`);
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
