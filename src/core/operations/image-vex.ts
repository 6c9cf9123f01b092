/**
 * Finds an image's OpenVEX document where the tools that attach one put it (the places and their
 * order are image-documents'): an attestation (`vexctl attest --attach`, a cosign attestation of
 * the `https://openvex.dev/ns` predicate, under the `.att` tag or as a referrer), an artifact
 * (`oras attach --artifact-type application/vnd.openvex+json`), or BuildKit's attestation manifest
 * (`docker scout attestation add`). The first that reads as OpenVEX statements wins.
 */
import { baseMediaType } from '../oci/media-types';
import { readOpenVex, type VexDocument } from '../oci/openvex';
import type { Repository } from '../registry/repository';
import {
  findImageDocument,
  type DocumentSearch,
  type DocumentSearchOptions,
  type ImageDocumentKind,
  readDocumentOrPredicate,
} from './image-documents';

export type VexSearch = DocumentSearch<VexDocument>;

/** An OpenVEX document, on its own or as an attestation's predicate. */
export const vexOfDocument = readDocumentOrPredicate(readOpenVex);

const VEX_DOCUMENTS: ImageDocumentKind<VexDocument> = {
  noun: 'a VEX document',
  // `application/vnd.openvex+json` as most guides attach it; the other two are seen in the wild.
  isArtifactType: (type) => /^application\/vnd\.openvex(\.vex)?(\+json)?$/.test(baseMediaType(type)),
  isPredicateType: (type) => /^https:\/\/openvex\.dev\/ns(\/v\d[\d.]{0,10})?$/.test(type),
  read: vexOfDocument,
};

/** The OpenVEX document about the image `digest`; see findImageDocument for the places and the options. */
export function findImageVex(repository: Repository, digest: string, options: DocumentSearchOptions = {}): Promise<VexSearch> {
  return findImageDocument(repository, digest, VEX_DOCUMENTS, options);
}
