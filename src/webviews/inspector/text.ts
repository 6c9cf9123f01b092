/** Registry-controlled text, cut to what a page can show: a 1 MiB annotation must not stall layout. */
import type { ClippedText } from './protocol';

export const MAX_TEXT = 4096;

export function clip(text: string, max = MAX_TEXT): ClippedText {
  if (text.length <= max) return { text };
  // Never cut a surrogate pair in half.
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return { text: text.slice(0, end), omitted: text.length - end };
}

/** Only absolute http(s) URLs become links; anything else (javascript:, data:, relative) stays text. */
export function httpUrl(text: string): string | undefined {
  if (text.length > 2048 || !/^https?:\/\//i.test(text)) return undefined;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
