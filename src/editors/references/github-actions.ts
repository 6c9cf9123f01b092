/**
 * Image references in GitHub Actions workflows, and in a Docker container action's `action.yml`
 * (see {@link findInActionMetadata}). In a workflow: a job's `container:` (a string, or a mapping with
 * `image:`), its `services.<name>.image`, steps that run an image directly
 * (`uses: docker://alpine:3.20`), and the images docker/build-push-action takes as named contexts
 * (`build-contexts:`, one `name=docker-image://…` a line). An image given by the job's matrix
 * alone (`container: ${{ matrix.image }}`, or `${{ matrix.distro.image }}` for a matrix of
 * mappings) is read where the matrix writes each value: the entries of `strategy.matrix.image` and
 * of its `include:`. One given by an input alone (`${{ inputs.image }}` in a reusable or manually
 * run workflow) is read at the input's `default:`, and at each of a choice input's `options:`.
 * Other expressions are left alone.
 */
import { IMAGE_CONTEXT, imageContextSkip } from './bake';
import { siteFrom } from './site';
import type { ReferenceSite, SiteContext } from './types';
import { isMap, isSeq, literalBlockLines, mapEntries, mapGet, scalarSite, scalarText, type YamlDocument, uniqueSites } from './yaml-nodes';

const DOCKER_SCHEME = 'docker://';
const BUILD_PUSH_ACTION = 'docker/build-push-action@';

export function findInWorkflow(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs) {
    for (const [, job] of mapEntries(doc, mapGet(doc, doc.contents, 'jobs'))) {
      if (!isMap(job)) continue;
      const matrix = mapGet(doc, mapGet(doc, job, 'strategy'), 'matrix');
      const image = (node: unknown, context: SiteContext): void => {
        sites.push(scalarSite(doc, text, node, { context }));
        const written = scalarText(doc, node);
        for (const value of [...matrixValues(doc, matrix, written), ...inputValues(doc, written)])
          sites.push(scalarSite(doc, text, value, { context }));
      };
      const container = mapGet(doc, job, 'container');
      image(isMap(container) ? mapGet(doc, container, 'image') : container, 'container');
      for (const [, service] of mapEntries(doc, mapGet(doc, job, 'services')))
        image(isMap(service) ? mapGet(doc, service, 'image') : service, 'service');
      const steps = mapGet(doc, job, 'steps');
      if (!isSeq(steps)) continue;
      for (const step of steps.items) {
        const uses = mapGet(doc, step, 'uses');
        if (scalarText(doc, uses)?.startsWith(DOCKER_SCHEME))
          sites.push(scalarSite(doc, text, uses, { context: 'uses' }, DOCKER_SCHEME.length));
        if (scalarText(doc, uses)?.startsWith(BUILD_PUSH_ACTION))
          sites.push(...buildContextSites(doc, text, mapGet(doc, mapGet(doc, step, 'with'), 'build-contexts')));
      }
    }
  }
  return uniqueSites(sites);
}

/**
 * A Docker container action's metadata (`action.yml`): `runs.image` when it names a registry's
 * image (`docker://alpine:3.20`; a `Dockerfile` is built, and not read).
 */
export function findInActionMetadata(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs) {
    const runs = mapGet(doc, doc.contents, 'runs');
    const image = mapGet(doc, runs, 'image');
    if (scalarText(doc, mapGet(doc, runs, 'using'))?.trim() === 'docker' && scalarText(doc, image)?.startsWith(DOCKER_SCHEME))
      sites.push(scalarSite(doc, text, image, { context: 'image' }, DOCKER_SCHEME.length));
  }
  return uniqueSites(sites);
}

/** `${{ matrix.image }}` or `${{ matrix.distro.image }}`, alone. */
const MATRIX_EXPRESSION = /^\$\{\{\s*matrix\.([A-Za-z_][\w-]*)(?:\.([A-Za-z_][\w-]*))?\s*\}\}$/;

/**
 * Where a job's matrix writes the values an expression of it takes: each entry of the matrix's
 * list for that name, and that name in each `include:` entry (a mapping's property, for a
 * property's expression). A list made by an expression (`fromJSON(…)`) gives nothing.
 */
function matrixValues(doc: YamlDocument, matrix: unknown, written: string | undefined): unknown[] {
  const expression = written === undefined ? undefined : MATRIX_EXPRESSION.exec(written.trim());
  if (!expression || !isMap(matrix)) return [];
  const name = expression[1]!;
  const property = expression[2];
  const include = mapGet(doc, matrix, 'include');
  const values = [
    ...(name === 'include' || name === 'exclude' ? [] : listItems(mapGet(doc, matrix, name))),
    ...listItems(include).map((entry) => mapGet(doc, entry, name)),
  ];
  return property === undefined ? values : values.map((value) => mapGet(doc, value, property));
}

/** `${{ inputs.image }}`, or the older `${{ github.event.inputs.image }}` of a manually run workflow, alone. */
const INPUT_EXPRESSION = /^\$\{\{\s*(?:github\.event\.)?inputs\.([A-Za-z_][\w-]*)\s*\}\}$/;
/** The events whose inputs a workflow declares with defaults: a reusable workflow's call, and a manual run. */
const INPUT_EVENTS = ['workflow_call', 'workflow_dispatch'];

/**
 * Where the workflow writes the values an input's expression takes when no caller or person
 * gives one: the input's `default:` under each event that declares it, and a choice's `options:`.
 */
function inputValues(doc: YamlDocument, written: string | undefined): unknown[] {
  const expression = written === undefined ? undefined : INPUT_EXPRESSION.exec(written.trim());
  if (!expression) return [];
  const on = mapGet(doc, doc.contents, 'on');
  return INPUT_EVENTS.flatMap((event) => {
    const input = mapGet(doc, mapGet(doc, mapGet(doc, on, event), 'inputs'), expression[1]!);
    return [mapGet(doc, input, 'default'), ...listItems(mapGet(doc, input, 'options'))];
  });
}

function listItems(node: unknown): unknown[] {
  return isSeq(node) ? node.items : [];
}

/**
 * The images of a `build-contexts:` input: a list input, so a newline-delimited string (the
 * action's README), usually a `|` block with a `name=docker-image://…` item a line. Paths, URLs
 * and other stages are left alone.
 */
function buildContextSites(doc: YamlDocument, text: string, node: unknown): (ReferenceSite | undefined)[] {
  const single = scalarText(doc, node);
  if (single !== undefined && !single.includes('\n')) {
    const skip = namedImageSkip(single);
    return skip === undefined ? [] : [scalarSite(doc, text, node, { context: 'build-contexts' }, skip)];
  }
  return literalBlockLines(doc, text, node).map(({ start, value }) => {
    const skip = namedImageSkip(value);
    if (skip === undefined) return undefined;
    return siteFrom({ text, start: start + skip, end: start + value.length, value: value.slice(skip), context: 'build-contexts' });
  });
}

/** Where the image starts in a `name=docker-image://…` item (each item needs its name). */
function namedImageSkip(item: string): number | undefined {
  return item.indexOf(`=${IMAGE_CONTEXT}`) > 0 ? imageContextSkip(item) : undefined;
}
