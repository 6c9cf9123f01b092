/** Sizes as people read them: binary units, one decimal from KiB up. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/**
 * The exact byte count, when the short form rounds it: `1,234 bytes` beside `1.2 KiB`. Under a KiB
 * the short form is already exact (`738 B`), and saying `738 bytes` again is noise.
 */
export function exactBytes(bytes: number): string | undefined {
  return Number.isFinite(bytes) && bytes >= 1024 ? `${bytes.toLocaleString('en-US')} bytes` : undefined;
}
