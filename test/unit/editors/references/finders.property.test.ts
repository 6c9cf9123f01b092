import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { shortNameTable } from '../../../../src/core/hosts/short-name-config';
import { findImageReferences, readChartFacts, readTerraformModuleFacts, referenceAt } from '../../../../src/editors/references/index';
import { mutated, noise } from '../../support/property-inputs';
import { fixture } from '../../support/reference-sites';

/** Each corpus file under the path its finder reads it by. */
const CORPUS: [string, string][] = [
  ['Dockerfile', '/p/Dockerfile'],
  ['compose.yaml', '/p/compose.yaml'],
  ['helm-rendered.yaml', '/p/k8s.yaml'],
  ['pipelines.yaml', '/p/ci/pipelines.yaml'],
  ['gitops.yaml', '/p/clusters/gitops.yaml'],
  ['chart/Chart.yaml', '/p/chart/Chart.yaml'],
  ['.github/workflows/ci.yml', '/p/.github/workflows/ci.yml'],
  ['.gitlab-ci.yml', '/p/.gitlab-ci.yml'],
  ['.circleci/config.yml', '/p/.circleci/config.yml'],
  ['bitbucket-pipelines.yml', '/p/bitbucket-pipelines.yml'],
  ['azure-pipelines.yml', '/p/azure-pipelines.yml'],
  ['.woodpecker.yml', '/p/.woodpecker.yml'],
  ['.drone.yml', '/p/.drone.yml'],
  ['.devcontainer/devcontainer.json', '/p/.devcontainer/devcontainer.json'],
  ['chart/values.yaml', '/p/chart/values.yaml'],
  ['overlays/prod/kustomization.yaml', '/p/overlays/prod/kustomization.yaml'],
  ['quadlet/web.container', '/p/quadlet/web.container'],
  ['quadlet/cache.volume', '/p/quadlet/cache.volume'],
  ['aws/task-definition.json', '/p/aws/task-definition.json'],
  ['aws/template.yaml', '/p/aws/template.yaml'],
  ['cloudbuild.yaml', '/p/cloudbuild.yaml'],
  ['docker-bake.hcl', '/p/docker-bake.hcl'],
  ['terraform/main.tf', '/p/infra/main.tf'],
  ['terraform/manifests.tf', '/p/infra/manifests.tf'],
  ['terraform/aws.tf', '/p/infra/aws.tf'],
  ['terraform-module/variables.tf', '/p/module/variables.tf'],
  ['terraform-module/terraform.tfvars', '/p/module/terraform.tfvars'],
  ['nomad/web.nomad.hcl', '/p/jobs/web.nomad.hcl'],
  ['helmfile/helmfile.yaml', '/p/deploy/helmfile.yaml'],
  ['jenkins/Jenkinsfile', '/p/Jenkinsfile'],
  ['concourse-pipeline.yml', '/p/ci/pipeline.yml'],
];
const GRAMMAR = ' \n\t:-/@${}[]"\'#&*<>|\\`,.=;%ASFROM';
/** A values file is read with its chart's facts, as the editor reads one beside a Chart.yaml. */
const CHART = readChartFacts(fixture('chart/Chart.yaml'));
/** A Terraform file is read with its module's other files, as the editor reads one in its folder. */
const MODULE = { others: ['main.tf', 'locals.tf'].map((name) => readTerraformModuleFacts(fixture(`terraform-module/${name}`))) };

describe('the reference finders on edited and random files', () => {
  for (const [name, path] of CORPUS) {
    it(`never throw on ${name} with a few characters changed, and every site is where it says`, () => {
      fc.assert(
        fc.property(mutated(fc.constant(fixture(name)), GRAMMAR), fc.nat(), (text, at) => {
          const sites = findImageReferences(text, path, undefined, { chart: CHART, terraformModule: MODULE });
          for (const site of sites) {
            assert.equal(text.slice(site.start, site.end), site.written);
            if (site.literal) assert.equal(site.written, site.part ? site.parsed[site.part] : site.reference);
            if (site.tagFrom) assert.ok(!site.literal && site.parsed.tag === CHART.appVersion && site.parsed.digest === undefined);
          }
          referenceAt(text, path, at % (text.length + 1));
        }),
        { numRuns: 60 },
      );
    });
  }

  it('read short names through aliases in edited Quadlet units and Containerfiles, the text kept as written', () => {
    const shortNames = shortNameTable([
      { path: '/r.conf', text: '[aliases]\n"nginx" = "quay.io/acme/nginx"\n"alpine" = "ghcr.io/acme/alpine"\n' },
    ]);
    const units = [
      '[Container]\nImage=nginx:1.25\n',
      '[Image]\nImage=alpine@sha256:' + 'a'.repeat(64) + '\n',
      fixture('quadlet/web.container'),
    ];
    fc.assert(
      fc.property(
        mutated(fc.constantFrom(...units, 'FROM nginx:1.25 AS web\nCOPY --from=alpine:3 / /\n'), GRAMMAR),
        fc.constantFrom('/p/web.container', '/p/Containerfile'),
        (text, path) => {
          for (const site of findImageReferences(text, path, undefined, { shortNames })) {
            assert.equal(text.slice(site.start, site.end), site.written);
            if (!site.shortName) continue;
            assert.ok(['quay.io/acme/nginx', 'ghcr.io/acme/alpine'].includes(site.shortName.name));
            if (site.literal) assert.equal(site.reference, site.shortName.name + site.written.slice(site.shortName.written.length));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never throw on a Chart.yaml with a few characters changed, and say an appVersion only as text', () => {
    fc.assert(
      fc.property(mutated(fc.constant(fixture('chart/Chart.yaml')), GRAMMAR), (text) => {
        const facts = readChartFacts(text);
        assert.ok(facts.appVersion === undefined || (typeof facts.appVersion === 'string' && facts.appVersion.trim() === facts.appVersion));
        assert.ok(facts.subcharts.every((key) => typeof key === 'string' && key !== ''));
      }),
      { numRuns: 200 },
    );
  });

  it('never throw on random text under any name', () => {
    fc.assert(
      fc.property(noise(GRAMMAR, 200), fc.constantFrom(...CORPUS.map(([, p]) => p)), (text, path) => {
        for (const site of findImageReferences(text, path)) assert.equal(text.slice(site.start, site.end), site.written);
      }),
      { numRuns: 300 },
    );
  });
});
