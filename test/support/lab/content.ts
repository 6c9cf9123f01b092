// The lab's content API in one import: OCI-layout builders (images with real tar.gz layers,
// multi-platform indexes, artifacts, referrers), pushing with skopeo, and the shared sample set.
export * from './oci-layout';
export * from './push';
export * from './sample-content';
