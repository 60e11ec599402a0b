// hvosim: the command line.
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';

async function main(): Promise<void> {
  // Output piped into head or less that closes early: stop quietly, as command-line tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  try {
    const program = await buildProgram();
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      process.exit(e.exitCode === 0 ? 0 : 2);
    }
    // The error path loads the output helpers (and their table library) only when it is taken.
    (await import('./output.js')).fail(e);
  }
}

await main();
