// Workspace files nested deeper than any real one: the finders must read nothing from them, never
// throw, and never abort the process. The yaml library composes nested collections by recursion;
// under Node 20 a flow sequence 5,000 levels deep (10 KB of `[`), parsed a few times as an editor
// parses it on every edit, made V8 abort the whole process ("RegExpCompiler Allocation failed"),
// which in VS Code takes every extension down. Each case runs in a child process, parsed ten times,
// so such an abort fails the test instead of ending the suite.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseJson } from '../../../../src/editors/references/json-nodes';
import { PROJECT } from '../../support/project';

const FINDERS = join(PROJECT, 'out', 'src', 'editors', 'references', 'index.js');

const CASES: { name: string; text: string; paths: string[] }[] = [
  {
    name: 'a flow sequence 5,000 levels deep',
    text: `image: ${'['.repeat(5000)}${']'.repeat(5000)}`,
    paths: ['/p/compose.yaml', '/p/k8s.yaml'],
  },
  {
    name: 'block sequences 100,000 levels deep on one line',
    text: `${'- '.repeat(100_000)}x\n`,
    paths: ['/p/k8s.yaml', '/p/.github/workflows/ci.yml'],
  },
  {
    name: 'JSON objects 100,000 levels deep',
    text: `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`,
    paths: ['/p/.devcontainer/devcontainer.json', '/p/task-definition.json'],
  },
  {
    name: 'defaults nested 100,000 deep in a Compose value',
    text: `services:\n  a:\n    image: "${'${A:-'.repeat(100_000)}x${'}'.repeat(100_000)}"\n`,
    paths: ['/p/compose.yaml'],
  },
];

describe('files nested deeper than any real one', function () {
  this.timeout(120_000);
  for (const { name, text, paths } of CASES)
    it(`reads nothing from ${name}, throws nothing, and the process lives`, () => {
      const script = `
        const { findImageReferences } = require(${JSON.stringify(FINDERS)});
        const text = require('node:fs').readFileSync(0, 'utf8');
        const found = [];
        for (let round = 0; round < 10; round++)
          for (const path of ${JSON.stringify(paths)}) found.push(findImageReferences(text, path).length);
        console.log(found.every((n) => n === 0) ? 'none' : found.join(','));`;
      const run = spawnSync(process.execPath, ['-e', script], { input: text, encoding: 'utf8', timeout: 100_000 });
      assert.equal(run.signal, null, `the process was ended: ${run.stderr.slice(0, 300)}`);
      assert.equal(run.status, 0, run.stderr.slice(0, 600));
      assert.equal(run.stdout.trim(), 'none');
    });

  it('counts a JSON array closed by a brace as still open, so wrong closers cannot hide nesting', () => {
    // jsonc-parser recovers from `[}` and parses on; the scan before it must not take `}` for `]`.
    assert.notEqual(parseJson(`[${'[}'.repeat(200)}]`), undefined, 'as deep as a real file may be: parsed');
    assert.equal(parseJson(`[${'[}'.repeat(300)}]`), undefined, 'deeper: not parsed');
    assert.notEqual(parseJson(`[${'[]'.repeat(300)}]`), undefined, 'closed as opened: two levels deep');
  });
});
