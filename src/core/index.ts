/**
 * The registry client core: a plain Node library (no VS Code) used by the extension, the tests and
 * the benchmarks. Bundled on its own as `dist/core.js`, so the extension loads it only when a
 * registry is first contacted. See docs/core-api.md.
 */
export {
  CoreError,
  ParseError,
  RegistryError,
  ConfigFileError,
  RetryLaterError,
  RateLimitError,
  isTemporary,
  isRestartable,
  type CoreErrorCode,
  type Remedy,
  type RegistryAnswerCode,
  type RegistryErrorDetail,
  type UrlPolicyCode,
} from './errors';
export { createSession, RegistrySession, type CoreConfig, type CredentialOptions } from './registry/session';
export { RegistryClient, type ListingPage, type ListOptions, type PingResult } from './registry/client';
export { ApiChannel, type ApiRequest } from './registry/api-channel';
export { type PullRateLimit } from './registry/rate-limit';
export { createProviderClient, type ProviderClientOptions } from './providers/providers';
export { ACR_SIGN_IN_SCOPES, exchangeEntraToken } from './providers/acr-exchange';
export { chooseProvider, providerIdForHost, PROVIDER_IDS, type ProviderSetting } from './providers/choose';
export {
  type ProviderClient,
  type ProviderId,
  type ProviderInfo,
  type RepositoryDetails,
  type SignIn,
  type UntaggedListing,
  type UntaggedManifestListing,
} from './providers/provider';
export { EndpointClient, type EndpointRequest } from './registry/endpoint-client';
export { planEndpoints, loadEndpointPlan, describePlan, type EndpointPlan, type Operation, type PlannedEndpoint } from './hosts/plan';
export { type SettingNames } from './hosts/host-settings';
export { type RequestLogEntry, type RequestLogger } from './transport/connection';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './transport/retry';
export { parseRegistryLocation, type RegistryLocation } from './name/registry-url';
export { canonicalHost } from './net/addresses';
export { parseReference, formatReference, familiarString, validateTag, type Reference } from './name/reference';
export { dockerLoginKey } from './name/docker-hub';
export { readShortName, type ShortNameReading, type ShortNameTable } from './name/short-names';
export { readShortNameTable, type ShortNameFileOptions } from './hosts/short-name-config';
export { registryHostKey, sameRegistryHost } from './net/registry-host';
export { withLoginFor } from './credentials/resolver';
export { parseDigest, isDigest, shortDigest, digestOf, type Digest } from './oci/digest';
export { parseInsecureEntry } from './net/cidr';
export { parseResolveRule } from './hosts/resolve-rules';
export { type Credential, type CredentialStore } from './credentials/types';
export { dockerConfigPath, readDockerConfigFile, loggedInRegistries } from './credentials/docker-config';
export {
  saveDockerLogin,
  findDockerLogin,
  dockerStoreFor,
  eraseDockerLogin,
  type DockerLogin,
  type DockerStoreLocation,
} from './credentials/docker-store';
export { podmanAuthFilePaths } from './credentials/podman-auth';
export {
  MAX_DOCUMENT_BLOB_BYTES,
  MAX_SMALL_BLOB_BYTES,
  Repository,
  type ReferrersOptions,
  type ReferrersResult,
} from './registry/repository';
export {
  cosignAttachments,
  cosignTagFor,
  referrersAndAttachments,
  type CosignAttachment,
  type CosignAttachmentKind,
  type ReferrersAndAttachments,
} from './registry/cosign-attachments';
export { copy, type CopyEvent, type CopyOptions, type CopyResult, type BlobState } from './operations/copy';
export { collectGraph, type ContentGraph, type GraphOptions } from './operations/graph';
export { type ReadTarget, type WriteTarget, type TransferObserver } from './oci/content';
export {
  MediaTypes,
  MANIFEST_ACCEPT,
  kindName,
  kindIcon,
  digestTagIcon,
  manifestKindOf,
  layerCompressionOf,
  isLayerMediaType,
  isNonDistributableLayer,
  isTarLike,
  isSupplyChainDocument,
  isReadableReport,
} from './oci/media-types';
export { claimOf } from './oci/attestation';
export { MAX_SBOM_PACKAGES, type SbomPackage, type SbomRead } from './oci/sbom';
export {
  parseManifest,
  childrenOf,
  formatPlatform,
  parsePlatform,
  platformMatches,
  platformEntries,
  isAttestationEntry,
  attestationsFor,
  isFileManifest,
  titleOf,
  imageSize,
  hostPlatform,
  MAX_MANIFEST_BYTES,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  type ImageConfig,
  type ParsedManifest,
  type Platform,
} from './oci/manifest';
export { verifyingStream } from './oci/verify-stream';
export { digestTagOf, referrersTagFor, type DigestTagKind } from './oci/digest';
export {
  listLayerFiles,
  layerFileTree,
  layerFileTreeAsync,
  sniffCompression,
  type LayerFileEntry,
  type LayerCompression,
  type LayerTreeLimits,
  type LayerTreeNode,
  type ListLayerOptions,
} from './layers/layer-files';
export {
  readLayerFile,
  registryLayer,
  DEFAULT_MAX_FILE_BYTES,
  type LayerFileContent,
  type OpenLayer,
  type ReadLayerFileOptions,
} from './layers/layer-file-read';
export type { LayerFileProgress } from './layers/layer-file-progress';
export { streamLayerFile, type LayerFileSink, type StreamedLayerFile, type StreamLayerFileOptions } from './layers/layer-file-stream';
export { saveLayerFile, type SaveLayerFileOptions } from './layout/layer-file-save';
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
export {
  pull,
  push,
  type PullDestination,
  type PushOptions,
  type PushSource,
  type PullResult,
  type TransferOptions,
} from './operations/transfer';
export { type ArchiveImage } from './layout/archive-choice';
export {
  planCleanup,
  tagPattern,
  type CleanupPlan,
  type CleanupPolicy,
  type TagDecision,
  type TagFacts,
  type ManifestDeletion,
  type TagDeletion,
  type UntaggedManifest,
  type UntaggedProtection,
} from './operations/cleanup-plan';
export {
  runCleanup,
  cleanupSteps,
  checkDeletesAllowed,
  readTagFacts,
  readCleanupTags,
  CLEANUP_TAG_LIMIT,
  type TagListing,
  type CleanupReport,
  type CleanupStep,
  type StepOutcome,
  type ManifestDeleter,
} from './operations/cleanup';
export { readUntaggedDetails } from './operations/untagged-details';
export { describeCleanupPlan, describeCleanupReport, cleanupPlanJson, partialWarning } from './operations/cleanup-text';
export {
  compareImages,
  compareConfigs,
  compareHistory,
  normalisedJson,
  pairPlatforms,
  type ComparedImage,
  type ImageComparison,
  type SettingChange,
} from './operations/compare';
export {
  describeComparison,
  describeFileComparison,
  describePackageComparison,
  describeVulnerabilityComparison,
} from './operations/compare-text';
export { readImageConfig, readComparedImage } from './operations/compare-read';
export { comparePackages, packageIdentity, type PackageChange, type PackageComparison } from './operations/compare-packages';
export { findImageSbom, sbomOfDocument, type ImageSbom, type SbomPlace, type SbomSearch } from './operations/image-sbom';
export { findImageScan, scanOfDocument, type ScanSearch } from './operations/image-scan';
export { findImageVex, vexOfDocument, type VexSearch } from './operations/image-vex';
export { compareImageScans, findScanWithVex, type ScanComparison, type ScannedSide, type ScanSubject } from './operations/compare-scans';
export { applyVex, indexVex, readOpenVex, vexStatementFor, type VexDocument, type VexStatement, type VexStatus } from './oci/openvex';
export {
  findImageDocument,
  type DocumentPlace,
  type DocumentSearch,
  type DocumentSearchOptions,
  type FoundDocument,
  type ImageDocumentKind,
} from './operations/image-documents';
export { compareVulnerabilities, type FindingChange, type VulnerabilityComparison } from './operations/compare-vulnerabilities';
export {
  enginePlatform,
  loadIntoEngine,
  type EngineCommand,
  type EngineLoadOptions,
  type EngineLoadResult,
} from './operations/engine-load';
export { MergedFileSystem } from './layers/merged-files';
export { readImageFiles, type ImageFileEntry, type ImageFiles, type ImageFilesProgress } from './operations/image-files';
export { compareFileSystems, readFileSystems, type FileComparison, type FileChange, type FileSystem } from './operations/compare-files';
