// A few hundred fuzzed inputs per parser on every test run (scripts/fuzz-parsers.ts runs 10,000+).
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fuzzProperties } from './parsers.js';

describe('fuzzed parsers: an answer or one InputError, nothing else', () => {
  for (const [name, prop] of Object.entries(fuzzProperties())) {
    test(name, () => {
      fc.assert(prop, { numRuns: name === 'kernel command line' ? 150 : 400, seed: 17 });
    });
  }
});
