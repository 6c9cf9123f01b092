/**
 * The registry client core: a plain Node library (no VS Code) used by the extension, the tests and
 * the benchmarks. Bundled on its own as `dist/core.js`, so the extension loads it only when a
 * registry is first contacted. See docs/core-api.md.
 */
export { CoreError, ParseError } from './errors';
export { RegistryError, type RegistryErrorDetail } from './registry-errors';
export { createSession, RegistrySession, type CoreConfig, type CredentialOptions } from './session';
export { RegistryClient, type ListOptions, type PingResult } from './client';
export { EndpointClient, type EndpointRequest } from './endpoint-client';
export { planEndpoints, loadEndpointPlan, describePlan, type EndpointPlan, type Operation, type PlannedEndpoint } from './plan';
export { type RequestLogEntry, type RequestLogger } from './transport/connection';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './transport/retry';
export { RetryLaterError } from './transport/retry-gate';
export { parseRegistryLocation, type RegistryLocation } from './registry-url';
export { canonicalHost } from './net/addresses';
export { parseReference, formatReference, familiarString, validateTag, type Reference } from './reference';
export { parseDigest, isDigest, shortDigest, digestOf, type Digest } from './digest';
export { parseInsecureEntry } from './config/cidr';
export { parseResolveRule } from './config/resolve-rules';
export { type Credential, type CredentialStore } from './config/credentials';
export { ConfigFileError, dockerConfigPath, readDockerConfigFile, loggedInRegistries } from './config/docker-config';
export { saveDockerLogin, findDockerLogin, dockerStoreFor, eraseDockerLogin, dockerLoginKey, type DockerLogin, type DockerStoreLocation } from './config/docker-store';
export { podmanAuthFilePaths } from './config/podman-auth';
export { Repository, type ReferrersOptions, type ReferrersResult } from './repository';
export { copy, type CopyEvent, type CopyOptions, type CopyResult, type BlobState } from './operations/copy';
export { collectGraph, type ContentGraph, type GraphOptions } from './operations/graph';
export { type ReadTarget, type WriteTarget, type TransferObserver } from './content';
export { MediaTypes, MANIFEST_ACCEPT, kindName, kindIcon, manifestKindOf, layerCompressionOf, isLayerMediaType } from './media-types';
export {
  parseManifest, childrenOf, formatPlatform, parsePlatform, platformMatches, isAttestationEntry, titleOf, imageSize, hostPlatform, MAX_MANIFEST_BYTES,
  type Descriptor, type ImageIndex, type ImageManifest, type ImageConfig, type ParsedManifest, type Platform,
} from './manifest';
export { verifyingStream } from './verify-stream';
export { referrersTagFor } from './digest';
export { listLayerFiles, layerFileTree, sniffCompression, type LayerFileEntry, type LayerCompression, type LayerTreeNode, type ListLayerOptions } from './layer-files';
export { OciImageLayout, type LayoutRoot, type OpenLayoutOptions } from './layout/oci-layout';
export { writeDockerArchive, type DockerArchiveImage, type DockerArchiveOptions } from './layout/docker-archive';
export { openImageArchive, type ImageArchive, type OpenArchiveOptions } from './layout/archive-source';
export {
  FileArtifactSource,
  extractArtifactFiles,
  safeArtifactPath,
  type ArtifactFileInput,
  type FileArtifactOptions,
  type ExtractArtifactOptions,
  type ExtractArtifactResult,
} from './layout/artifact-files';
export { pull, push, type PullDestination, type PushSource, type PullResult, type TransferOptions } from './operations/transfer';
