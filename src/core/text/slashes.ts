/**
 * Trailing slashes cut from a path or URL. By hand, not `/\/+$/`: that expression starts a run at
 * every slash and scans it to its end, so a URL from a vendor's answer holding 40,000 slashes before
 * its last character took 1.7 s, and ten times as many almost three minutes.
 */
export function withoutTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x2f) end--;
  return end === text.length ? text : text.slice(0, end);
}
