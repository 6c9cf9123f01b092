// The tree's context values against package.json's menus: every `viewItem` clause matches a value
// the tree can produce (a menu entry that can never show is a bug), and every value the tree can
// produce is matched by a clause unless it is listed as having no menu (a row whose actions are missing).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROJECT } from '../../support/project';
import { allContextValues, CONTEXT, registryContextValue, WITHOUT_MENU } from '../../../../src/views/nodes/context-values';

interface MenuEntry {
  command: string;
  when?: string;
  group?: string;
}

const manifest = JSON.parse(readFileSync(resolve(PROJECT, 'package.json'), 'utf8')) as {
  contributes: { menus: Record<string, MenuEntry[]>; commands: { command: string; title: string; icon?: string }[] };
};

/** Each `viewItem` test in a when clause, as a predicate with the text it came from. */
function viewItemClauses(): { text: string; command: string; test: (value: string) => boolean }[] {
  const clauses: { text: string; command: string; test: (value: string) => boolean }[] = [];
  for (const entries of Object.values(manifest.contributes.menus)) {
    for (const entry of entries) {
      const when = entry.when ?? '';
      for (const m of when.matchAll(/viewItem\s*(=~|==|!=)\s*(\/(?:\\.|[^/])+\/[a-z]*|[\w.-]+)/g)) {
        const [, op, operand] = m as unknown as [string, string, string];
        if (op === '=~') {
          const body = operand.slice(1, operand.lastIndexOf('/'));
          const flags = operand.slice(operand.lastIndexOf('/') + 1);
          const regex = new RegExp(body, flags);
          clauses.push({ text: m[0], command: entry.command, test: (v) => regex.test(v) });
        } else if (op === '==') clauses.push({ text: m[0], command: entry.command, test: (v) => v === operand });
      }
    }
  }
  return clauses;
}

describe('views/nodes/context-values', () => {
  const values = allContextValues();
  const clauses = viewItemClauses();

  it('reads the menus (the parser finds the clauses package.json has)', () => {
    assert.ok(clauses.length >= 25, `found ${clauses.length} viewItem clauses`);
    assert.ok(values.includes('registry.configured') && values.includes('tag.index') && values.includes('blob.config'));
  });

  it('every viewItem clause in package.json matches a value the tree can produce', () => {
    const dead = clauses.filter((c) => !values.some((v) => c.test(v)));
    assert.deepEqual(
      dead.map((c) => `${c.command}: ${c.text}`),
      [],
    );
  });

  it('every value the tree can produce has a menu, or is listed as having none', () => {
    const orphans = values.filter((v) => !WITHOUT_MENU.includes(v) && !clauses.some((c) => c.test(v)));
    assert.deepEqual(orphans, []);
  });

  it('the fixes a registry row offers each reach the command that applies them', () => {
    const forFix = (fix: 'logIn' | 'markInsecure' | 'openHostsToml' | 'openSettings', command: string) => {
      const value = registryContextValue({
        origin: 'configured',
        needsLogin: fix === 'logIn',
        unreachable: fix !== 'logIn',
        fixes: [fix],
        filtered: false,
      });
      assert.ok(
        clauses.some((c) => c.command === command && c.test(value)),
        `${value} shows ${command}`,
      );
    };
    forFix('logIn', 'registryExplorer.logIn');
    forFix('markInsecure', 'registryExplorer.markInsecure');
    forFix('openHostsToml', 'registryExplorer.openHostsToml');
    forFix('openSettings', 'registryExplorer.openRegistrySettings');
  });

  it('a filtered row offers Clear Filter, an unfiltered one does not', () => {
    const clear = clauses.filter((c) => c.command === 'registryExplorer.clearFilter');
    assert.ok(clear.some((c) => c.test(CONTEXT.repositoryFiltered)));
    assert.ok(!clear.some((c) => c.test(CONTEXT.repository)));
  });

  it('inline buttons on one row each have their own icon, and only copying to the clipboard looks like copying', () => {
    const iconOf = (command: string) => manifest.contributes.commands.find((c) => c.command === command)?.icon;
    const inline = manifest.contributes.menus['view/item/context']!.filter((e) => e.group?.startsWith('inline'));
    for (const value of values) {
      const buttons = inline.filter((e) =>
        clauses.some((c) => c.command === e.command && c.test(value) && (e.when ?? '').includes(c.text)),
      );
      const icons = buttons.map((b) => iconOf(b.command));
      assert.equal(new Set(icons).size, icons.length, `${value}: ${buttons.map((b) => `${b.command} ${iconOf(b.command)}`).join(', ')}`);
    }
    // Copy To… moves content to another repository or registry: the clipboard icon said "copy this text".
    const clipboard = manifest.contributes.commands.filter((c) => c.icon === '$(copy)').map((c) => c.command);
    assert.deepEqual(clipboard, ['registryExplorer.copyReference']);
  });
});
