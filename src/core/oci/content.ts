/**
 * Where content is read from and written to, whatever it is: a registry repository, an OCI image
 * layout folder, an archive. Pull, push and copy are one graph copy between a source and a
 * target (as in ORAS); each side only knows how to store and fetch content-addressed bytes.
 */
import type { Readable } from 'node:stream';
import type { Descriptor } from './manifest';

/** Byte counts a transfer reports as it goes, so progress can be shown and cancelled. */
export interface TransferObserver {
  /** `n` more bytes of `descriptor` went through (may be called many times per blob). */
  bytes?(descriptor: Descriptor, n: number): void;
}

export interface ReadTarget {
  /** How messages name this source: `localhost:5000/team/app`, `oci:/tmp/layout`. */
  readonly name: string;
  /** Manifest bytes, already checked against `descriptor.digest` and at most 4 MiB. */
  fetchManifest(descriptor: Descriptor, signal?: AbortSignal): Promise<Buffer>;
  /**
   * The blob's raw bytes as a stream. The stream is not verified by the source: readers check
   * digest and size as they consume it (see verifyingStream), so corruption stops the transfer.
   */
  openBlob(descriptor: Descriptor, signal?: AbortSignal): Promise<Readable>;
}

export interface WriteTarget {
  readonly name: string;
  /** True when the target already holds exactly this blob (same digest). */
  hasBlob(descriptor: Descriptor, signal?: AbortSignal): Promise<boolean>;
  hasManifest(descriptor: Descriptor, signal?: AbortSignal): Promise<boolean>;
  /**
   * Stores a blob from a stream that errors if its bytes do not match the descriptor. A target
   * must keep nothing under the blob's name when the stream fails.
   */
  pushBlob(descriptor: Descriptor, content: Readable, signal?: AbortSignal): Promise<void>;
  /** pushBlob gives back lent chunks once it has stored them (see lent-chunks.ts): a source may lend it its chunks. */
  readonly givesBackChunks?: boolean;
  /**
   * Makes a blob that the same registry holds in `fromRepository` available without moving bytes.
   * Returns false when the target cannot (another registry, mount refused): the caller copies.
   */
  mountBlob?(descriptor: Descriptor, fromRepository: string, signal?: AbortSignal): Promise<boolean>;
  /** Stores a manifest (after every blob and child it names) and, when given, tags it. */
  pushManifest(descriptor: Descriptor, bytes: Buffer, tag?: string, signal?: AbortSignal): Promise<void>;
}

/** The registry and repository a target lives in, when it is one: lets a copy mount instead of moving bytes. */
export interface RegistryLocated {
  readonly registryHost: string;
  readonly repository: string;
}

export function isRegistryLocated(target: object): target is RegistryLocated {
  return (
    typeof (target as Partial<RegistryLocated>).registryHost === 'string' &&
    typeof (target as Partial<RegistryLocated>).repository === 'string'
  );
}
