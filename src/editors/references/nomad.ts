/**
 * Image references in HashiCorp Nomad job files (`*.nomad`, `*.nomad.hcl`): the `image` of a
 * task's `config` block when the task runs on the Docker or Podman driver, and of a Consul Connect
 * `sidecar_task` (Docker unless it says otherwise). The Podman driver takes a transport before the
 * name: `docker://` is a registry's image, other transports (`oci-archive:`, `docker-archive:`)
 * are files and left alone. A Podman image written without a transport is a short name the driver
 * hands to Podman, which reads it through its aliases (see short-names.ts); with `docker://` it is
 * Docker Hub's, as the driver parses it itself. An image given by a variable or a local alone
 * (`image = var.image`, `"${var.image}"`) is read where its value is written in the job file: the
 * variable's `default`, or the local's value. Values made by templates (`${NOMAD_…}`,
 * `"app:${var.tag}"`) are left alone. Pure.
 */
import type { ShortNameTable } from '../../core/name/short-names';
import { readHcl, type HclAttribute, writtenValues } from './hcl';
import { withShortNames } from './short-names';
import { siteFrom } from './site';
import type { ReferenceSite } from './types';

const DOCKER_TRANSPORT = 'docker://';
/** The transports of containers/image that name files or a local store, not a registry. */
const LOCAL_TRANSPORTS = ['docker-archive:', 'oci-archive:', 'oci:', 'dir:', 'containers-storage:', 'docker-daemon:'];
const TASKS = new Set(['task', 'sidecar_task']);

export function findInNomadJob(text: string, shortNames?: ShortNameTable): ReferenceSite[] {
  const { attributes } = readHcl(text);
  const sites: ReferenceSite[] = [];
  const add = (site: ReferenceSite | undefined, podmanShortName = false): void => {
    if (site) sites.push(...(podmanShortName ? withShortNames([site], shortNames) : [site]));
  };
  const values = writtenValues(attributes);
  for (const attribute of attributes) {
    const { blocks, name, within } = attribute;
    const config = blocks[blocks.length - 1];
    const task = blocks[blocks.length - 2];
    if (name !== 'image' || within !== undefined || config?.type !== 'config' || !task || !TASKS.has(task.type)) continue;
    const string = attribute.string ?? (attribute.reference && values.get(attribute.reference));
    if (!string) continue;
    const driver = driverOf(attributes, blocks.length - 1, task.start) ?? (task.type === 'sidecar_task' ? 'docker' : undefined);
    if (driver === 'docker') add(siteFrom({ text, ...string, context: 'image' }));
    else if (driver === 'podman') {
      // Without a transport the Podman driver reads a registry's image too.
      if (LOCAL_TRANSPORTS.some((transport) => string.value.startsWith(transport))) continue;
      const skip = string.value.startsWith(DOCKER_TRANSPORT) ? DOCKER_TRANSPORT.length : 0;
      add(siteFrom({ text, start: string.start + skip, end: string.end, value: string.value.slice(skip), context: 'image' }), skip === 0);
    }
  }
  // A variable two tasks use is one place.
  const starts = new Set<number>();
  return sites.filter((site) => !starts.has(site.start) && starts.add(site.start)).sort((a, b) => a.start - b.start);
}

/** The `driver` written in the task block that starts at `taskStart` (its attributes are `depth` blocks deep). */
function driverOf(attributes: readonly HclAttribute[], depth: number, taskStart: number): string | undefined {
  return attributes.find(
    (a) => a.name === 'driver' && a.within === undefined && a.blocks.length === depth && a.blocks[depth - 1]!.start === taskStart,
  )?.string?.value;
}
