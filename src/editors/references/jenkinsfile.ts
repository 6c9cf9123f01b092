/**
 * Image references in Jenkins pipelines (`Jenkinsfile`, Groovy): a declarative pipeline's Docker
 * agent (`agent { docker { image 'maven:3.9' } }`, or `agent { docker 'node:20' }`), the scripted
 * pipeline's `docker.image('node:20')`, the Kubernetes plugin's `containerTemplate(…, image:
 * 'maven:3.9')`, and the pod YAML of a `kubernetes { yaml '''…''' }` agent, read as a Kubernetes
 * file. Only a string whose text is its value is read: Groovy interpolates `"${VERSION}"` and
 * `"$VERSION"` in double quotes, so those are left alone, as is a string with an escape. Comments
 * are stepped over. Pure.
 */
import { findInKubernetes } from './kubernetes';
import { movedBy, siteFrom } from './site';
import type { ReferenceSite } from './types';
import { parseYaml, uniqueSites } from './yaml-nodes';

/** A file longer than this is generated: not read. */
const MAX_CHARS = 2_000_000;
/** A string: '…' or "…" on one line (a triple-quoted one is matched first, apart). */
const STRING = String.raw`(?:'((?:[^'\\\n])*)'|"((?:[^"\\\n$])*)")`;
const PATTERNS: readonly RegExp[] = [
  // `docker { image 'x' }` (and `image('x')`), the agent's block.
  new RegExp(String.raw`\bdocker\s*\{[^{}]*?\bimage\s*\(?\s*${STRING}`, 'g'),
  // `docker 'x'`, the agent's shorthand.
  new RegExp(String.raw`\bdocker\s+${STRING}`, 'g'),
  // `docker.image('x')`, scripted.
  new RegExp(String.raw`\bdocker\.image\s*\(\s*${STRING}`, 'g'),
  // The Kubernetes plugin's `containerTemplate(name: 'x', image: 'y')`.
  new RegExp(String.raw`\bcontainerTemplate\s*\([^()]*?\bimage\s*:\s*${STRING}`, 'g'),
];
/** A Kubernetes agent's pod: `yaml '''…'''` (or `"""…"""` without interpolation). */
const POD_YAML = /\byaml\s*\(?\s*('''|""")([\s\S]*?)\1/g;

export function findInJenkinsfile(text: string): ReferenceSite[] {
  if (text.length > MAX_CHARS) return [];
  const code = withoutComments(text);
  const sites: (ReferenceSite | undefined)[] = [];
  for (const pattern of PATTERNS)
    for (const match of code.matchAll(pattern)) {
      const value = match[1] ?? match[2];
      if (value === undefined) continue;
      // The string's text ends where the match does, before its closing quote.
      const end = match.index + match[0].length - 1;
      sites.push(siteFrom({ text, start: end - value.length, end, value, context: 'image' }));
    }
  for (const match of code.matchAll(POD_YAML)) {
    const quotes = match[1]!;
    const body = match[2]!;
    // Groovy fills `${…}` in a """ string in; the pod is then not what is written.
    if (quotes === '"""' && body.includes('$')) continue;
    const start = match.index + match[0].length - quotes.length - body.length;
    sites.push(...findInKubernetes(parseYaml(body), body).map((site) => movedBy(site, start)));
  }
  return uniqueSites(sites);
}

/**
 * The text with its comments (`//` to the line's end, `/* … *\/`) blanked out, offsets kept, and
 * strings left as they are (a `//` in `'http://…'` is no comment).
 */
function withoutComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    const triple = text.startsWith("'''", i) || text.startsWith('"""', i);
    if (triple || char === "'" || char === '"') {
      const quote = triple ? text.slice(i, i + 3) : char;
      let end = i + quote.length;
      while (end < text.length && !text.startsWith(quote, end) && (triple || text[end] !== '\n')) end += text[end] === '\\' ? 2 : 1;
      end = Math.min(text.length, end + (text.startsWith(quote, end) ? quote.length : 0));
      out += text.slice(i, end);
      i = end;
    } else if (char === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (char === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      const stop = close < 0 ? text.length : close + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      out += char;
      i++;
    }
  }
  return out;
}
