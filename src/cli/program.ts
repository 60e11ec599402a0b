// hvosim: the command line's commands and options (main.ts runs them; tests read their --help).
import { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * The commands, in the order --help lists them, each loaded only when it runs: a command's
 * module brings in the simulator (or the web server, or QEMU), and `hvosim boot` should not
 * wait for what `hvosim check` needs. In the bundle (scripts/build-cli.ts) each is a chunk.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  boot: async () => (await import('./boot.js')).registerBoot,
  replay: async () => (await import('./replay.js')).registerReplay,
  diff: async () => (await import('./diff.js')).registerDiff,
  explain: async () => (await import('./explain.js')).registerExplain,
  check: async () => (await import('./check.js')).registerCheck,
  conformance: async () => (await import('./conformance.js')).registerConformance,
  machine: async () => (await import('./machine.js')).registerMachine,
  host: async () => (await import('./host.js')).registerHost,
  build: async () => (await import('./build.js')).registerBuild,
  serve: async () => (await import('./serve.js')).registerServe,
};

/**
 * The commands an argument list needs: the one it names, none for a bare --version, and every
 * one otherwise (--help lists them all; an unknown command gets commander's suggestions).
 */
export function commandsFor(args: string[]): string[] {
  const named = args.find((a) => !a.startsWith('-'));
  if (named !== undefined && named in COMMANDS) return [named];
  if (named === undefined && args.length > 0 && args.every((a) => a === '--version' || a === '-V')) return [];
  return Object.keys(COMMANDS);
}

export async function buildProgram(args: string[] = process.argv.slice(2)): Promise<Command> {
  const registers = await Promise.all(commandsFor(args).map((c) => COMMANDS[c]!()));
  const program = new Command();
  program
    .name('hvosim')
    .description('Simulate how Linux sets up memory at boot for gigantic HugeTLB pages, their vmemmap and HVO.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    // A command's options are its own: "conformance merge --json" gives --json to merge, not to conformance.
    .enablePositionalOptions()
    .exitOverride();
  for (const register of registers) register(program);
  // --help shows a default as it is typed (--runs 200, not "200"); an option with a default in its words has none of its own.
  for (const cmd of program.commands)
    for (const opt of cmd.options)
      if (typeof opt.defaultValue === 'string' && opt.defaultValueDescription === undefined) opt.defaultValueDescription = opt.defaultValue;
  program.addHelpText(
    'after',
    `
Examples:
  $ hvosim boot                                   the default machine (two 3 GiB nodes), kernel hvo-v7
  $ hvosim diff --kernel 6.15 --kernel hvo-v7     the seed's change, side by side
  $ hvosim explain --pfn 0x140040                 a struct page through the vmemmap
  $ hvosim check --kernel 6.15 --faults           a randomized invariant campaign
  $ hvosim conformance --cases 20                 generated machines against the real kernel under QEMU
  $ hvosim replay --memblock test/fixtures/linux-6.1/*.txt
  $ hvosim machine --machine my-box.json
  $ hvosim host --cmdline "hugepagesz=1G hugepages=8"  the next boot of this machine
  $ hvosim serve                                  the web page on http://127.0.0.1:8040/`,
  );
  return program;
}
