// Where init installed the modules a Terraform configuration calls: the manifest it writes,
// `.terraform/modules/modules.json` (Terraform's internal/modsdir: records of Key, Source, Version
// and Dir, the key being the calls' names from the root joined by dots), read as untrusted input.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  calledKey,
  installedCallFolder,
  installedKeyOf,
  isLocalModuleSource,
  readInstalledModules,
  relativeFolder,
} from '../../../../src/editors/references/terraform-installed';

/** As `terraform init` writes it for a root calling a local module that calls a registry module, and a registry module. */
const MANIFEST = JSON.stringify({
  Modules: [
    { Key: '', Source: '', Dir: '.' },
    { Key: 'app', Source: './modules/app', Dir: 'modules/app' },
    { Key: 'app.db', Source: 'registry.terraform.io/terraform-aws-modules/rds/aws', Version: '6.10.0', Dir: '.terraform/modules/app.db' },
    {
      Key: 'web',
      Source: 'git::https://example.com/modules.git//services/web?ref=v1.2.0',
      Dir: '.terraform/modules/web/services/web',
    },
  ],
});

describe('terraform-installed: the modules init installed', () => {
  it('reads each record by key, its folder relative to the root', () => {
    assert.deepEqual(
      [...readInstalledModules(MANIFEST)],
      [
        ['', '.'],
        ['app', 'modules/app'],
        ['app.db', '.terraform/modules/app.db'],
        ['web', '.terraform/modules/web/services/web'],
      ],
    );
  });

  it('finds a call of the root, and a call of a module the root calls from a folder', () => {
    const installed = readInstalledModules(MANIFEST);
    assert.equal(installedCallFolder(installed, '', 'web'), '.terraform/modules/web/services/web');
    assert.equal(installedCallFolder(installed, 'app', 'db'), '.terraform/modules/app.db');
    assert.equal(installedKeyOf(installed, 'modules/app'), 'app');
    assert.equal(installedKeyOf(installed, '.'), '');
    assert.equal(calledKey(installedKeyOf(installed, 'modules/app')!, 'db'), 'app.db');
    // A module from a folder is read from its source, never from where a manifest points.
    assert.equal(installedCallFolder(installed, '', 'app'), undefined);
    assert.equal(installedCallFolder(installed, '', 'missing'), undefined);
  });

  it('reads folders written with backslashes (Windows) and other spellings alike', () => {
    const installed = readInstalledModules(
      JSON.stringify({
        Modules: [
          { Key: 'a', Dir: '.terraform\\modules\\a' },
          { Key: 'b', Dir: './.terraform//modules/b/' },
        ],
      }),
    );
    assert.equal(installedCallFolder(installed, '', 'a'), '.terraform/modules/a');
    assert.equal(installedCallFolder(installed, '', 'b'), '.terraform/modules/b');
  });

  it('follows no record out of the root, and reads a broken manifest as none', () => {
    const hostile = readInstalledModules(
      JSON.stringify({
        Modules: [
          { Key: 'up', Dir: '.terraform/modules/../../../../etc' },
          { Key: 'absolute', Dir: '/etc' },
          { Key: 'drive', Dir: 'C:\\Windows' },
          { Key: 'unc', Dir: '\\\\server\\share' },
          { Key: 'number', Dir: 7 },
          { Key: 3, Dir: '.terraform/modules/x' },
          null,
          'text',
        ],
      }),
    );
    assert.deepEqual([...hostile], []);
    for (const text of ['', '{', 'null', '[]', '{"Modules":{}}', '{"Modules":null}']) assert.deepEqual([...readInstalledModules(text)], []);
  });

  it('tells a module read from a folder of the configuration from one init installs', () => {
    for (const source of ['./modules/app', '../shared', '.\\modules\\app']) assert.equal(isLocalModuleSource(source), true, source);
    for (const source of ['terraform-aws-modules/ecs/aws', 'git::https://example.com/m.git', '.terraform/modules/x', 'modules/app'])
      assert.equal(isLocalModuleSource(source), false, source);
  });

  it('puts a folder relative to a root, or says it is not inside it', () => {
    assert.equal(relativeFolder('/w/infra', '/w/infra'), '.');
    assert.equal(relativeFolder('/w/infra', '/w/infra/modules/app'), 'modules/app');
    assert.equal(relativeFolder('/w/infra/', '/w/infra/.terraform/modules/web'), '.terraform/modules/web');
    assert.equal(relativeFolder('/w/infra', '/w/infrastructure'), undefined);
    assert.equal(relativeFolder('/w/infra', '/w'), undefined);
  });

  it('never gives a folder that leaves the root or is absolute, whatever the manifest says (property)', () => {
    const segment = fc.constantFrom('..', '.', '', 'a', '.terraform', 'modules', 'C:', 'x y');
    const path = fc
      .tuple(fc.constantFrom('', '/', '\\'), fc.array(segment, { maxLength: 8 }), fc.constantFrom('/', '\\'))
      .map(([lead, parts, separator]) => lead + parts.join(separator));
    fc.assert(
      fc.property(path, (dir) => {
        const folder = readInstalledModules(JSON.stringify({ Modules: [{ Key: 'k', Dir: dir }] })).get('k');
        if (folder === undefined) return;
        assert.ok(!folder.split('/').includes('..'), folder);
        assert.ok(!folder.startsWith('/') && !/^[A-Za-z]:/.test(folder), folder);
        assert.ok(folder === '.' || !folder.split('/').some((part) => part === '' || part === '.'), folder);
      }),
      { numRuns: 500 },
    );
  });
});
