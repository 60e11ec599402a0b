// A build description (hvosim build --json) read back: a file of an older format, without the options and facts
// added since, takes those from its profile's build; a bad one is one error line naming its field.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseBuildJson } from '../../src/cli/build-json.js';
import { getProfile } from '../../src/simulator.js';
import { InputError } from '../../src/util/errors.js';
import { ROOT } from '../helpers.js';

const FILE = join(ROOT, 'test/fixtures/custom/7.3-min/build-from-image.json');

describe('parseBuildJson', () => {
  test('a file as written: its own options and facts', () => {
    const raw = JSON.parse(readFileSync(FILE, 'utf8'));
    const d = parseBuildJson(JSON.stringify(raw), FILE);
    assert.deepEqual(d.config, raw.config);
    assert.equal(d.facts.logBufShift, raw.facts.logBufShift);
  });

  test('an older file without the later options and facts: those are the profile build', () => {
    const raw = JSON.parse(readFileSync(FILE, 'utf8'));
    const later = ['CPUMASK_OFFSTACK', 'FIRMWARE_MEMMAP', 'HIBERNATION', 'CMA', 'TRANSPARENT_HUGEPAGE', 'TMPFS'] as const;
    for (const k of later) delete raw.config[k];
    for (const k of ['pcpuFirstChunkAllocs', 'bootCpumasks', 'logBufShift', 'runtimeUseKb']) delete raw.facts[k];
    const d = parseBuildJson(JSON.stringify(raw), FILE);
    const p = getProfile(raw.kernel)!.build;
    for (const k of later) assert.equal(d.config[k], p.config[k], k);
    // The options the file does give stay its own (7.3-min has no ZONE_DMA; Debian's build has).
    assert.equal(d.config.ZONE_DMA, false);
    assert.equal(p.config.ZONE_DMA, true);
    assert.deepEqual(Object.keys(d.config).sort(), Object.keys(p.config).sort());
    assert.deepEqual(d.facts.pcpuFirstChunkAllocs, p.pcpuFirstChunkAllocs);
    assert.equal(d.facts.bootCpumasks, p.bootCpumasks);
    assert.equal(d.facts.logBufShift, p.logBufShift);
    assert.deepEqual(d.facts.runtimeUseKb, p.runtimeUseKb);
  });

  test('an unknown option, or not JSON: one error naming the field', () => {
    const raw = JSON.parse(readFileSync(FILE, 'utf8'));
    raw.config.NOT_AN_OPTION = true;
    assert.throws(
      () => parseBuildJson(JSON.stringify(raw), FILE),
      (e) => e instanceof InputError && e.where?.field === 'config' && /NOT_AN_OPTION/.test(e.message),
    );
    assert.throws(
      () => parseBuildJson('{', 'the build', 'the build'),
      (e) => e instanceof InputError && e.where?.field === 'the build' && /not JSON/.test(e.message),
    );
  });
});
