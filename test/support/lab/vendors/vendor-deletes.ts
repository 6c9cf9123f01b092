// A repository for the tree's single Delete on a vendor whose registry refuses the Distribution
// API's delete (ECR, GHCR), as the labs for a real VS Code seed it: one image under one tag, to be
// deleted whole, and one image under two tags, one of which goes alone. What the suite in the
// extension host needs to check the outcome comes with it: the lab registry's storage folder (read
// with stored-manifests.ts) and the file the contract servers record their requests to.
import { readFileSync } from 'node:fs';
import type { OciLayout } from '../oci-layout';
import { pushToRegistry } from '../push';
import type { LabRegistry } from '../registry';
import type { SeenContractRequest } from './contract-server';

export interface DeleteRepository {
  repository: string;
  /** An image with one tag: Delete on the tag, mode manifest, removes it through the vendor. */
  whole: { tag: string; digest: string };
  /** An image with two tags: Delete on `removed`, mode tag, leaves the image and `kept`. */
  shared: { digest: string; kept: string; removed: string };
  /** The lab registry's storage, behind the vendor's host. */
  dataDir: string;
  /** Where the contract servers record the requests they answer (JSON lines). */
  requestsFile: string;
}

/** What the integration suite reads from the file run.ts writes: GHCR's repository and ECR's, each with its login. */
export interface VendorDeletesDescription {
  ghcr: DeleteRepository & { login: string; token: string };
  ecr: DeleteRepository & { host: string; password: string };
}

/** Pushes the two images of a {@link DeleteRepository} into `registry`. */
export async function seedDeleteRepository(
  layout: OciLayout,
  registry: LabRegistry,
  repository: string,
  requestsFile: string,
): Promise<DeleteRepository> {
  const whole = await layout.image({ seed: `${repository}-whole`, layers: [1024] });
  const shared = await layout.image({ seed: `${repository}-shared`, layers: [1024] });
  await pushToRegistry(layout, whole, registry, `${repository}:whole`);
  for (const tag of ['kept', 'removed']) await pushToRegistry(layout, shared, registry, `${repository}:${tag}`);
  return {
    repository,
    whole: { tag: 'whole', digest: whole.descriptor.digest },
    shared: { digest: shared.descriptor.digest, kept: 'kept', removed: 'removed' },
    dataDir: registry.dataDir,
    requestsFile,
  };
}

/** The requests the contract servers recorded to `file` (ContractServer.recordTo); none before the first. */
export function readSeenRequests(file: string): SeenContractRequest[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SeenContractRequest);
}
