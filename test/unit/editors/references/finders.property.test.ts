import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { findImageReferences, referenceAt } from '../../../../src/editors/references/index';
import { mutated, noise } from '../../support/property-inputs';
import { fixture } from '../../support/reference-sites';

/** Each corpus file under the path its finder reads it by. */
const CORPUS: [string, string][] = [
  ['Dockerfile', '/p/Dockerfile'],
  ['compose.yaml', '/p/compose.yaml'],
  ['helm-rendered.yaml', '/p/k8s.yaml'],
  ['.github/workflows/ci.yml', '/p/.github/workflows/ci.yml'],
  ['.gitlab-ci.yml', '/p/.gitlab-ci.yml'],
  ['.devcontainer/devcontainer.json', '/p/.devcontainer/devcontainer.json'],
  ['chart/values.yaml', '/p/chart/values.yaml'],
  ['overlays/prod/kustomization.yaml', '/p/overlays/prod/kustomization.yaml'],
];
const GRAMMAR = ' \n\t:-/@${}[]"\'#&*<>|\\`,.ASFROM';

describe('the reference finders on edited and random files', () => {
  for (const [name, path] of CORPUS) {
    it(`never throw on ${name} with a few characters changed, and every site is where it says`, () => {
      fc.assert(
        fc.property(mutated(fc.constant(fixture(name)), GRAMMAR), fc.nat(), (text, at) => {
          const sites = findImageReferences(text, path);
          for (const site of sites) {
            assert.equal(text.slice(site.start, site.end), site.written);
            if (site.literal) assert.equal(site.written, site.part ? site.parsed[site.part] : site.reference);
          }
          referenceAt(text, path, at % (text.length + 1));
        }),
        { numRuns: 60 },
      );
    });
  }

  it('never throw on random text under any name', () => {
    fc.assert(
      fc.property(noise(GRAMMAR, 200), fc.constantFrom(...CORPUS.map(([, p]) => p)), (text, path) => {
        for (const site of findImageReferences(text, path)) assert.equal(text.slice(site.start, site.end), site.written);
      }),
      { numRuns: 300 },
    );
  });
});
