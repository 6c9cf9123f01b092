/**
 * A file of a layer, as the inspector's webview asks for it and as an `oci-layer:` tab's URI names
 * it: one shape for both, in a pure module either side may import.
 */
export interface LayerFileTarget {
  host: string;
  repository: string;
  /** The layer's digest, media type and compressed size (its descriptor). */
  digest: string;
  mediaType: string;
  size: number;
  /** The file's path in the layer: '/'-separated, no leading '/'. */
  path: string;
}
