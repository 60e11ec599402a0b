// Every command's --help: each option shows at most one default, as it is typed, and none that means nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildProgram } from '../../src/cli/program.js';

test('no option of any command shows a duplicate, empty or quoted default', async () => {
  const program = await buildProgram([]);
  assert.ok(program.commands.length >= 9);
  for (const cmd of program.commands) {
    const help = cmd.helpInformation({ error: false });
    const from = help.slice(help.indexOf('Options:'));
    const options = from.slice(0, from.indexOf('\n\n') < 0 ? undefined : from.indexOf('\n\n'));
    assert.match(options, /-h, --help/, `hvosim ${cmd.name()}: its options`);
    // One block per option: its first line starts with two spaces and a dash.
    const blocks = options.split(/\n(?= {2}-)/).map((b) => b.replace(/\s+/g, ' '));
    for (const b of blocks) {
      const where = `hvosim ${cmd.name()}: ${b.trim()}`;
      assert.ok((b.match(/\(default/g) ?? []).length <= 1, `two defaults: ${where}`);
      assert.doesNotMatch(b, /\(default: (\[\]|""|undefined|null)\)/, `a default that means nothing: ${where}`);
      assert.doesNotMatch(b, /\(default: "/, `a quoted default: ${where}`);
    }
  }
});
