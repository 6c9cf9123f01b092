// Which image of a `docker save` or OCI archive is pushed: the one named, however the name is
// written (`app:1`, `docker.io/library/app:1`, Docker 25+'s bare tag beside the full name), else
// the only one; a bare tag never stands for another bare tag; refusals quote the archive's names
// and list a bounded number; ten thousand names stay linear.
import assert from 'node:assert/strict';
import { chooseArchiveImage } from '../../../../src/core/layout/archive-choice';
import type { ArchiveRoot } from '../../../../src/core/layout/archive-source';
import { CoreError } from '../../../../src/core/errors';

const D = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const image = (n: number, refName?: string, imageName?: string): ArchiveRoot => ({
  descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D(n), size: 100 + n },
  ...(refName !== undefined ? { refName } : {}),
  ...(imageName !== undefined ? { imageName } : {}),
});

function refusal(work: () => unknown, code: string): string {
  try {
    work();
  } catch (err) {
    assert.ok(err instanceof CoreError, String(err));
    assert.equal(err.code, code);
    return err.message;
  }
  assert.fail('expected a refusal');
}

describe('choosing the image of an archive to push', function () {
  // Docker 25+: the ref name is the tag, the full name in io.containerd.image.name.
  const docker25 = [image(1, '1', 'docker.io/library/app:1'), image(2, '2', 'docker.io/library/app:2')];

  it('takes the image named, however the name is written', function () {
    assert.equal(chooseArchiveImage(docker25, '2', 'a.tar').digest, D(2), 'the bare tag as written');
    assert.equal(chooseArchiveImage(docker25, 'app:2', 'a.tar').digest, D(2), 'a short reference');
    assert.equal(chooseArchiveImage(docker25, 'docker.io/library/app:1', 'a.tar').digest, D(1), 'the full name');
    const legacy = [image(3, 'registry.example/team/app:1'), image(4, 'app:1')];
    assert.equal(chooseArchiveImage(legacy, 'docker.io/library/app:1', 'a.tar').digest, D(4));
  });

  it('never takes one bare tag for another', function () {
    const message = refusal(() => chooseArchiveImage(docker25, '3', 'a.tar'), 'REF_NOT_FOUND');
    assert.equal(message, 'a.tar has no image named "3"; it has "docker.io/library/app:1", "docker.io/library/app:2".');
    assert.throws(() => chooseArchiveImage([image(1, 'latest')], 'stable', 'a.tar'), /has no image named "stable"/);
  });

  it('takes the only image, one image saved under several tags included', function () {
    assert.equal(chooseArchiveImage([image(5)], undefined, 'a.tar').digest, D(5));
    assert.equal(chooseArchiveImage([image(6, 'app:1'), image(6, 'app:2')], undefined, 'a.tar').digest, D(6));
    const message = refusal(
      () => chooseArchiveImage([image(6, 'app:1'), image(6, 'app:2'), image(7)], undefined, 'a.tar'),
      'REF_AMBIGUOUS',
    );
    assert.equal(message, `a.tar holds 2 images ("app:1" = "app:2", ${D(7)}): say which one to push.`);
  });

  it('quotes names from the archive and lists a bounded number of them', function () {
    const hostile = refusal(() => chooseArchiveImage([image(1, 'app:1\u202Eexe'), image(2)], undefined, 'a.tar'), 'REF_AMBIGUOUS');
    assert.ok(!hostile.includes('\u202E'), 'a bidi override shows as an escape');
    const many = Array.from({ length: 10_000 }, (_, i) => image(i + 1, `app:${i}`));
    const message = refusal(() => chooseArchiveImage(many, 'app:none', 'a.tar'), 'REF_NOT_FOUND');
    assert.match(message, /"app:19" and 9980 more\.$/);
    assert.equal(chooseArchiveImage(many, 'docker.io/library/app:9999', 'a.tar').digest, D(10_000));
  });
});
