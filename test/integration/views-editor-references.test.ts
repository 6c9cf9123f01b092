// Image references in files, in a real VS Code against the lab: a hover, tag completion, the lenses
// (pin to digest, which edits the file; a newer tag), diagnostics for a missing tag and for a
// registry that needs a login with its quick fix; the requests counted in the registry's own log.
// Then references written in parts: a Helm values file's tag moved by its lens and completed from
// the repository beside it, an empty tag taken from the chart's appVersion (and Chart.yaml followed
// as it changes), a Chart.yaml dependency's version moved and its range described as the tag it
// picks, a Flux OCIRepository's tag pinned, a Flux HelmRelease followed to its repository in
// another file, a Kustomization's new name and tag hovered and warned about, its tag pinned on a
// new digest: line and then moved with its digest.
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { RegistryExplorerApi } from '../../src/extension';
import type { SampleContent } from '../support/lab/content';
import { isManifestRequest, isTagListing, requestsIn } from '../support/lab/registry-requests';
import { EXTENSION_ID, labDescription, waitFor } from './helpers';

const lab = labDescription();
const content = (JSON.parse(process.env.REGISTRY_EXPLORER_LAB ?? '{}') as { content: SampleContent }).content;
const host = lab.registry.host;
const tagsOf = (repository: string): Record<string, string> => content.repositories.find((r) => r.name === repository)!.tags;
const requests = () => requestsIn(readFileSync(lab.registry.logPath, 'utf8'));

function folder(): string {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? tmpdir();
  const dir = join(root, `editor-references-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function show(name: string, text: string): Promise<vscode.TextDocument> {
  const path = join(folder(), name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
  await vscode.window.showTextDocument(document, { preview: false });
  return document;
}

/** The position just inside `needle` (its first character + `into`) in a document. */
function at(document: vscode.TextDocument, needle: string, into = 1): vscode.Position {
  const index = document.getText().indexOf(needle);
  assert.ok(index >= 0, `${needle} is in the document`);
  return document.positionAt(index + into);
}

function hoverText(hovers: vscode.Hover[] | undefined): string {
  return (hovers ?? [])
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

async function lenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? [];
}

/** The lenses on the line of `needle`, once there are at least `count`. */
function lensesOn(document: vscode.TextDocument, needle: string, count: number): Promise<vscode.CodeLens[]> {
  return waitFor(`${count} lens(es) on the line of ${needle}`, async () => {
    const line = at(document, needle).line;
    const found = (await lenses(document)).filter((l) => l.range.start.line === line && l.command);
    return found.length >= count ? found : undefined;
  });
}

async function run(lens: vscode.CodeLens): Promise<unknown> {
  return vscode.commands.executeCommand(lens.command!.command, ...(lens.command!.arguments ?? []));
}

/** The completion items of `kind` at a position, in the order their sort texts give, with their labels. */
async function completions(
  document: vscode.TextDocument,
  position: vscode.Position,
  kind: vscode.CompletionItemKind,
  trigger?: string,
): Promise<{ items: vscode.CompletionItem[]; labels: string[] }> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>(
    'vscode.executeCompletionItemProvider',
    document.uri,
    position,
    ...(trigger ? [trigger] : []),
  );
  const items = list.items.filter((i) => i.kind === kind).sort((a, b) => (a.sortText ?? '').localeCompare(b.sortText ?? ''));
  return { items, labels: items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label)) };
}

describe('Image references in files', () => {
  let start = 0;
  let compose: vscode.TextDocument;

  before(async function () {
    this.timeout(60_000);
    await vscode.extensions.getExtension<RegistryExplorerApi>(EXTENSION_ID)!.activate();
    start = requests().length;
    compose = await show(
      'compose.yaml',
      [
        'services:',
        '  old:',
        `    image: ${host}/library/alpine:1.2.9`,
        '  web:',
        `    image: ${host}/apps/web:v1`,
        '  moved:',
        `    image: ${host}/library/alpine:latest@${tagsOf('library/alpine')['3.19']}`,
        '  gone:',
        `    image: ${host}/library/alpine:9.9.9`,
        '',
      ].join('\n'),
    );
  });

  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('shows in a hover what a reference resolves to, which endpoint answered, and the links', async () => {
    const mark = requests().length;
    const text = hoverText(
      await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', compose.uri, at(compose, 'apps/web')),
    );
    assert.match(text, new RegExp(content.multiPlatform.digest));
    assert.match(text, /OCI image index/);
    assert.match(text, /2 platforms: .*linux\/amd64/);
    assert.match(text, /Answered by the registry/);
    for (const command of ['registryExplorer.inspect', 'registryExplorer.revealInTree', 'registryExplorer.copyDigestText'])
      assert.match(text, new RegExp(`command:${command.replace('.', '\\.')}`));
    assert.equal(requests().slice(mark).filter(isManifestRequest('apps/web')).length, 2, 'a cold hover: the index and one platform');
    const warm = requests().length;
    await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', compose.uri, at(compose, 'apps/web'));
    // Only apps/web's requests count: the file's lenses may still be looking up its other references.
    assert.deepEqual(
      requests()
        .slice(warm)
        .filter((r) => r.path.startsWith('/v2/apps/web/')),
      [],
      'a warm hover sends nothing',
    );
  });

  it('completes tags after repository:, newest version first', async () => {
    const document = await show('compose.completion.yaml', `services:\n  app:\n    image: ${host}/library/alpine:\n`);
    const { labels } = await completions(document, document.lineAt(2).range.end, vscode.CompletionItemKind.Value, ':');
    // The tree's order: named tags such as latest first, then versions newest first.
    assert.deepEqual(labels, ['latest', '3.20', '3.19', '1.2.10', '1.2.9']);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it("completes repositories after registry/ from the registry's catalog", async () => {
    const document = await show('compose.repositories.yaml', `services:\n  app:\n    image: ${host}/\n`);
    const { labels: names } = await completions(document, document.lineAt(2).range.end, vscode.CompletionItemKind.Module, '/');
    for (const name of ['apps/web', 'library/alpine', 'team-a/api']) assert.ok(names.includes(name), `${name} among ${names.join(', ')}`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('offers a newer tag, pinning and an update of a pinned digest, for the references in view', async () => {
    await vscode.window.showTextDocument(compose);
    const old = await lensesOn(compose, 'alpine:1.2.9', 2);
    assert.deepEqual(old.map((l) => l.command!.title).sort(), ['Newer tag available: 1.2.10', 'Pin to digest']);
    assert.deepEqual(
      (await lensesOn(compose, 'alpine:latest@', 1)).map((l) => l.command!.title),
      ['Update pinned digest'],
    );
    assert.deepEqual(
      (await lensesOn(compose, 'apps/web:v1', 1)).map((l) => l.command!.title),
      ['Pin to digest'],
    );
  });

  it('pins a reference to its digest with a lens that edits the file, then moves it to the newer tag', async () => {
    const alpine = tagsOf('library/alpine');
    const pin = (await lensesOn(compose, 'alpine:1.2.9', 2)).find((l) => l.command!.title === 'Pin to digest')!;
    assert.equal(await run(pin), `${host}/library/alpine:1.2.9@${alpine['1.2.9']}`);
    assert.match(compose.getText(), new RegExp(`alpine:1\\.2\\.9@${alpine['1.2.9']}\n`));
    const newer = await waitFor('the newer-tag lens on the pinned reference', async () =>
      (await lensesOn(compose, 'alpine:1.2.9@', 1)).find((l) => l.command!.title === 'Newer tag available: 1.2.10'),
    );
    await run(newer);
    assert.match(compose.getText(), new RegExp(`image: ${host}/library/alpine:1\\.2\\.10@${alpine['1.2.10']}\n`));
  });

  it('reads a Podman Quadlet unit, which VS Code gives no language: its lenses pin the Image= in place', async () => {
    const unit = await show(
      join('quadlet', 'web.container'),
      ['[Unit]', 'Description=web', '', '[Container]', `Image=${host}/library/alpine:1.2.9`, 'PublishPort=8080:80', ''].join('\n'),
    );
    assert.equal(unit.languageId, 'plaintext');
    const found = await lensesOn(unit, 'Image=', 2);
    assert.deepEqual(found.map((l) => l.command!.title).sort(), ['Newer tag available: 1.2.10', 'Pin to digest']);
    const pin = found.find((l) => l.command!.title === 'Pin to digest')!;
    assert.equal(await run(pin), `${host}/library/alpine:1.2.9@${tagsOf('library/alpine')['1.2.9']}`);
    assert.ok(unit.getText().includes(`\nImage=${host}/library/alpine:1.2.9@sha256:`), unit.getText());
  });

  it("reads a short name in a Quadlet unit through Podman's alias: hover, completion and pin, the text kept as written", async () => {
    // The suite's CONTAINERS_REGISTRIES_CONF aliases lab-alpine to the lab's library/alpine (test/e2e/run.ts).
    const unit = await show(join('quadlet', 'aliased.container'), ['[Container]', 'Image=lab-alpine:1.2.9', ''].join('\n'));
    const alpine = tagsOf('library/alpine');
    const text = await waitFor('the hover of the aliased short name', async () => {
      const shown = hoverText(
        await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', unit.uri, at(unit, 'lab-alpine')),
      );
      return shown.includes(alpine['1.2.9']!) ? shown : undefined;
    });
    assert.match(text, /^\*\*.*library\/alpine\\:1\\\.2\\\.9\*\*/, 'the heading names what the alias stands for');
    assert.match(text, /Podman and Buildah read lab\\-alpine as .*library\/alpine: an alias in .*registries\\\.conf\./);
    const { labels } = await completions(unit, at(unit, 'lab-alpine:', 'lab-alpine:'.length), vscode.CompletionItemKind.Value);
    assert.ok(labels.includes('1.2.10'), `the lab's alpine tags are offered: ${labels.join(', ')}`);
    const pin = (await lensesOn(unit, 'Image=', 2)).find((l) => l.command!.title === 'Pin to digest')!;
    assert.equal(await run(pin), `lab-alpine:1.2.9@${alpine['1.2.9']}`);
    assert.ok(unit.getText().includes(`\nImage=lab-alpine:1.2.9@${alpine['1.2.9']}\n`), unit.getText());
  });

  it("reads a Terraform file, which VS Code gives no language without HashiCorp's extension: its lenses edit the image in place", async () => {
    const config = await show(
      join('infra', 'main.tf'),
      [
        'resource "kubernetes_pod_v1" "web" {',
        '  spec {',
        '    container {',
        '      name  = "web"',
        `      image = "${host}/library/alpine:1.2.9"`,
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const found = await lensesOn(config, 'image =', 2);
    assert.deepEqual(found.map((l) => l.command!.title).sort(), ['Newer tag available: 1.2.10', 'Pin to digest']);
    const newer = found.find((l) => l.command!.title.startsWith('Newer'))!;
    assert.equal(await run(newer), `${host}/library/alpine:1.2.10`);
    assert.ok(config.getText().includes(`image = "${host}/library/alpine:1.2.10"\n`), config.getText());
  });

  it('reads the image a Terraform module takes from a variable where it is written: the default in another file, a .tfvars value', async () => {
    const use = (image: string) =>
      ['resource "kubernetes_pod_v1" "web" {', '  spec {', `    container { image = ${image} }`, '  }', '}', ''].join('\n');
    const main = await show(join('module', 'main.tf'), use('var.image'));
    const variables = await show(join('module', 'variables.tf'), `variable "image" {\n  default = "${host}/library/alpine:1.2.9"\n}\n`);
    const found = await lensesOn(variables, 'default =', 2);
    assert.deepEqual(found.map((l) => l.command!.title).sort(), ['Newer tag available: 1.2.10', 'Pin to digest']);
    // Values kept apart from the module, in a folder of their own.
    const values = await show(join('module', 'environments', 'prod.tfvars'), `image = "${host}/library/alpine:9.9.9"\n`);
    const warning = await waitFor("a warning for the .tfvars value's missing tag", () =>
      vscode.languages.getDiagnostics(values.uri).find((d) => d.message.includes('9.9.9')),
    );
    assert.equal(warning.message, `Tag 9.9.9 does not exist in ${host}/library/alpine.`);
    // The module's file saved with another use: the variable is no image any more.
    writeFileSync(main.uri.fsPath, use('"nginx:1.25.3"'));
    await waitFor('the default no longer read as an image', async () => ((await lenses(variables)).length === 0 ? true : undefined));
  });

  it('fills a Terraform template in with the variable the auto-loaded terraform.tfvars assigns, over its default', async () => {
    await show(join('templated', 'terraform.tfvars'), 'tag = "9.9.9"\n');
    const main = await show(
      join('templated', 'main.tf'),
      [
        'variable "tag" { default = "1.2.9" }',
        'resource "docker_container" "web" {',
        '  name  = "web"',
        `  image = "${host}/library/alpine:\${var.tag}"`,
        '}',
        '',
      ].join('\n'),
    );
    const warning = await waitFor("a warning for the assigned tag's absence", () =>
      vscode.languages.getDiagnostics(main.uri).find((d) => d.message.includes('9.9.9')),
    );
    assert.equal(warning.message, `Tag 9.9.9 does not exist in ${host}/library/alpine.`);
  });

  it('reads the image a configuration passes to a module of its own, as that module uses it, and follows the module as it is edited', async () => {
    const child = (use: string) =>
      ['variable "image" {}', 'resource "kubernetes_pod_v1" "app" {', '  spec {', `    container { image = ${use} }`, '  }', '}', ''].join(
        '\n',
      );
    const module = await show(join('modules', 'app', 'main.tf'), child('var.image'));
    const root = await show(
      join('live', 'main.tf'),
      ['module "app" {', '  source = "../modules/app"', `  image  = "${host}/library/alpine:1.2.9"`, '}', ''].join('\n'),
    );
    const found = await lensesOn(root, 'image  =', 2);
    assert.deepEqual(found.map((l) => l.command!.title).sort(), ['Newer tag available: 1.2.10', 'Pin to digest']);
    // The module edited in its editor so that the variable is no image (not saved yet): what is passed to it is none either.
    const edit = new vscode.WorkspaceEdit();
    const use = module.getText().indexOf('var.image');
    edit.replace(module.uri, new vscode.Range(module.positionAt(use), module.positionAt(use + 'var.image'.length)), '"nginx:1.25.3"');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor('the argument no longer read as an image', async () => ((await lenses(root)).length === 0 ? true : undefined));
    // Edited back: an image again.
    const back = new vscode.WorkspaceEdit();
    const literal = module.getText().indexOf('"nginx:1.25.3"');
    back.replace(
      module.uri,
      new vscode.Range(module.positionAt(literal), module.positionAt(literal + '"nginx:1.25.3"'.length)),
      'var.image',
    );
    assert.ok(await vscode.workspace.applyEdit(back));
    await lensesOn(root, 'image  =', 2);
  });

  it('reads the image a configuration passes to a registry module where terraform init installed it, from the root and from a module of its own', async () => {
    // As init leaves a root that calls a registry module (from a subfolder of it) and a module of its own that calls one.
    const root = join(folder(), 'installed');
    const service = [
      'variable "image" {}',
      'resource "google_cloud_run_v2_service" "s" {',
      '  template {',
      '    containers { image = var.image }',
      '  }',
      '}',
      '',
    ];
    for (const [path, text] of [
      [join('.terraform', 'modules', 'web', 'modules', 'service', 'main.tf'), service.join('\n')],
      [join('.terraform', 'modules', 'app.db', 'main.tf'), service.join('\n')],
      [
        join('.terraform', 'modules', 'modules.json'),
        JSON.stringify({
          Modules: [
            { Key: '', Source: '', Dir: '.' },
            {
              Key: 'web',
              Source: 'registry.terraform.io/acme/run/google//modules/service',
              Version: '1.4.0',
              Dir: '.terraform/modules/web/modules/service',
            },
            { Key: 'app', Source: './modules/app', Dir: 'modules/app' },
            { Key: 'app.db', Source: 'registry.terraform.io/acme/db/google', Version: '2.0.1', Dir: '.terraform/modules/app.db' },
          ],
        }),
      ],
    ]) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const call = (name: string, source: string) =>
      [`module "${name}" {`, `  source  = "${source}"`, '  version = "~> 1.4"', `  image   = "${host}/library/alpine:1.2.9"`, '}', ''].join(
        '\n',
      );
    const main = await show(join('installed', 'main.tf'), call('web', 'acme/run/google//modules/service') + call('app', './modules/app'));
    const found = await lensesOn(main, 'image   =', 2);
    assert.deepEqual(found.map((l) => l.command!.title).sort(), ['Newer tag available: 1.2.10', 'Pin to digest']);
    // The local module's own call: its place in the configuration found from the root's manifest, above it.
    const app = await show(join('installed', 'modules', 'app', 'main.tf'), 'variable "image" {}\n' + call('db', 'acme/db/google'));
    const nested = await lensesOn(app, 'image   =', 2);
    assert.deepEqual(nested.map((l) => l.command!.title).sort(), ['Newer tag available: 1.2.10', 'Pin to digest']);
  });

  it("reads a Compose file's ${TAG} with what the project's .env sets, and follows the .env as it is edited", async () => {
    const alpine = tagsOf('library/alpine');
    const env = await show(join('compose-env', '.env'), '# the tag to run\nTAG=1.2.9\n');
    const compose = await show(join('compose-env', 'compose.yaml'), `services:\n  web:\n    image: ${host}/library/alpine:\${TAG}\n`);
    const shown = await waitFor("the hover of the .env's tag", async () => {
      const text = hoverText(
        await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', compose.uri, at(compose, 'alpine')),
      );
      return text.includes(alpine['1.2.9']!) ? text : undefined;
    });
    assert.match(shown, /library\/alpine\\:1\\\.2\\\.9/, 'the heading names the tag the .env sets');
    assert.ok(shown.includes('filled in as the `.env` beside this file sets them'), shown);
    // The .env edited in its editor (not saved): the Compose file is read with the new value.
    const edit = new vscode.WorkspaceEdit();
    const tag = env.getText().indexOf('1.2.9');
    edit.replace(env.uri, new vscode.Range(env.positionAt(tag), env.positionAt(tag + '1.2.9'.length)), '9.9.9');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const warning = await waitFor("a warning for the edited .env's missing tag", () =>
      vscode.languages.getDiagnostics(compose.uri).find((d) => d.message.includes('9.9.9')),
    );
    assert.equal(warning.message, `Tag 9.9.9 does not exist in ${host}/library/alpine.`);
  });

  it("reads a Concourse pipeline's image resource under any name: its lens moves the tag in place", async () => {
    const pipeline = await show(
      join('ci', 'pipeline.yml'),
      [
        'resources:',
        '  - name: base',
        '    type: registry-image',
        `    source: { repository: ${host}/library/alpine, tag: "1.2.9" }`,
        'jobs:',
        '  - name: build',
        '    plan: [{ get: base }]',
        '',
      ].join('\n'),
    );
    const newer = (await lensesOn(pipeline, 'tag:', 1)).find((l) => l.command!.title === 'Newer tag available: 1.2.10')!;
    assert.ok(newer, 'a lens offers the newer tag');
    await run(newer);
    assert.ok(pipeline.getText().includes('tag: "1.2.10" }'), pipeline.getText());
  });

  it("reads a templated Helmfile's release of an OCI chart, which VS Code gives no language: its lens moves the version in place", async () => {
    const helmfile = await show(
      'helmfile.yaml.gotmpl',
      [
        'repositories:',
        '  - name: lab',
        `    url: ${host}/library`,
        '    oci: true',
        'releases:',
        '  - name: web',
        '    chart: lab/alpine',
        '    version: 1.2.9',
        '    values:',
        '      - replicas: {{ .Values.replicas | default 2 }}',
        '',
      ].join('\n'),
    );
    const found = await lensesOn(helmfile, 'version:', 1);
    // Helm reads no digest beside a release's version: nothing to pin.
    assert.deepEqual(
      found.map((l) => l.command!.title),
      ['Newer tag available: 1.2.10'],
    );
    assert.equal(await run(found[0]!), `${host}/library/alpine:1.2.10`);
    assert.ok(helmfile.getText().includes('    version: 1.2.10\n'), helmfile.getText());
  });

  it("reads a Jenkinsfile's Docker agent, whatever language VS Code gives it: its lenses edit the image in place", async () => {
    const pipeline = await show(
      'Jenkinsfile',
      ['pipeline {', '  agent {', '    docker {', `      image '${host}/library/alpine:1.2.9'`, '    }', '  }', '}', ''].join('\n'),
    );
    const found = await lensesOn(pipeline, "image '", 2);
    assert.deepEqual(found.map((l) => l.command!.title).sort(), ['Newer tag available: 1.2.10', 'Pin to digest']);
    const newer = found.find((l) => l.command!.title.startsWith('Newer'))!;
    assert.equal(await run(newer), `${host}/library/alpine:1.2.10`);
    assert.ok(pipeline.getText().includes(`image '${host}/library/alpine:1.2.10'`), pipeline.getText());
  });

  it("reads an ECS task definition's images, and a CloudFormation template's", async () => {
    const taskDefinition = await show(
      join('ecs', 'task-definition.json'),
      JSON.stringify({ family: 'web', containerDefinitions: [{ name: 'web', image: `${host}/library/alpine:1.2.9` }] }, null, 2),
    );
    assert.equal(taskDefinition.languageId, 'json');
    const [newer] = (await lensesOn(taskDefinition, '"image"', 2)).filter((l) => l.command!.title.startsWith('Newer'));
    assert.equal(newer!.command!.title, 'Newer tag available: 1.2.10');
    const template = await show(
      join('ecs', 'template.yaml'),
      [
        'Resources:',
        '  Task:',
        '    Type: AWS::ECS::TaskDefinition',
        '    Properties:',
        '      ContainerDefinitions:',
        `        - Image: ${host}/library/alpine:9.9.9`,
        '',
      ].join('\n'),
    );
    const warning = await waitFor("a warning for the template's missing tag", () =>
      vscode.languages.getDiagnostics(template.uri).find((d) => d.message.includes('9.9.9')),
    );
    assert.equal(warning.message, `Tag 9.9.9 does not exist in ${host}/library/alpine.`);
  });

  it('warns about a tag that does not exist', async () => {
    const diagnostic = await waitFor('a diagnostic for alpine:9.9.9', () =>
      vscode.languages.getDiagnostics(compose.uri).find((d) => d.message.includes('9.9.9')),
    );
    assert.equal(diagnostic.message, `Tag 9.9.9 does not exist in ${host}/library/alpine.`);
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(diagnostic.range.start.line, at(compose, 'alpine:9.9.9').line);
  });

  it('says a registry needs a login, with Log In as the quick fix', async () => {
    const document = await show('Dockerfile', `FROM ${lab.basic.host}/private/app:1.0\n`);
    const diagnostic = await waitFor(
      'a diagnostic for the registry that needs a login',
      () => vscode.languages.getDiagnostics(document.uri)[0],
    );
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Information);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      document.uri,
      diagnostic.range,
    );
    const logIn = actions.find((a) => a.title === `Log In to ${lab.basic.host}…`);
    assert.ok(logIn, `a Log In quick fix among ${actions.map((a) => a.title).join(', ')}`);
    assert.equal(logIn.command?.command, 'registryExplorer.logIn');
    assert.deepEqual(logIn.command?.arguments, [{ host: lab.basic.host }]);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('listed the tags of library/alpine once for the hover, the completion, the lenses and the diagnostics', () => {
    const seen = requests().slice(start);
    assert.equal(seen.filter(isTagListing('library/alpine')).length, 1, seen.map((r) => `${r.method} ${r.path}`).join('\n'));
  });
});

describe('Image references from registries that answer at different speeds', () => {
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('shows what one registry answered while another has not answered at all', async () => {
    // A registry that takes the connection and never says a word: its lookup waits for the time-out (30 s).
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const document = await show(
        'compose.silent.yaml',
        [
          'services:',
          '  waiting:',
          `    image: 127.0.0.1:${port}/team/app:1.0`,
          '  answered:',
          `    image: ${host}/team-a/api:9.9.6`,
          '',
        ].join('\n'),
      );
      // Diagnostics are what this extension sets itself: shown as they come, not once every lookup has ended.
      const warning = await waitFor('the warning for the registry that answered', () =>
        vscode.languages.getDiagnostics(document.uri).find((d) => d.message.includes('9.9.6')),
      );
      assert.equal(warning.message, `Tag 9.9.6 does not exist in ${host}/team-a/api.`);
      assert.ok(sockets.size > 0, 'the silent registry was asked');
      assert.deepEqual(
        vscode.languages.getDiagnostics(document.uri).map((d) => d.range.start.line),
        [4],
        'the silent one has nothing to show yet',
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

describe('Image references written in parts: Helm values and a Kustomization', () => {
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it("moves a values file's tag to the newer one in place, and completes the tag from the repository beside it", async () => {
    const values = await show(
      'values.yaml',
      ['image:', `  repository: ${host}/library/alpine`, '  tag: 1.2.9', '  pullPolicy: IfNotPresent', ''].join('\n'),
    );
    const lenses = await lensesOn(values, 'tag: 1.2.9', 1);
    // No Pin to digest: that would mean writing a digest: key, not editing the tag.
    assert.deepEqual(
      lenses.map((l) => l.command!.title),
      ['Newer tag available: 1.2.10'],
    );
    assert.equal(await run(lenses[0]!), `${host}/library/alpine:1.2.10`);
    assert.equal(
      values.getText(),
      ['image:', `  repository: ${host}/library/alpine`, '  tag: 1.2.10', '  pullPolicy: IfNotPresent', ''].join('\n'),
    );

    const { labels } = await completions(values, at(values, '1.2.10', 0), vscode.CompletionItemKind.Value);
    assert.deepEqual(labels, ['latest', '3.20', '3.19', '1.2.10', '1.2.9']);
  });

  it("pins a chart's tag over its own sha: as the hex its template prints after @sha256:", async () => {
    const digest = tagsOf('library/alpine')['3.19']!;
    const values = await show(
      'prometheus-values.yaml',
      ['prometheus:', '  image:', `    registry: ${host}`, '    repository: library/alpine', '    tag: "3.19"', '    sha: ""', ''].join(
        '\n',
      ),
    );
    const pin = (await lensesOn(values, 'tag: "3.19"', 2)).find((l) => l.command!.title === 'Pin to digest')!;
    assert.equal(await run(pin), `${host}/library/alpine:3.19@${digest}`);
    assert.match(values.getText(), new RegExp(`\n    sha: "${digest.slice('sha256:'.length)}"\n$`));
  });

  it("completes a chart's repository: from the registry: beside it, and a Kustomization's newName:, as names alone", async () => {
    const complete = async (document: vscode.TextDocument, position: vscode.Position): Promise<vscode.CompletionItem[]> =>
      (await completions(document, position, vscode.CompletionItemKind.Module)).items;
    const values = await show('repository-values.yaml', ['image:', `  registry: ${host}`, '  repository: te', '  tag: ""', ''].join('\n'));
    const items = await complete(values, at(values, 'repository: te', 'repository: te'.length));
    const api = items.find((i) => i.label === 'team-a/api');
    assert.ok(api, items.map((i) => i.label).join(', '));
    // The repository alone replaces what was typed: no registry before it, no ':' and tag completion after it.
    assert.equal(api.insertText ?? api.label, 'team-a/api');
    assert.equal(api.command, undefined);
    assert.deepEqual((api.range as vscode.Range).start, at(values, 'repository: te', 'repository: '.length));
    assert.ok(!items.some((i) => i.label === `${host}/team-a/api`));

    const kustomization = await show(
      join('overlay', 'kustomization.yaml'),
      ['images:', '  - name: nginx', `    newName: ${host}/`, '    newTag: "1"', ''].join('\n'),
    );
    const named = await complete(kustomization, at(kustomization, `${host}/`, host.length + 1));
    const web = named.find((i) => i.label === 'apps/web');
    assert.ok(web, named.map((i) => i.label).join(', '));
    assert.equal(web.insertText ?? web.label, 'apps/web');
    assert.equal(web.command, undefined);
    assert.deepEqual((web.range as vscode.Range).start, at(kustomization, `${host}/`, host.length + 1));
  });

  it("puts the v a chart's templates print before its appVersion into the tag, and follows the templates as they change", async () => {
    const dir = join(folder(), 'v-chart');
    // One folder at a time, each given a moment: VS Code's file watcher can miss a folder made
    // inside one it has just been told of, and then reports nothing from it.
    mkdirSync(dir);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    mkdirSync(join(dir, 'templates'));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    writeFileSync(join(dir, 'Chart.yaml'), ['apiVersion: v2', 'name: web', 'version: 0.1.0', 'appVersion: "1"', ''].join('\n'));
    writeFileSync(
      join(dir, 'templates', '_helpers.tpl'),
      '{{- define "web.image" -}}\n{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default (printf "v%s" .Chart.AppVersion)) }}\n{{- end }}\n',
    );
    const values = await show(join('v-chart', 'values.yaml'), ['image:', `  repository: ${host}/apps/web`, ''].join('\n'));
    const hover = await waitFor('a hover for apps/web:v1', async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        values.uri,
        at(values, 'apps/web', 2),
      );
      const text = hoverText(hovers);
      return text.includes(tagsOf('apps/web')['v1']!) ? text : undefined;
    });
    assert.match(hover, /apps\/web\\:v1\*\*/);
    // The template changed on disk: the Chart.yaml and its templates are read again, and the v is gone.
    writeFileSync(
      join(dir, 'templates', '_helpers.tpl'),
      '{{- define "web.image" -}}\n{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}\n{{- end }}\n',
    );
    await waitFor('the hover to follow the template', async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        values.uri,
        at(values, 'apps/web', 2),
      );
      return /apps\/web\\:1\*\*/.test(hoverText(hovers)) || undefined;
    });
  });

  it("takes an empty tag from the chart's appVersion, follows Chart.yaml as it changes, and never warns about that tag", async () => {
    const alpine = tagsOf('library/alpine');
    const chartYaml = join(folder(), 'chart', 'Chart.yaml');
    mkdirSync(dirname(chartYaml), { recursive: true });
    const chart = (appVersion: string): string =>
      [
        'apiVersion: v2',
        'name: shop',
        'version: 0.1.0',
        `appVersion: "${appVersion}"`,
        'dependencies:',
        '  - name: postgresql',
        '    alias: db',
        '',
      ].join('\n');
    writeFileSync(chartYaml, chart('3.19'));
    const values = await show(
      join('chart', 'values.yaml'),
      [
        'image:',
        `  repository: ${host}/library/alpine`,
        '  tag: ""',
        'db:',
        '  image:',
        `    repository: ${host}/library/busybox`,
        '    tag: ""',
        'other:',
        '  image:',
        `    repository: ${host}/library/alpine`,
        '    tag: 9.9.8',
        '',
      ].join('\n'),
    );
    const hoverAt = async (needle: string): Promise<string> =>
      hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', values.uri, at(values, needle, 4)));
    const appImage = `${host}/library/alpine`;
    const found = await waitFor('a hover for the appVersion tag', async () => {
      const text = await hoverAt(appImage);
      return text.includes(alpine['3.19']!) ? text : undefined;
    });
    assert.match(found, /The tag is the chart's appVersion/);
    // A dependency's image defaults to its own chart's appVersion, which is not known here.
    assert.equal(await hoverAt(`${host}/library/busybox`), '');
    // chart-testing's values files sit in the chart's ci/ folder: the chart is the one above.
    const ciValues = await show(join('chart', 'ci', 'lint-values.yaml'), ['image:', `  repository: ${host}/library/alpine`, ''].join('\n'));
    await waitFor('a hover for the appVersion tag in ci/', async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        ciValues.uri,
        at(ciValues, appImage, 4),
      );
      return hoverText(hovers).includes(alpine['3.19']!) || undefined;
    });
    await vscode.window.showTextDocument(values);

    writeFileSync(chartYaml, chart('9.9.9'));
    const missing = await waitFor('the hover to follow Chart.yaml', async () => {
      const text = await hoverAt(appImage);
      return text.includes('9\\.9\\.9') ? text : undefined;
    });
    assert.match(missing, /Check how the chart's templates print `\.Chart\.AppVersion`/);
    // The lookup after an edit covers every site in view, the appVersion one among them.
    const edit = new vscode.WorkspaceEdit();
    edit.replace(values.uri, new vscode.Range(at(values, '9.9.8', 0), at(values, '9.9.8', 5)), '9.9.7');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor('the warning for tag 9.9.7', () => vscode.languages.getDiagnostics(values.uri).find((d) => d.message.includes('9.9.7')));
    assert.deepEqual(
      vscode.languages.getDiagnostics(values.uri).map((d) => d.message),
      [`Tag 9.9.7 does not exist in ${host}/library/alpine.`],
    );
  });

  it("moves a Chart.yaml dependency's version to the newer tag, and pins a Flux OCIRepository's tag on a new digest: line", async () => {
    const chart = await show(
      join('umbrella', 'Chart.yaml'),
      [
        'apiVersion: v2',
        'name: umbrella',
        'version: 0.1.0',
        'dependencies:',
        '  - name: alpine',
        '    version: 1.2.9',
        `    repository: oci://${host}/library`,
        '',
      ].join('\n'),
    );
    const lenses = await lensesOn(chart, 'version: 1.2.9', 1);
    // Helm reads no digest from a dependency: nothing to pin.
    assert.deepEqual(
      lenses.map((l) => l.command!.title),
      ['Newer tag available: 1.2.10'],
    );
    assert.equal(await run(lenses[0]!), `${host}/library/alpine:1.2.10`);
    assert.match(chart.getText(), /\n {4}version: 1\.2\.10\n/);

    const alpine = tagsOf('library/alpine');
    const source = await show(
      'podinfo-source.yaml',
      [
        'apiVersion: source.toolkit.fluxcd.io/v1beta2',
        'kind: OCIRepository',
        'metadata:',
        '  name: app',
        'spec:',
        `  url: oci://${host}/library/alpine`,
        '  ref:',
        '    tag: "3.19"',
        '',
      ].join('\n'),
    );
    const pin = (await lensesOn(source, 'tag: "3.19"', 2)).find((l) => l.command!.title === 'Pin to digest')!;
    assert.equal(await run(pin), `${host}/library/alpine:3.19@${alpine['3.19']}`);
    assert.ok(source.getText().endsWith(`    tag: "3.19"\n    digest: ${alpine['3.19']}\n`), source.getText());
  });

  it('describes a version range as the tag it picks, warns when none matches, moves it up, and completes a version in place of it', async () => {
    const alpine = tagsOf('library/alpine');
    const chart = await show(
      join('ranges', 'Chart.yaml'),
      [
        'apiVersion: v2',
        'name: ranges',
        'version: 0.1.0',
        'dependencies:',
        '  - name: alpine',
        '    version: ~1.2.0',
        `    repository: oci://${host}/library`,
        '  - name: alpine',
        '    alias: later',
        '    version: ^2',
        `    repository: oci://${host}/library`,
        '  - name: api',
        '    version: ~1.0.0',
        `    repository: oci://${host}/team-a`,
        '',
      ].join('\n'),
    );
    // Helm reads the tags as strict SemVer: 1.2.10 is the highest of ~1.2.0, and 3.19 is no version to it.
    const hover = hoverText(
      await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', chart.uri, at(chart, '~1.2.0')),
    );
    assert.match(hover, /The range \\~1\\\.2\\\.0 picks 1\\\.2\\\.10/);
    assert.ok(hover.includes(alpine['1.2.10']!), hover);
    const diagnostic = await waitFor('a diagnostic for the range ^2', () =>
      vscode.languages.getDiagnostics(chart.uri).find((d) => d.message.includes('^2')),
    );
    assert.equal(diagnostic.message, `No version of ${host}/library/alpine matches ^2. The newest is 1.2.10.`);
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
    assert.deepEqual([diagnostic.range.start.line, diagnostic.range.start.character, diagnostic.range.end.character], [9, 13, 15]);
    assert.equal(vscode.languages.getDiagnostics(chart.uri).length, 1, 'the range that matches is not warned about');
    // A range that does not take in the newest version is moved up in its own form; one that does has no lens.
    const [move] = await lensesOn(chart, 'version: ~1.0.0', 1);
    assert.equal(move!.command!.title, 'Newer version outside the range: 1.1.0');
    const line = at(chart, '~1.2.0').line;
    assert.deepEqual(
      (await lenses(chart)).filter((l) => l.range.start.line === line && l.command),
      [],
    );
    assert.equal(await run(move!), '~1.1.0');
    assert.match(chart.getText(), /\n {4}version: ~1\.1\.0\n/);
    // A version may replace the range: its repository's tags are offered.
    const { items, labels } = await completions(chart, at(chart, '~1.2.0', 6), vscode.CompletionItemKind.Value);
    assert.ok(labels.includes('1.2.10') && labels.includes('latest'), labels.join(', '));
    // VS Code filters items by the text they replace: with the range in front, none is filtered out by its ~.
    assert.ok(
      items.every((i) => i.filterText?.startsWith('~1.2.0')),
      'the range is kept in front of each filter text',
    );
  });

  it('picks a Flux range among the tags its semverFilter keeps, and completes only those tags', async () => {
    const alpine = tagsOf('library/alpine');
    const source = await show(
      join('flux', 'filtered.yaml'),
      [
        'apiVersion: source.toolkit.fluxcd.io/v1',
        'kind: OCIRepository',
        'metadata:',
        '  name: alpine',
        'spec:',
        `  url: oci://${host}/library/alpine`,
        '  ref:',
        '    semver: ">=1.0.0"',
        "    semverFilter: '^1\\.'",
        '',
      ].join('\n'),
    );
    // Unfiltered, >=1.0.0 would pick 3.20 (Flux reads it as 3.20.0); the filter keeps 1.2.10 and 1.2.9.
    const hover = hoverText(
      await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', source.uri, at(source, '>=1.0.0', 2)),
    );
    assert.match(hover, /picks 1\\\.2\\\.10, the highest of its versions among the tags its filter /);
    assert.ok(hover.includes(alpine['1.2.10']!), hover);
    const { labels } = await completions(source, at(source, '>=1.0.0', 7), vscode.CompletionItemKind.Value);
    assert.deepEqual([...labels].sort(), ['1.2.10', '1.2.9']);
  });

  it('follows a Flux HelmRelease to its OCI HelmRepository in another file, and to one written later', async () => {
    const repository = (name: string, path: string) =>
      [
        'apiVersion: source.toolkit.fluxcd.io/v1',
        'kind: HelmRepository',
        'metadata:',
        `  name: ${name}`,
        'spec:',
        '  type: oci',
        `  url: oci://${host}/${path}`,
        '',
      ].join('\n');
    const release = (name: string, chart: string, version: string) =>
      [
        'apiVersion: helm.toolkit.fluxcd.io/v2',
        'kind: HelmRelease',
        'metadata:',
        `  name: ${chart}`,
        'spec:',
        '  chart:',
        '    spec:',
        `      chart: ${chart}`,
        `      version: ${version}`,
        '      sourceRef:',
        '        kind: HelmRepository',
        `        name: ${name}`,
      ].join('\n');
    mkdirSync(join(folder(), 'flux', 'sources'), { recursive: true });
    writeFileSync(join(folder(), 'flux', 'sources', 'library.yaml'), repository('lab-library', 'library'));
    const releases = await show(
      join('flux', 'apps', 'release.yaml'),
      [release('lab-library', 'alpine', '1.2.9'), '---', release('lab-team-a', 'api', '1.0.0'), ''].join('\n'),
    );
    const [newer] = await lensesOn(releases, 'version: 1.2.9', 1);
    assert.equal(newer!.command!.title, 'Newer tag available: 1.2.10');
    // The second release's repository does not exist yet: nothing is said about it.
    const apiLine = at(releases, 'version: 1.0.0').line;
    assert.deepEqual(
      (await lenses(releases)).filter((l) => l.range.start.line === apiLine && l.command),
      [],
    );
    // Written later, it is read as it appears. (In a folder the file watcher has known for a while:
    // one made a moment before, as flux/sources/ above, may not be watched yet.)
    writeFileSync(join(folder(), 'team-a-repository.yaml'), repository('lab-team-a', 'team-a'));
    const [later] = await lensesOn(releases, 'version: 1.0.0', 1);
    assert.equal(later!.command!.title, 'Newer tag available: 1.1.0');
  });

  it("looks a Kustomization's new name and tag up: a hover with the digest, a warning for a tag that does not exist", async () => {
    const kustomization = await show(
      'kustomization.yaml',
      [
        'resources:',
        '  - deployment.yaml',
        'images:',
        '  - name: alpine',
        `    newName: ${host}/library/alpine`,
        '    newTag: "3.19"',
        '  - name: busybox',
        `    newName: ${host}/library/alpine`,
        '    newTag: 9.9.9',
        '',
      ].join('\n'),
    );
    const hover = hoverText(
      await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', kustomization.uri, at(kustomization, '3.19')),
    );
    assert.match(hover, new RegExp(tagsOf('library/alpine')['3.19']!));
    const diagnostic = await waitFor('a diagnostic for newTag 9.9.9', () =>
      vscode.languages.getDiagnostics(kustomization.uri).find((d) => d.message.includes('9.9.9')),
    );
    assert.equal(diagnostic.message, `Tag 9.9.9 does not exist in ${host}/library/alpine.`);
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
    assert.deepEqual(
      [diagnostic.range.start, diagnostic.range.end].map((p) => [p.line, p.character]),
      [
        [8, 12],
        [8, 17],
      ],
      'the warning underlines the tag',
    );
  });

  it("pins a Kustomization's tag on a new digest: line, then moves tag and digest together to the newer tag", async () => {
    const alpine = tagsOf('library/alpine');
    const kustomization = await show(
      'kustomization.yml',
      ['images:', '  - name: alpine', `    newName: ${host}/library/alpine`, '    newTag: "3.19"', '  - name: other', ''].join('\n'),
    );
    const lenses = await lensesOn(kustomization, 'newTag', 2);
    assert.deepEqual(lenses.map((l) => l.command!.title).sort(), ['Newer tag available: 3.20', 'Pin to digest']);
    const pin = lenses.find((l) => l.command!.title === 'Pin to digest')!;
    assert.equal(await run(pin), `${host}/library/alpine:3.19@${alpine['3.19']}`);
    const pinnedText = [
      'images:',
      '  - name: alpine',
      `    newName: ${host}/library/alpine`,
      '    newTag: "3.19"',
      `    digest: ${alpine['3.19']}`,
      '  - name: other',
      '',
    ];
    assert.equal(kustomization.getText(), pinnedText.join('\n'));
    const newer = await waitFor('the newer-tag lens on the pinned tag', async () =>
      (await lensesOn(kustomization, 'newTag', 1)).find((l) => l.command!.title === 'Newer tag available: 3.20'),
    );
    assert.equal(await run(newer), `${host}/library/alpine:3.20@${alpine['3.20']}`);
    pinnedText.splice(3, 2, '    newTag: "3.20"', `    digest: ${alpine['3.20']}`);
    assert.equal(kustomization.getText(), pinnedText.join('\n'));
  });
});
