// The command line as early_param() and __setup() handlers read it.
import type { KernelState } from './state.js';

/** Value of the last `name=` on the command line (the kernel keeps the last), or undefined. */
export function cmdlineValue(s: KernelState, name: string): string | undefined {
  let v: string | undefined;
  for (const w of s.cmdline) if (w.startsWith(`${name}=`)) v = w.slice(name.length + 1);
  return v;
}

/** Whether the word is on the command line as it is (a flag such as numa=off). */
export function cmdlineHas(s: KernelState, word: string): boolean {
  return s.cmdline.includes(word);
}
