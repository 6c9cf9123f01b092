/**
 * A layer's file tree (from the core's `layerFileTree`) as the rows the webview shows, one
 * directory level at a time and in pages, so a layer of 500 000 files never crosses in one message.
 */
import type { LayerFileEntry, LayerTreeNode } from '../../core/layers/layer-files';
import type { ImageFileEntry } from '../../core/operations/image-files';
import type { FileLayer, FileRow } from './protocol';
import { formatBytes } from '../../shared/format';
import { clip } from './text';

export const ROWS_PER_PAGE = 1000;

export interface LayerCounts {
  entries: number;
  files: number;
  directories: number;
  whiteouts: number;
}

export function countEntry(counts: LayerCounts, entry: LayerFileEntry): void {
  counts.entries++;
  if (entry.whiteout) counts.whiteouts++;
  else if (entry.type === 'directory') counts.directories++;
  else counts.files++;
}

const sorted = new WeakMap<LayerTreeNode, LayerTreeNode[]>();

/** Directories first, then by name, as file managers list them. */
function sortedChildren(node: LayerTreeNode): LayerTreeNode[] {
  let list = sorted.get(node);
  if (!list) {
    list = [...(node.children?.values() ?? [])].sort(
      (a, b) => Number(isDirectory(b)) - Number(isDirectory(a)) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
    sorted.set(node, list);
  }
  return list;
}

export function childRows(node: LayerTreeNode, offset = 0, limit = ROWS_PER_PAGE): { rows: FileRow[]; omitted: number } {
  const children = sortedChildren(node);
  const page = children.slice(offset, offset + limit);
  return { rows: page.map(fileRow), omitted: Math.max(0, children.length - offset - page.length) };
}

/** The node at a '/'-separated path ('' is the root), or undefined. */
export function nodeAtPath(root: LayerTreeNode, path: string): LayerTreeNode | undefined {
  let node: LayerTreeNode | undefined = root;
  if (path === '') return node;
  for (const name of path.split('/')) {
    node = node.children?.get(name);
    if (!node) return undefined;
  }
  return node;
}

export function fileRow(node: LayerTreeNode): FileRow {
  const entry = node.entry;
  const type = entry?.type ?? 'directory';
  const row: FileRow = {
    name: clip(node.name, 1024),
    path: node.path,
    type,
    sizeText: type === 'directory' ? formatBytes(node.totalSize) : formatBytes(entry?.size ?? 0),
    // A directory the archive never lists (only its files) has no mode or owner of its own.
    mode: entry ? modeString(type, entry.mode) : '—',
    owner: clip(entry ? `${entry.uname || entry.uid}:${entry.gname || entry.gid}` : '', 128),
    childCount: node.children?.size ?? 0,
    fileCount: node.fileCount,
  };
  if (entry?.mtime)
    row.modified = entry.mtime
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z');
  if (entry?.linkTarget !== undefined) row.linkTarget = clip(entry.linkTarget, 1024);
  if (entry?.whiteout)
    row.whiteout = clip(
      entry.whiteout.kind === 'opaque'
        ? `hides everything below ${entry.whiteout.directory || '/'} in lower layers`
        : `deletes ${entry.whiteout.target}`,
      1024,
    );
  const fromImage = entry && imageEntry(entry);
  if (fromImage) row.layer = fileLayer(fromImage.layer);
  if (fromImage?.leadsTo) row.leadsTo = { path: fromImage.leadsTo.path, layer: fileLayer(fromImage.leadsTo.layer) };
  if (entry?.unsafe)
    row.unsafe = entry.unsafe === 'absolute' ? 'absolute path in the archive' : "'..' in the path: it points outside the image";
  return row;
}

/** An entry of an image's files (which names its layer); a layer's own listing has none. */
function imageEntry(entry: LayerFileEntry): ImageFileEntry | undefined {
  return 'layer' in entry ? (entry as ImageFileEntry) : undefined;
}

function fileLayer({ index, descriptor }: ImageFileEntry['layer']): FileLayer {
  return { index, digest: descriptor.digest, mediaType: descriptor.mediaType, size: descriptor.size };
}

const TYPE_LETTER: Record<FileRow['type'], string> = {
  file: '-',
  directory: 'd',
  symlink: 'l',
  hardlink: 'h',
  'char-device': 'c',
  'block-device': 'b',
  fifo: 'p',
  other: '?',
};

/** `drwxr-xr-x`, with setuid, setgid and sticky bits as `ls -l` shows them. */
export function modeString(type: FileRow['type'], mode: number): string {
  const bits = ['r', 'w', 'x', 'r', 'w', 'x', 'r', 'w', 'x'].map((letter, i) => (mode & (1 << (8 - i)) ? letter : '-'));
  const special = (index: number, flag: number, on: string, onWithoutExec: string): void => {
    if (mode & flag) bits[index] = bits[index] === 'x' ? on : onWithoutExec;
  };
  special(2, 0o4000, 's', 'S');
  special(5, 0o2000, 's', 'S');
  special(8, 0o1000, 't', 'T');
  return TYPE_LETTER[type] + bits.join('');
}

export function totalSizeText(root: LayerTreeNode): string {
  return formatBytes(root.totalSize);
}

function isDirectory(node: LayerTreeNode): boolean {
  return node.children !== undefined || node.entry?.type === 'directory';
}
