/**
 * Short names read as Podman and Buildah read them (see core/name/short-names.ts): in the files
 * only those engines run, a Quadlet unit and a Containerfile, `fedora:40` is looked up where the
 * engines' aliases (or their only search registry) put it, not on Docker Hub. The text stays as
 * written, so a lens still edits the tag or adds the digest in place, which the engine then reads
 * through the same alias. Pure: sites and a table in, sites out.
 */
import { parseReference } from '../../core/name/reference';
import { readShortName, type ShortNameTable } from '../../core/name/short-names';
import type { ReferenceSite } from './types';

export function withShortNames(sites: ReferenceSite[], table: ShortNameTable | undefined): ReferenceSite[] {
  if (!table) return sites;
  return sites.map((site) => {
    // The `# syntax=` frontend is BuildKit's, which Buildah does not run.
    if (site.context === 'syntax') return site;
    const { name, rest } = splitName(site.reference);
    const reading = readShortName(table, name);
    if (!reading) return site;
    const reference = `${reading.name}${rest}`;
    try {
      return { ...site, reference, parsed: parseReference(reference), shortName: { written: name, ...reading } };
    } catch {
      return site;
    }
  });
}

/** `fedora` and `:40@sha256:…` from `fedora:40@sha256:…`. */
function splitName(reference: string): { name: string; rest: string } {
  const at = reference.indexOf('@');
  const beforeDigest = at < 0 ? reference : reference.slice(0, at);
  const colon = beforeDigest.lastIndexOf(':');
  const end = colon > beforeDigest.lastIndexOf('/') ? colon : beforeDigest.length;
  return { name: reference.slice(0, end), rest: reference.slice(end) };
}
