/**
 * Saves one file of an image layer to a file on disk (the inspector's "Save…", like `docker cp`
 * out of an image): the content streams (layers/layer-file-stream.ts) into a temporary file beside
 * the target, which is renamed onto the target only once the whole layer has been read and its
 * digest checked. A cancelled, failed or unverified save leaves no file, half-written or whole.
 */
import type { WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { OpenLayer } from '../layers/layer-file-read';
import { streamLayerFile, type StreamedLayerFile, type StreamLayerFileOptions } from '../layers/layer-file-stream';
import type { LayerFileEntry } from '../layers/layer-files';
import { quoteRegistryText } from '../text/registry-text';
import { fileSystemError, moveIntoPlace, newFileWriteStream, temporaryPathBeside } from './files';

export type SaveLayerFileOptions = StreamLayerFileOptions;

/**
 * Writes the content of the entry at `path` (a hard link's: the file it names) to `target`,
 * replacing a file already there. The file gets the entry's executable bits (where the platform
 * has them, and as the umask allows), never its set-user-ID, set-group-ID or sticky bits.
 */
export async function saveLayerFile(
  open: OpenLayer,
  path: string,
  target: string,
  options: SaveLayerFileOptions = {},
): Promise<StreamedLayerFile> {
  const written: { temporary: string; stream: WriteStream }[] = [];
  const discard = async (): Promise<void> => {
    for (const { temporary, stream } of written.splice(0)) {
      // The file is opened asynchronously: wait for the stream to close, or the file would appear after its removal.
      if (!stream.closed) {
        stream.destroy();
        await new Promise<void>((resolve) => stream.once('close', () => resolve()));
      }
      await rm(temporary, { force: true });
    }
  };
  const sink = {
    // A later entry at the same path replaces an earlier one: the earlier one's file goes.
    open: async (entry: LayerFileEntry): Promise<WriteStream> => {
      await discard();
      const temporary = temporaryPathBeside(target);
      const stream = newFileWriteStream(temporary, fileMode(entry.mode));
      written.push({ temporary, stream });
      return stream;
    },
  };
  try {
    const saved = await streamLayerFile(open, path, sink, options);
    const last = written.pop()!;
    if (!last.stream.closed) await new Promise<void>((resolve) => last.stream.once('close', () => resolve()));
    await moveIntoPlace(last.temporary, target);
    return saved;
  } catch (err) {
    await discard();
    throw fileSystemError(err, `Saving ${quoteRegistryText(`/${path}`, [], 300)} to ${target}`);
  }
}

/** Read and write for everyone, less the umask; execute where the entry allows it. */
function fileMode(entryMode: number): number {
  return 0o666 | (entryMode & 0o111);
}
