import assert from 'node:assert/strict';
import { layerFileTree, type LayerFileEntry } from '../../../../src/core/layers/layer-files';
import type { ImageFileEntry } from '../../../../src/core/operations/image-files';
import { childRows, fileRow, modeString, nodeAtPath } from '../../../../src/webviews/inspector/file-rows';
import { checkParams, isLocation, parseIncoming } from '../../../../src/webviews/inspector/validate';
import type { RequestMessage } from '../../../../src/webviews/inspector/protocol';
import { descriptorLink } from '../../../../src/webviews/inspector/links';
import { MediaTypes } from '../../../../src/core/oci/media-types';

const D = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const entry = (path: string, more: Partial<LayerFileEntry> = {}): LayerFileEntry => ({
  path,
  type: 'file',
  size: 10,
  mode: 0o644,
  uid: 0,
  gid: 0,
  ...more,
});

describe('inspector host', () => {
  describe('layer file rows', () => {
    it('shows modes the way ls -l does', () => {
      assert.equal(modeString('directory', 0o755), 'drwxr-xr-x');
      assert.equal(modeString('file', 0o4755), '-rwsr-xr-x');
      assert.equal(modeString('file', 0o2644), '-rw-r-Sr--');
      assert.equal(modeString('directory', 0o1777), 'drwxrwxrwt');
      assert.equal(modeString('symlink', 0o777), 'lrwxrwxrwx');
    });

    it('lists directories first, with links, whiteouts and unsafe paths called out, names kept as text', () => {
      const hostile = '<img src=x onerror="window.__pwned=1">';
      const root = layerFileTree([
        entry('etc', { type: 'directory', mode: 0o755 }),
        entry(`etc/${hostile}`),
        entry('etc/link', { type: 'symlink', linkTarget: '../<script>', size: 0 }),
        entry('etc/.wh.passwd', { whiteout: { kind: 'file', target: 'etc/passwd' }, size: 0 }),
        entry('var/.wh..wh..opq', { whiteout: { kind: 'opaque', directory: 'var' }, size: 0 }),
        entry('../escape', { unsafe: 'parent-traversal' }),
        entry('a-file'),
      ]);
      const top = childRows(root).rows;
      assert.deepEqual(
        top.map((r) => [r.name.text, r.type]),
        [
          ['..', 'directory'],
          ['etc', 'directory'],
          ['var', 'directory'],
          ['a-file', 'file'],
        ],
      );
      assert.equal(top.find((r) => r.name.text === 'var')?.mode, '—', 'a directory the archive never lists has no mode');
      const etc = childRows(nodeAtPath(root, 'etc')!).rows;
      assert.deepEqual(
        etc.map((r) => r.name.text),
        ['.wh.passwd', hostile, 'link'],
      );
      assert.equal(etc[0]!.whiteout?.text, 'deletes etc/passwd');
      assert.equal(etc[2]!.linkTarget?.text, '../<script>');
      assert.match(childRows(nodeAtPath(root, 'var')!).rows[0]!.whiteout!.text, /hides everything below var/);
      assert.match(childRows(nodeAtPath(root, '..')!).rows[0]!.unsafe!, /outside the image/);
      assert.equal(nodeAtPath(root, 'nope/deeper'), undefined);
    });

    it("names the layer each of an image's files comes from; a layer's own rows and folders no layer listed name none", () => {
      const layer = { index: 2, descriptor: { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: D(7), size: 99 } };
      const fromLayer: ImageFileEntry = { ...entry('etc/os-release'), layer };
      const root = layerFileTree([fromLayer]);
      const [etc] = childRows(root).rows;
      assert.equal(etc!.layer, undefined, 'etc is implied by the file in it');
      assert.deepEqual(childRows(nodeAtPath(root, 'etc')!).rows[0]!.layer, {
        index: 2,
        digest: D(7),
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        size: 99,
      });
      assert.equal(childRows(layerFileTree([entry('a')])).rows[0]!.layer, undefined);
      const link: ImageFileEntry = {
        ...entry('sh', { type: 'symlink', linkTarget: 'dash', size: 0 }),
        layer: { ...layer, index: 3 },
        leadsTo: { path: 'bin/dash', layer },
      };
      assert.deepEqual(childRows(layerFileTree([link])).rows[0]!.leadsTo, {
        path: 'bin/dash',
        layer: { index: 2, digest: D(7), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 99 },
      });
    });

    it('pages a huge directory', () => {
      const root = layerFileTree(Array.from({ length: 2500 }, (_, i) => entry(`d/f${String(i).padStart(4, '0')}`)));
      const dir = nodeAtPath(root, 'd')!;
      const first = childRows(dir);
      assert.equal(first.rows.length, 1000);
      assert.equal(first.omitted, 1500);
      const last = childRows(dir, 2000);
      assert.deepEqual([last.rows.length, last.omitted, last.rows[0]!.name.text], [500, 0, 'f2000']);
      assert.equal(fileRow(dir).fileCount, 2500);
    });
  });

  describe('messages from the webview', () => {
    const host = 'registry.test:5000';
    const location = { kind: 'manifest', host, repository: 'app', digest: D(1) };
    const request = (method: string, params: unknown): RequestMessage =>
      parseIncoming({ type: 'request', id: 1, method, params }) as RequestMessage;

    it("takes only the protocol's shapes", () => {
      assert.equal(parseIncoming('hello'), undefined);
      assert.equal(parseIncoming({ type: 'request', id: 1, method: 'eval', params: {} }), undefined);
      assert.equal(parseIncoming({ type: 'request', id: 'x', method: 'page', params: {} }), undefined);
      assert.deepEqual(parseIncoming({ type: 'ready', extra: 1 }), { type: 'ready' });
      assert.equal(parseIncoming({ type: 'rendered', location: { kind: 'manifest' }, title: 't' }), undefined);
    });

    it('keeps a panel on the registry it was opened on', () => {
      assert.equal(checkParams(request('page', location), host), undefined);
      assert.match(checkParams(request('page', { ...location, host: 'evil.example' }), host)!, /reads only from registry\.test:5000/);
      assert.match(checkParams(request('referrers', { host: 'evil.example', repository: 'app', digest: D(1) }), host)!, /reads only from/);
      assert.match(
        checkParams(request('openJson', { host, repository: 'app', digest: 'sha256:../../etc', kind: 'manifest' }), host)!,
        /invalid digest/,
      );
    });

    it('opens or saves only a file of a layer on the same registry, named by a digest and a bounded path', () => {
      const file = {
        host,
        repository: 'app',
        digest: D(2),
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        size: 10,
        path: 'etc/os-release',
      };
      for (const method of ['openLayerFile', 'saveLayerFile'] as const) {
        assert.ok(parseIncoming({ type: 'request', id: 1, method, params: file }), method);
        assert.equal(checkParams(request(method, file), host), undefined);
        assert.match(checkParams(request(method, { ...file, host: 'evil.example' }), host)!, /reads only from/);
        assert.match(checkParams(request(method, { ...file, digest: 'sha256:../../etc' }), host)!, /invalid digest/);
        assert.match(checkParams(request(method, { ...file, size: -1 }), host)!, /no valid layer/);
        assert.match(checkParams(request(method, { ...file, mediaType: 7 }), host)!, /no valid layer/);
        assert.match(checkParams(request(method, { ...file, path: '' }), host)!, /no file/);
        assert.match(checkParams(request(method, { ...file, path: 'a/'.repeat(2049) }), host)!, /no file/);
        assert.match(checkParams(request(method, { ...file, path: ['etc'] }), host)!, /no file/);
      }
    });

    it('checks locations field by field', () => {
      assert.ok(isLocation(location));
      assert.ok(isLocation({ kind: 'layer', host, repository: 'app', digest: D(2), size: 10, mediaType: 'x' }));
      assert.ok(!isLocation({ kind: 'layer', host, repository: 'app', digest: D(2), size: -1, mediaType: 'x' }));
      assert.ok(isLocation({ kind: 'layer', host, repository: 'app', digest: D(2), size: 1, mediaType: 'x', urls: ['https://a.test/b'] }));
      assert.ok(!isLocation({ kind: 'layer', host, repository: 'app', digest: D(2), size: 1, mediaType: 'x', urls: [5] }));
      // A foreign layer's page carries the URLs its manifest gives, so it can say where the layer is.
      const foreign = {
        mediaType: MediaTypes.dockerForeignLayer,
        digest: D(3),
        size: 9,
        urls: ['https://mcr.test/x', 7 as unknown as string],
      };
      assert.deepEqual((descriptorLink({ host, repository: 'app' }, foreign, 'layer') as { urls?: string[] }).urls, ['https://mcr.test/x']);
      assert.ok(!isLocation({ kind: 'blob', host, repository: 'app', digest: D(2), size: 1, mediaType: 'x', role: 'script' }));
      assert.ok(isLocation({ kind: 'manifest', host, repository: 'app', digest: D(2), index: D(3) }));
      assert.ok(!isLocation({ kind: 'manifest', host, repository: 'app', digest: D(2), index: '../etc' }), 'an index is a digest');
      assert.ok(!isLocation({ ...location, tag: 5 }));
      assert.match(checkParams(request('listLayer', location), host)!, /Only layers/);
      const files = { kind: 'filesystem', host, repository: 'app', digest: D(2), label: 'linux/amd64 in app:1' };
      assert.ok(isLocation(files));
      assert.ok(!isLocation({ ...files, label: 7 }));
      assert.ok(!isLocation({ ...files, digest: 'sha256:nope' }));
      assert.equal(checkParams(request('listImageFiles', files), host), undefined);
      assert.match(checkParams(request('listImageFiles', { ...files, host: 'elsewhere.test' }), host)!, /reads only from/);
      assert.match(checkParams(request('listImageFiles', location), host)!, /Only an image's files/);
      assert.equal(checkParams(request('imageFilesChildren', { digest: D(2), path: 'etc', offset: 0 }), host), undefined);
      assert.match(checkParams(request('imageFilesChildren', { digest: D(2), path: 'etc', offset: -1 }), host)!, /no directory/);
    });
  });
});
