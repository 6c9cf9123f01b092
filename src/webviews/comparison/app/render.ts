/**
 * The comparison laid out with the inspector's building blocks (text-only DOM, sections, tables):
 * the two sides, then each platform with its layers, size, settings in words, history steps,
 * files, SBOM packages and scan findings, and buttons for the diff editors. Registry strings only ever become
 * text nodes.
 */
import { clipped, h, icon, type Child } from '../../inspector/app/dom';
import { cell, row, section, shortDigest, table } from '../../inspector/app/render/common';
import { RequestError, type Rpc } from '../../shared/app/rpc';
import { vulnerabilitiesResult } from './findings';
import type {
  ClippedText,
  ComparisonModel,
  DiffKind,
  FilesModel,
  HostEvent,
  LayerRow,
  PackageRow,
  PackagesModel,
  PlatformModel,
  Requests,
  Rows,
  SideModel,
  WebviewNotice,
} from '../protocol';

type ComparisonRpc = Rpc<Requests, HostEvent, WebviewNotice>;

function button(iconName: string, label: string, onClick: () => void, title = label): HTMLButtonElement {
  const el = h('button', { class: 'secondary-button', title }, icon(iconName), label);
  el.type = 'button';
  el.addEventListener('click', (e) => {
    // Inside a section's summary a click would also fold the section.
    e.preventDefault();
    onClick();
  });
  return el;
}

/** Asks the host for something that only acts (a diff, a copy); a failure shows beside the button. */
function act(request: () => Promise<unknown>, near: HTMLElement): void {
  request().catch((err: unknown) => {
    near.after(h('p', { class: 'problem' }, icon('error'), ' ', err instanceof Error ? err.message : String(err)));
  });
}

function more(rows: Rows<unknown>, what: string): Child {
  return rows.omitted ? h('p', { class: 'omitted' }, `… ${rows.omitted.toLocaleString('en-US')} more ${what} not listed.`) : undefined;
}

function sideFacts(label: string, side: SideModel): HTMLElement {
  return h(
    'div',
    { class: 'side' },
    h('div', { class: 'side-label muted' }, label),
    h('div', { class: 'side-reference' }, clipped(side.reference, 'reference')),
    h('div', { class: 'small muted' }, side.kind, ' · ', h('code', { title: side.digest }, shortDigest(side.digest))),
  );
}

function countsNote(p: PlatformModel): string {
  if (p.only) return p.only === 'before' ? 'only in the first' : 'only in the second';
  if (p.problem) return 'not compared';
  if (p.identical) return 'identical';
  const parts = [
    `${p.layers.added.total} layer${p.layers.added.total === 1 ? '' : 's'} added`,
    `${p.layers.removed.total} removed`,
    `${p.settings.total} setting${p.settings.total === 1 ? '' : 's'} changed`,
    p.size.text.replace(/^.*\(/, '').replace(/\)$/, ''),
  ];
  return parts.join(', ');
}

function layerTable(p: PlatformModel): HTMLElement {
  const rows: HTMLTableRowElement[] = [];
  const add = (list: Rows<LayerRow>, change: 'added' | 'removed' | 'shared') => {
    for (const layer of list.rows)
      rows.push(
        h(
          'tr',
          { class: `change-${change}` },
          cell('change', h('span', { class: `change-badge change-${change}` }, change)),
          cell('mono', h('code', { title: layer.digest }, shortDigest(layer.digest))),
          cell('size', layer.sizeText),
        ),
      );
  };
  add(p.layers.added, 'added');
  add(p.layers.removed, 'removed');
  add(p.layers.shared, 'shared');
  return h(
    'div',
    { data: { part: 'layers' } },
    h(
      'p',
      { class: 'summary-line' },
      `${p.layers.shared.total} shared, ${p.layers.added.total} added, ${p.layers.removed.total} removed. Size: ${p.size.text}.`,
    ),
    rows.length ? table(['Change', 'Layer', 'Size'], rows, 'layers') : h('p', { class: 'muted' }, 'No layers.'),
    more(p.layers.added, 'added layers'),
    more(p.layers.removed, 'removed layers'),
    more(p.layers.shared, 'shared layers'),
  );
}

function value(text: ClippedText | undefined): Child {
  return text ? clipped(text, 'mono wrap') : h('span', { class: 'muted' }, 'not set');
}

function settingsTable(p: PlatformModel): HTMLElement {
  if (!p.settings.total)
    return h(
      'p',
      { class: 'muted', data: { part: 'settings' } },
      'The same entrypoint, command, environment, labels, user, ports and working directory.',
    );
  return h(
    'div',
    { data: { part: 'settings' } },
    table(
      ['Setting', 'First', 'Second'],
      p.settings.rows.map((s) => row(cell('key wrap', clipped(s.setting)), cell('wrap', value(s.before)), cell('wrap', value(s.after)))),
      'settings',
    ),
    more(p.settings, 'settings'),
  );
}

function historyList(p: PlatformModel): HTMLElement {
  const { added, removed } = p.history;
  if (!added.total && !removed.total) return h('p', { class: 'muted', data: { part: 'history' } }, 'The same build steps.');
  const steps = (list: Rows<ClippedText>, sign: '+' | '−', change: 'added' | 'removed') =>
    list.rows.map((step) =>
      h('li', { class: `change-${change}` }, h('span', { class: 'sign' }, sign), ' ', clipped(step, 'instruction mono')),
    );
  return h(
    'div',
    { data: { part: 'history' } },
    h('ul', { class: 'steps' }, ...steps(removed, '−', 'removed'), ...steps(added, '+', 'added')),
    more(removed, 'removed steps'),
    more(added, 'added steps'),
  );
}

function fileTable(files: FilesModel): HTMLElement {
  const listed = (title: string, change: 'added' | 'removed', list: FilesModel['added']) =>
    list.total
      ? [
          h('h3', {}, `${title} (${list.total.toLocaleString('en-US')})`),
          table(
            ['Path', 'Type', 'Size'],
            list.rows.map((f) =>
              h('tr', { class: `change-${change}` }, cell('mono wrap', clipped(f.path)), cell('', f.type), cell('size', f.sizeText)),
            ),
            'files',
          ),
          more(list, 'files'),
        ]
      : [];
  const changed = files.changed.total
    ? [
        h('h3', {}, `Files changed (${files.changed.total.toLocaleString('en-US')})`),
        table(
          ['Path', 'What changed'],
          files.changed.rows.map((f) =>
            row(cell('mono wrap', clipped(f.path)), cell('wrap', ...f.changes.flatMap((c, i) => [i ? '; ' : '', clipped(c)]))),
          ),
          'files changed',
        ),
        more(files.changed, 'files'),
      ]
    : [];
  const nothing = !files.added.total && !files.removed.total && !files.changed.total;
  return h(
    'div',
    { class: 'files-result' },
    files.note ? h('p', { class: 'muted' }, files.note) : undefined,
    nothing ? h('p', { class: 'muted' }, 'No file differs.') : undefined,
    ...listed('Files added', 'added', files.added),
    ...listed('Files removed', 'removed', files.removed),
    ...changed,
  );
}

const AGAIN: Readonly<Record<'files' | 'packages' | 'vulnerabilities', string>> = {
  files: 'Compare Files Again',
  packages: 'Compare Packages Again',
  vulnerabilities: 'Compare Vulnerabilities Again',
};

/** What a part shows when comparing its `what` failed or was cancelled: why, and a button to compare again. */
function endedEarly(err: unknown, what: keyof typeof AGAIN, again: () => void): HTMLElement[] {
  const cancelled = err instanceof RequestError && err.cancelled;
  return [
    h(
      'p',
      { class: cancelled ? 'notice' : 'problem' },
      icon(cancelled ? 'info' : 'error'),
      ' ',
      cancelled ? `Comparing the ${what} was cancelled.` : String((err as Error).message),
    ),
    button('refresh', AGAIN[what], again),
  ];
}

/** The files part: a button (or an automatic start), a progress bar with Cancel while the layers are read, then the tables. */
function filesPart(rpc: ComparisonRpc, p: PlatformModel, start: boolean): { el: HTMLElement; done?: Promise<void> } {
  const el = h('div', { data: { part: 'files' } });
  if (p.sameLayers) {
    el.append(h('p', { class: 'muted' }, 'The same layers, so the same files.'));
    return { el };
  }
  const run = (): Promise<void> => {
    const fill = h('div', { class: 'progress-fill' });
    const label = h('span', { class: 'muted' }, 'Reading the layers…');
    const call = rpc.request('compareFiles', p.platform !== undefined ? { platform: p.platform } : {});
    const stop = button('debug-stop', 'Cancel', () => rpc.cancel(call.id));
    const unsubscribe = rpc.onEvent((event) => {
      if (event.type !== 'filesProgress' || event.id !== call.id) return;
      fill.style.setProperty('--share', `${Math.round((event.done / Math.max(1, event.total)) * 100)}%`);
      label.textContent = `Layer ${Math.min(event.done + 1, event.total)} of ${event.total}…`;
    });
    el.replaceChildren(
      h('div', { class: 'listing-progress' }, h('div', { class: 'progress' }, fill), h('div', { class: 'progress-line' }, label, stop)),
    );
    return call.result
      .then((files) => el.replaceChildren(fileTable(files)))
      .catch((err: unknown) => el.replaceChildren(...endedEarly(err, 'files', () => void run())))
      .finally(unsubscribe);
  };
  if (start) return { el, done: run() };
  el.append(
    h('p', { class: 'muted' }, 'Which files were added, removed or changed: every layer of both images is read once.'),
    button('files', 'Compare Files', () => void run()),
  );
  return { el };
}

/** A value, or a muted dash when a side gives none (an SBOM without versions). */
function orNone(text: ClippedText | undefined): Child {
  return text && text.text !== '' ? clipped(text, 'mono wrap') : h('span', { class: 'muted' }, '—');
}

function packagesResult(packages: PackagesModel): HTMLElement {
  const sides = (['before', 'after'] as const).map((key) => {
    const found = packages[key];
    const label = key === 'before' ? 'First' : 'Second';
    if (!found) return h('li', {}, `${label}: no SBOM found.`);
    const omitted = found.omitted ? ` (${found.omitted.toLocaleString('en-US')} packages past the first ones not read)` : '';
    return h(
      'li',
      {},
      `${label}: ${found.format}, from ${found.place} `,
      h('code', { title: found.manifest }, shortDigest(found.manifest)),
      omitted,
    );
  });
  const listed = (title: string, change: 'added' | 'removed', list: Rows<PackageRow>) =>
    list.total
      ? [
          h('h3', {}, `${title} (${list.total.toLocaleString('en-US')})`),
          table(
            ['Package', 'Version', 'License'],
            list.rows.map((p) =>
              h(
                'tr',
                { class: `change-${change}` },
                cell('wrap', clipped(p.name), p.purl ? h('div', { class: 'small muted' }, clipped(p.purl, 'mono wrap')) : undefined),
                cell('wrap', orNone(p.version)),
                cell('wrap', orNone(p.license)),
              ),
            ),
            'packages',
          ),
          more(list, 'packages'),
        ]
      : [];
  const changed = packages.changed.total
    ? [
        h('h3', {}, `Packages changed (${packages.changed.total.toLocaleString('en-US')})`),
        table(
          ['Package', 'First', 'Second'],
          packages.changed.rows.map((c) =>
            row(
              cell('wrap', clipped(c.name), c.purl ? h('div', { class: 'small muted' }, clipped(c.purl, 'mono wrap')) : undefined),
              cell('wrap', orNone(c.before), c.license ? h('div', { class: 'small' }, 'License: ', orNone(c.license.before)) : undefined),
              cell('wrap', orNone(c.after), c.license ? h('div', { class: 'small' }, 'License: ', orNone(c.license.after)) : undefined),
            ),
          ),
          'packages changed',
        ),
        more(packages.changed, 'packages'),
      ]
    : [];
  const compared = !!packages.before && !!packages.after;
  const nothing = compared && !packages.added.total && !packages.removed.total && !packages.changed.total;
  return h(
    'div',
    { class: 'packages-result' },
    h('ul', { class: 'sbom-sides small' }, ...sides),
    packages.missing ? h('p', { class: 'notice' }, icon('info'), ' ', packages.missing) : undefined,
    compared
      ? h(
          'p',
          { class: 'summary-line' },
          `${packages.unchanged.toLocaleString('en-US')} the same, ${packages.changed.total.toLocaleString('en-US')} changed, ${packages.added.total.toLocaleString('en-US')} added, ${packages.removed.total.toLocaleString('en-US')} removed.`,
        )
      : undefined,
    nothing ? h('p', { class: 'muted' }, 'No package differs.') : undefined,
    ...changed,
    ...listed('Packages added', 'added', packages.added),
    ...listed('Packages removed', 'removed', packages.removed),
    ...packages.problems.map((p) => h('p', { class: 'muted small' }, icon('warning'), ' ', p)),
  );
}

/** What a part that looks documents up on request (SBOMs, scans) says and asks for. */
interface LookupPart<M extends 'comparePackages' | 'compareVulnerabilities'> {
  part: 'packages' | 'vulnerabilities';
  method: M;
  intro: string;
  icon: string;
  label: string;
  looking: string;
  result: (model: Requests[M]['result']) => HTMLElement;
}

/** A button, then (with Cancel while the documents are looked for and read) where each was found and what differs. */
function lookupPart<M extends 'comparePackages' | 'compareVulnerabilities'>(
  rpc: ComparisonRpc,
  p: PlatformModel,
  part: LookupPart<M>,
): HTMLElement {
  const el = h('div', { data: { part: part.part } });
  const run = (): Promise<void> => {
    const call = rpc.request(part.method, p.platform !== undefined ? { platform: p.platform } : {});
    const stop = button('debug-stop', 'Cancel', () => rpc.cancel(call.id));
    el.replaceChildren(h('p', { class: 'progress-line' }, h('span', { class: 'muted' }, part.looking), stop));
    return call.result
      .then((model) => el.replaceChildren(part.result(model as Requests[M]['result'])))
      .catch((err: unknown) => el.replaceChildren(...endedEarly(err, part.part, () => void run())));
  };
  el.append(
    h('p', { class: 'muted' }, part.intro),
    button(part.icon, part.label, () => void run()),
  );
  return el;
}

function packagesPart(rpc: ComparisonRpc, p: PlatformModel): HTMLElement {
  return lookupPart(rpc, p, {
    part: 'packages',
    method: 'comparePackages',
    intro:
      "Which packages were added, removed or changed, from each image's SBOM: BuildKit's attestations, referrers, or cosign's attestations.",
    icon: 'package',
    label: 'Compare Packages',
    looking: 'Looking for the SBOMs and reading them…',
    result: packagesResult,
  });
}

function vulnerabilitiesPart(rpc: ComparisonRpc, p: PlatformModel): HTMLElement {
  const open = (id: string, near: HTMLElement) => act(() => rpc.request('openAdvisory', { id }).result, near);
  return lookupPart(rpc, p, {
    part: 'vulnerabilities',
    method: 'compareVulnerabilities',
    intro:
      "Which findings are new, gone or changed, from each image's attached scan report (Trivy, Grype, SARIF or an in-toto vulnerability attestation), as each scanner saw it when it ran, each image's VEX applied.",
    icon: 'shield',
    label: 'Compare Vulnerabilities',
    looking: 'Looking for the vulnerability scans and reading them…',
    result: (findings) => vulnerabilitiesResult(findings, open),
  });
}

function platformSection(rpc: ComparisonRpc, p: PlatformModel, startFiles: boolean): { el: HTMLElement; done?: Promise<void> } {
  const title = p.platform ?? 'Image';
  const platformParams = p.platform !== undefined ? { platform: p.platform } : {};
  const diff = (kind: DiffKind, label: string) => {
    const b: HTMLButtonElement = button(
      'diff',
      label,
      () => act(() => rpc.request('openDiff', { kind, ...platformParams }).result, b),
      `Open the ${kind} diff`,
    );
    return b;
  };
  if (p.only)
    return {
      el: section(
        title,
        'vm',
        h('p', { class: 'muted' }, `This platform is only in the ${p.only === 'before' ? 'first' : 'second'} index.`),
        {
          note: countsNote(p),
          id: `platform-${title}`,
        },
      ),
    };
  if (p.problem)
    return {
      el: section(title, 'vm', h('p', { class: 'problem' }, icon('error'), ' ', p.problem), {
        note: countsNote(p),
        id: `platform-${title}`,
      }),
    };
  const files = filesPart(rpc, p, startFiles);
  const body: Child[] = [
    h('h3', {}, 'Layers'),
    layerTable(p),
    h('h3', {}, 'Settings'),
    settingsTable(p),
    h('h3', {}, 'History'),
    historyList(p),
    h('h3', {}, 'Files'),
    files.el,
    h('h3', {}, 'Packages'),
    packagesPart(rpc, p),
    h('h3', {}, 'Vulnerabilities'),
    vulnerabilitiesPart(rpc, p),
  ];
  const actions = [diff('manifest', 'Manifest Diff'), ...(p.configs ? [diff('config', 'Config Diff')] : [])];
  return {
    el: section(title, 'vm', body, { note: countsNote(p), id: `platform-${title}`, actions }),
    ...(files.done ? { done: files.done } : {}),
  };
}

/** Lays the comparison out; resolves once what starts by itself (one platform's files) has arrived. */
export async function renderComparison(root: HTMLElement, model: ComparisonModel, rpc: ComparisonRpc): Promise<void> {
  const copy: HTMLButtonElement = button('copy', 'Copy Summary', () => act(() => rpc.request('copySummary', {}).result, copy));
  const indexDiff: HTMLButtonElement | undefined = model.indexes
    ? button('diff', 'Index Diff', () => act(() => rpc.request('openDiff', { kind: 'index' }).result, indexDiff!), 'Open the index diff')
    : undefined;
  const header = h(
    'header',
    { class: 'page-header' },
    h(
      'div',
      { class: 'title-row' },
      h('span', { class: 'kind-icon' }, icon('diff')),
      h('div', { class: 'title-text' }, h('h1', {}, model.title)),
    ),
    h(
      'div',
      { class: 'sides' },
      sideFacts('First', model.before),
      h('span', { class: 'codicon codicon-arrow-right sides-arrow' }),
      sideFacts('Second', model.after),
    ),
    model.identical ? h('p', { class: 'notice identical' }, icon('pass'), ' The same manifest on both sides: nothing differs.') : undefined,
  );
  // The files start by themselves only when there is one platform to read (an index's platforms each have a button).
  const comparable = model.platforms.filter((p) => !p.only && !p.problem);
  const sections = model.platforms.map((p) => platformSection(rpc, p, comparable.length === 1 && p === comparable[0]));
  const parts: (HTMLElement | undefined)[] = [
    h(
      'nav',
      { class: 'toolbar', label: 'Comparison' },
      h('span', { class: 'toolbar-title' }, model.title),
      h('span', { class: 'toolbar-actions' }, indexDiff, copy),
    ),
    header,
    ...sections.map((s) => s.el),
    model.platformsOmitted ? h('p', { class: 'omitted' }, `… ${model.platformsOmitted} more platforms not shown.`) : undefined,
  ];
  root.replaceChildren(...parts.filter((p): p is HTMLElement => p !== undefined));
  await Promise.all(sections.map((s) => s.done));
}
