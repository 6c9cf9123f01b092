/**
 * A comparison of two images in words, for the read-only summary document beside the diff
 * editors and the comparison panel's Copy Summary: settings and layers, then the files and the
 * SBOMs' packages and the scans' findings once they have been compared. Everything quoted comes from the registry (digests, variables, labels, history lines)
 * and passes through visibleText, so no character can hide or reorder a line.
 */
import { visibleText } from '../text/visible-text';
import type { ImageComparison } from './compare';
import type { FileComparison } from './compare-files';
import type { PackageComparison } from './compare-packages';
import type { VulnerabilityComparison } from './compare-vulnerabilities';
import { SEVERITY_ORDER, type Vulnerability } from '../oci/vulnerability-report';

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Math.abs(n);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${n < 0 ? '-' : ''}${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** The summary: headline, layers, size, settings and history, with each side named as given. */
export function describeComparison(comparison: ImageComparison, before: string, after: string): string {
  const { layers, size, config, history } = comparison;
  const nothing = !config.length && !layers.added.length && !layers.removed.length && !history.added.length && !history.removed.length;
  const layerLine = (l: { digest: string; size: number }) => `  ${visibleText(l.digest)}  ${bytes(l.size)}`;
  const lines = [
    `Comparing ${visibleText(before)}`,
    `     with ${visibleText(after)}`,
    '',
    comparison.identical
      ? 'The same manifest (same digest): nothing differs.'
      : nothing
        ? 'Different manifests, but the same layers, settings and history.'
        : 'What changed from the first to the second:',
    '',
    `Size: ${bytes(size.before)} → ${bytes(size.after)} (${size.change >= 0 ? '+' : ''}${bytes(size.change)})`,
    `Layers: ${layers.shared.length} shared, ${layers.added.length} added, ${layers.removed.length} removed`,
    ...(layers.added.length ? ['', 'Layers added', ...layers.added.map(layerLine)] : []),
    ...(layers.removed.length ? ['', 'Layers removed', ...layers.removed.map(layerLine)] : []),
    '',
    `Settings changed (${config.length})`,
    ...(config.length
      ? config.map((c) =>
          c.before === undefined
            ? `  ${visibleText(c.setting)}: added ${visibleText(c.after!)}`
            : c.after === undefined
              ? `  ${visibleText(c.setting)}: removed (was ${visibleText(c.before)})`
              : `  ${visibleText(c.setting)}: ${visibleText(c.before)} → ${visibleText(c.after)}`,
        )
      : ['  none']),
    '',
    `History steps removed (${history.removed.length})`,
    ...history.removed.map((s) => `  - ${visibleText(s)}`),
    `History steps added (${history.added.length})`,
    ...history.added.map((s) => `  + ${visibleText(s)}`),
    '',
  ];
  return lines.join('\n');
}

/** Lines listed per section of a file or package comparison at most; the count says how many there are. */
const MAX_FILE_LINES = 300;

/** The file comparison: files added, removed and changed (how), each list capped. */
export function describeFileComparison(files: FileComparison): string {
  const entry = (e: { path: string; type: string; size: number }) =>
    `/${visibleText(e.path)}${e.type === 'directory' ? '/' : ''}${e.type === 'file' ? `  ${bytes(e.size)}` : ''}`;
  return [
    ...cappedSection('Files added', files.added.map(entry)),
    ...cappedSection('Files removed', files.removed.map(entry)),
    ...cappedSection(
      'Files changed',
      files.changed.map((c) => `/${visibleText(c.path)}: ${c.changes.map(visibleText).join(', ')}`),
    ),
    '',
  ].join('\n');
}

/** Lines listed per section, at most, of a long list (files, packages); the count says how many there are. */
function cappedSection(title: string, lines: string[]): string[] {
  return [
    `${title} (${lines.length})`,
    ...lines.slice(0, MAX_FILE_LINES).map((l) => `  ${l}`),
    ...(lines.length > MAX_FILE_LINES ? [`  … and ${lines.length - MAX_FILE_LINES} more`] : []),
    '',
  ];
}

/** The package comparison: what each side's SBOM is, then packages changed (how), added and removed, each list capped. */
export function describePackageComparison(packages: PackageComparison, sboms: { before: string; after: string }): string {
  const version = (v: string | undefined) => (v ? ` ${visibleText(v)}` : '');
  return [
    `Packages, from ${visibleText(sboms.before)} and ${visibleText(sboms.after)}: ${packages.unchanged} the same, ${packages.changed.length} changed, ${packages.added.length} added, ${packages.removed.length} removed`,
    '',
    ...cappedSection(
      'Packages changed',
      packages.changed.map((c) => {
        const parts = [];
        if (c.before !== c.after) parts.push(`${visibleText(c.before) || '(no version)'} → ${visibleText(c.after) || '(no version)'}`);
        if (c.license) parts.push(`license ${visibleText(c.license.before ?? 'none')} → ${visibleText(c.license.after ?? 'none')}`);
        return `${visibleText(c.name)}: ${parts.join('; ')}`;
      }),
    ),
    ...cappedSection(
      'Packages added',
      packages.added.map((p) => `${visibleText(p.name)}${version(p.version)}`),
    ),
    ...cappedSection(
      'Packages removed',
      packages.removed.map((p) => `${visibleText(p.name)}${version(p.version)}`),
    ),
  ].join('\n');
}

/**
 * The findings compared: what each side's scan is, the count per severity on each side, then the
 * findings new in the second, gone from it, and changed, each list capped.
 */
export function describeVulnerabilityComparison(findings: VulnerabilityComparison, scans: { before: string; after: string }): string {
  const line = (v: Vulnerability) =>
    `${v.severity.padEnd(10)} ${visibleText(v.id)}${v.package !== undefined ? ` in ${visibleText(v.package)}${v.installed ? ` ${visibleText(v.installed)}` : ''}` : ''}${v.fixed !== undefined ? ` (fixed in ${visibleText(v.fixed)})` : ''}`;
  const severities = SEVERITY_ORDER.filter((s) => findings.counts.before[s] || findings.counts.after[s]).map(
    (s) => `${s} ${findings.counts.before[s]} → ${findings.counts.after[s]}`,
  );
  return [
    `Vulnerabilities, from ${visibleText(scans.before)} and ${visibleText(scans.after)}: ${findings.introduced.length} new, ${findings.resolved.length} gone, ${findings.changed.length} changed, ${findings.unchanged} the same`,
    `By severity: ${severities.length ? severities.join(', ') : 'none on either side'}`,
    '',
    ...cappedSection('New in the second', findings.introduced.map(line)),
    ...cappedSection('Gone from the second', findings.resolved.map(line)),
    ...cappedSection(
      'Changed',
      findings.changed.map((c) => {
        const parts = [];
        if (c.severity.before !== c.severity.after) parts.push(`${c.severity.before} → ${c.severity.after}`);
        if (c.installed.before !== c.installed.after)
          parts.push(`${visibleText(c.installed.before) || '(no version)'} → ${visibleText(c.installed.after) || '(no version)'}`);
        const named = c.firstId !== undefined ? ` (${visibleText(c.firstId)} in the first)` : '';
        return `${visibleText(c.id)}${named}${c.package !== undefined ? ` in ${visibleText(c.package)}` : ''}: ${parts.join('; ')}`;
      }),
    ),
  ].join('\n');
}
