/** What the well-known keys of manifests and configs mean, with the spec section that defines each. */

const SPEC = 'https://github.com/opencontainers/image-spec/blob/main';
const DESCRIPTOR = `${SPEC}/descriptor.md#properties`;
const MANIFEST = `${SPEC}/manifest.md#image-manifest-property-descriptions`;
const INDEX = `${SPEC}/image-index.md#image-index-property-descriptions`;
const CONFIG = `${SPEC}/config.md#properties`;

export interface KeyHelp {
  text: string;
  url: string;
}

type KeyTable = Record<string, KeyHelp>;

const manifestKeys: KeyTable = {
  schemaVersion: { text: 'Always 2 for OCI manifests and indexes (and Docker v2 ones).', url: MANIFEST },
  mediaType: { text: 'The type of the referenced content (or of this document).', url: DESCRIPTOR },
  artifactType: { text: 'What kind of artifact this is, when it is not a container image.', url: MANIFEST },
  digest: { text: 'The content address: the hash of the exact bytes referenced.', url: DESCRIPTOR },
  size: { text: 'The size of the referenced bytes, checked with the digest.', url: DESCRIPTOR },
  urls: { text: 'Other places the content may be downloaded from.', url: DESCRIPTOR },
  annotations: { text: 'Arbitrary key/value metadata; org.opencontainers.image.* keys are predefined.', url: `${SPEC}/annotations.md` },
  data: { text: 'The content itself, embedded as base64.', url: DESCRIPTOR },
  config: { text: "The image's configuration blob: how to run it and its history.", url: MANIFEST },
  layers: { text: 'The filesystem changesets, applied in order from first to last.', url: MANIFEST },
  manifests: { text: 'The manifests this index points to, one per platform (or artifact).', url: INDEX },
  platform: { text: 'The platform an index entry runs on.', url: INDEX },
  subject: { text: 'The manifest this one refers to (a signature, SBOM or attestation of it).', url: MANIFEST },
};

const configKeys: KeyTable = {
  created: { text: 'When the image was created (RFC 3339).', url: CONFIG },
  author: { text: 'Who or what created the image.', url: CONFIG },
  architecture: { text: 'The CPU architecture the binaries in the image are built for.', url: CONFIG },
  os: { text: 'The operating system the image is built to run on.', url: CONFIG },
  variant: { text: 'The variant of the CPU architecture (such as v8 for arm64).', url: CONFIG },
  config: { text: 'The execution parameters used when a container runs the image.', url: CONFIG },
  rootfs: { text: 'The layer content addresses (diff_ids) the image is built from.', url: CONFIG },
  diff_ids: { text: 'Digests of the uncompressed layers, in order.', url: CONFIG },
  history: { text: 'How each layer was made; empty_layer entries made none.', url: CONFIG },
  Env: { text: 'Environment variables, NAME=value.', url: CONFIG },
  Entrypoint: { text: 'The command run when the container starts.', url: CONFIG },
  Cmd: { text: 'Default arguments to the entrypoint.', url: CONFIG },
  WorkingDir: { text: 'The working directory of the entrypoint process.', url: CONFIG },
  User: { text: 'The user (and group) the process runs as.', url: CONFIG },
  ExposedPorts: { text: 'Ports the container exposes.', url: CONFIG },
  Labels: { text: 'Arbitrary metadata for the container.', url: CONFIG },
  Volumes: { text: 'Directories where the container writes data that should persist.', url: CONFIG },
  StopSignal: { text: 'The signal sent to stop the container.', url: CONFIG },
};

export function keyHelp(kind: 'manifest' | 'config' | undefined, key: string): KeyHelp | undefined {
  const table = kind === 'manifest' ? manifestKeys : kind === 'config' ? configKeys : undefined;
  return table && Object.hasOwn(table, key) ? table[key] : undefined;
}
