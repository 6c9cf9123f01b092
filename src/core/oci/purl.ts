/**
 * Package URLs (github.com/package-url/purl-spec) read for their names, as SBOMs, VEX documents and
 * scanners use them: `pkg:deb/debian/libc6@2.36-9?arch=amd64` is libc6 in the debian namespace.
 * Some tools write an npm scope's `@` unencoded, so the version is the part after the last `@`
 * past the last `/`.
 */

export interface PurlName {
  /** `deb`, `npm`, `maven`: lower case. */
  type: string;
  /** The namespace's segments, decoded: `['debian']`, `['@babel']`, `['org', 'apache']`. */
  namespace: string[];
  /** The name, decoded: `libc6`, `core`. */
  name: string;
}

/** The type, namespace and name of a package URL; undefined for other text. */
export function purlName(text: string): PurlName | undefined {
  const match = /^pkg:\/*([A-Za-z][A-Za-z0-9.+-]*)\/([^?#]+)/i.exec(text);
  if (!match) return undefined;
  const path = match[2]!;
  const at = path.indexOf('@', path.lastIndexOf('/') + 1);
  const segments = (at < 0 ? path : path.slice(0, at)).split('/').map(decoded);
  const name = segments.pop();
  if (!name) return undefined;
  return { type: match[1]!.toLowerCase(), namespace: segments, name };
}

/**
 * The name Trivy reports a package by: npm's scoped packages with their scope (`@babel/core`),
 * Maven's with their group (`org.apache.logging.log4j:log4j-core`), Go modules by their whole path
 * (`golang.org/x/net`), others by name alone (`libc6`).
 */
export function reportedName(purl: PurlName): string {
  const scope = purl.namespace.at(-1);
  if (purl.type === 'npm' && scope?.startsWith('@')) return `${scope}/${purl.name}`;
  if (purl.type === 'maven' && purl.namespace.length) return `${purl.namespace.join('.')}:${purl.name}`;
  if (purl.type === 'golang' && purl.namespace.length) return `${purl.namespace.join('/')}/${purl.name}`;
  return purl.name;
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
