/**
 * The envelope every webview panel's protocol shares (the inspector's, the comparison's): the
 * webview asks with an id and gets exactly one response; `cancel` stops a request, whose answer
 * then comes back as cancelled. Each panel names its own requests, events and notices.
 */

/** One request's parameters and result. */
export interface RequestShape {
  params: unknown;
  result: unknown;
}

/** A panel's requests by method; every panel can cancel. */
export type RequestMap<R> = { [M in keyof R]: RequestShape } & { cancel: { params: { id: number }; result: null } };

export type RequestMessageOf<R extends RequestMap<R>> = {
  [M in keyof R & string]: { type: 'request'; id: number; method: M; params: R[M]['params'] };
}[keyof R & string];

export type ResponseMessage =
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: string; cancelled?: boolean };

/** A registry-controlled string cut to a length the page can show; `omitted` characters were left out. */
export interface ClippedText {
  text: string;
  omitted?: number;
}

/** A finding's severity, as the core's scan reader words it (the inspector's and the comparison's tables). */
export type SeverityLevel = 'Critical' | 'High' | 'Medium' | 'Low' | 'Negligible' | 'Unknown';

/** One scan finding as a page shows it (the inspector's findings table and the comparison's), every string clipped. */
export interface FindingFields {
  id: ClippedText;
  severity: SeverityLevel;
  score?: ClippedText;
  package?: ClippedText;
  installed?: ClippedText;
  fixed?: ClippedText;
  title?: ClippedText;
  /** Other names the report gives the flaw, joined (Grype's related CVE of a GitHub advisory). */
  aliases?: ClippedText;
}
