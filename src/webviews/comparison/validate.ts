/**
 * Messages from the comparison page are checked before anything acts on them: the page shows
 * registry data, so what comes back is untrusted too. A request may name only a platform both
 * sides have, a diff this comparison has, and an advisory osv.dev serves.
 */
import { advisoryUrl } from '../inspector/vulnerability-section';
import { isRecord } from '../inspector/text';
import type { ComparisonModel, DiffKind, Method, RequestMessage, WebviewNotice } from './protocol';

const METHODS: ReadonlySet<Method> = new Set<Method>([
  'compareFiles',
  'comparePackages',
  'compareVulnerabilities',
  'openAdvisory',
  'openDiff',
  'copySummary',
  'cancel',
]);
const KINDS: ReadonlySet<DiffKind> = new Set<DiffKind>(['index', 'manifest', 'config']);

/** The message if it has the protocol's shape, else undefined (the page shows registry data: what comes back is untrusted). */
export function parseComparisonMessage(message: unknown): RequestMessage | WebviewNotice | undefined {
  if (!isRecord(message)) return undefined;
  if (message.type === 'ready') return { type: 'ready' };
  if (message.type === 'rendered' && typeof message.title === 'string') return { type: 'rendered', title: message.title };
  if (message.type === 'request' && Number.isSafeInteger(message.id) && METHODS.has(message.method as Method) && isRecord(message.params))
    return message as unknown as RequestMessage;
  return undefined;
}

/** A sentence saying what is wrong with a request's parameters, or undefined when they are fine. */
export function checkComparisonParams(request: RequestMessage, model: ComparisonModel): string | undefined {
  const p = request.params as Record<string, unknown>;
  const platformKnown = () =>
    p.platform === undefined || (typeof p.platform === 'string' && model.platforms.some((m) => m.platform === p.platform && !m.only))
      ? undefined
      : 'The request names a platform this comparison does not have on both sides.';
  switch (request.method) {
    case 'compareFiles':
    case 'comparePackages':
    case 'compareVulnerabilities':
      return platformKnown();
    case 'openAdvisory':
      return typeof p.id === 'string' && advisoryUrl(p.id) !== undefined ? undefined : 'The request names no advisory osv.dev knows.';
    case 'openDiff':
      if (!KINDS.has(p.kind as DiffKind)) return 'The request names no diff.';
      if (p.kind === 'index') return model.indexes ? undefined : 'Only two indexes have an index diff.';
      return platformKnown();
    case 'copySummary':
      return undefined;
    case 'cancel':
      return Number.isSafeInteger(p.id) ? undefined : 'The request names nothing to cancel.';
  }
}
