// Option values shared by the commands: whole numbers read exactly.
import { InputError } from '../util/errors.js';
import { parseWhole } from '../util/integers.js';

/** fast-check's seeds are 32 bits: a larger seed would silently stand for its low 32 bits (2^32 + 1 for 1). */
export const MAX_SEED = 2 ** 32 - 1;
/** Generated cases are made up front (fc.sample), so a campaign's size is bounded by memory: more cases is more seeds. */
export const MAX_RUNS = 1_000_000;

/** --seed of a generated campaign (check, conformance). */
export const SEED_OPTION = { what: 'a seed', min: 0, max: MAX_SEED, why: "the generator's seeds are 32 bits" };
/** How many generated cases a campaign makes (check --runs, conformance --cases). */
export const CASES_OPTION = {
  what: 'a number of cases',
  min: 1,
  max: MAX_RUNS,
  why: 'the cases are made up front: for more, run more seeds',
};

/**
 * A whole-number option (--runs, --seed, --port, ...) read exactly within [min, max], or one clear
 * error line naming the option, what it takes and why the bound (never a value rounded or cut to fit).
 */
export function wholeOption(v: string, field: string, o: { what: string; min: number; max: number; why?: string }): number {
  const n = parseWhole(v, o.min, o.max);
  if (n === null)
    throw new InputError(`"${v}" is not ${o.what}: a whole number from ${o.min} to ${o.max}${o.why ? ` (${o.why})` : ''}`, { field });
  return n;
}
