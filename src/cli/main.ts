// hvosim: the command line.
import { Command, CommanderError } from 'commander';
import { fail } from './output.js';
import { registerMachine } from './machine.js';
import { registerReplay } from './replay.js';
import { registerBoot } from './boot.js';
import { registerCheck } from './check.js';
import { registerConformance } from './conformance.js';
import { registerDiff } from './diff.js';
import { registerExplain } from './explain.js';
import { registerServe } from './serve.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('hvosim')
    .description('Simulate how Linux sets up memory at boot for gigantic HugeTLB pages, their vmemmap and HVO.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerBoot(program);
  registerReplay(program);
  registerDiff(program);
  registerExplain(program);
  registerCheck(program);
  registerConformance(program);
  registerMachine(program);
  registerServe(program);
  program.addHelpText(
    'after',
    `
Examples:
  $ hvosim boot                                   the default machine (two 3 GiB nodes), kernel hvo-v7
  $ hvosim diff --kernel 6.15 --kernel hvo-v7     the seed's change, side by side
  $ hvosim explain --pfn 0x140040                 a struct page through the vmemmap
  $ hvosim check --kernel 6.15 --faults           a randomized invariant campaign
  $ hvosim conformance --cases 20                 generated machines against the real kernel under QEMU
  $ hvosim replay --memblock ../shared/fixtures/linux-6.1/*.txt
  $ hvosim machine --machine my-box.json
  $ hvosim serve                                  the web page on http://127.0.0.1:8040/`,
  );
  return program;
}

async function main(): Promise<void> {
  // Output piped into head or less that closes early: stop quietly, as command-line tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      process.exit(e.exitCode === 0 ? 0 : 2);
    }
    fail(e);
  }
}

await main();
