import { strict as assert } from 'node:assert';
import {
  appVersionTagPrefix,
  appVersionTagPrefixImages,
  type ChartFacts,
  findImageReferences,
  nameFieldAt,
  readChartFacts,
  readFluxHelmRepositories,
  readTerraformModuleFacts,
  readDotenv,
  readTerraformVarsValues,
  referenceAt,
  terraformImageVariables,
} from '../../../../src/editors/references/index';
import { parseYaml } from '../../../../src/editors/references/yaml-nodes';
import { describeSites, fixture } from '../../support/reference-sites';

/** The corpus in test/fixtures/references: each file's references with their exact ranges. */
function found(name: string, path = name): string[] {
  const text = fixture(name);
  const sites = findImageReferences(text, path);
  for (const site of sites) assert.equal(text.slice(site.start, site.end), site.written, 'a site covers what it says is written there');
  return describeSites(text, sites);
}

describe('findImageReferences', () => {
  it('reads a multi-stage Dockerfile: the syntax directive, ARG defaults, platforms, stages, COPY --from, RUN --mount, heredocs', () => {
    assert.deepEqual(found('Dockerfile'), [
      // The frontend BuildKit runs the file with.
      '0:9-0:30 syntax docker/dockerfile:1.7',
      '7:31-7:67 FROM node:20.11.1-alpine3.19 (as written node:${NODE_VERSION}-alpine${ALPINE})',
      '12:5-12:16 FROM golang:1.22-bookworm (as written ${GO_IMAGE})',
      '13:27-13:51 RUN --mount ghcr.io/acme/protoc:25.1',
      '17:5-17:107 FROM docker.io/library/nginx:1.25.3@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31 platform linux/arm64',
      '20:12-20:24 COPY --from busybox:1.36',
      '24:5-24:59 FROM registry.example.com:5000/team/base:2.1.0 (as written ${REGISTRY:-registry.example.com:5000}/team/base:2.1.0)',
    ]);
  });

  it('leaves alone a tag or digest written on its own that is none, though it would compose into some other reference', () => {
    // `redis:7/20` would parse as the repository 20 on a host redis:7.
    assert.deepEqual(findImageReferences('images:\n  - name: redis\n    newTag: 7/20\n', '/kustomization.yaml'), []);
    assert.deepEqual(findImageReferences('image:\n  repository: redis\n  tag: a/b\n', '/values.yaml'), []);
    assert.deepEqual(
      findImageReferences('image:\n  repository: redis\n  tag: ""\n', '/values.yaml', undefined, {
        chart: { appVersion: '1.0/x', subcharts: [] },
      }),
      [],
    );
  });

  it('leaves a syntax directive with a variable alone, as BuildKit reads no variables there', () => {
    // dockerfile-ast, asked for a variable on a line outside any instruction, overflowed the stack.
    for (const value of ['$docker/dockerfile:1.7', '${FRONTEND}', 'docker/dockerfile:${V:-1}'])
      assert.deepEqual(
        findImageReferences(`# syntax=${value}\nARG V=1\nFROM alpine:3.19\n`, '/Dockerfile').map((s) => s.reference),
        ['alpine:3.19'],
      );
  });

  it("reads Podman Quadlet units: a container's, an image unit's and an image volume's last Image=", () => {
    assert.deepEqual(found('quadlet/web.container', '/etc/containers/systemd/web.container'), [
      // Left out: the Image= the last one replaces, an environment value, another section's Image=.
      '8:8-8:30 Image ghcr.io/acme/web:2.4.1',
    ]);
    assert.deepEqual(found('quadlet/cache.volume', '/etc/containers/systemd/cache.volume'), [
      '2:6-2:113 Image registry.example.com:5000/data/seed@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31',
    ]);
    assert.deepEqual(found('quadlet/base.image', '/etc/containers/systemd/base.image'), ['1:6-1:35 Image quay.io/centos/centos:stream9']);
    const unit = (body: string, name = 'x.container') => findImageReferences(body, `/u/${name}`).map((s) => s.reference);
    // Another unit's image, a systemd specifier, a continued line, an Image= cleared last: none is a registry's.
    for (const image of ['web.image', 'app.build', 'ghcr.io/acme/%i:1', 'ghcr.io/acme/web:1 \\\n  --x'])
      assert.deepEqual(unit(`[Container]\nImage=${image}\n`), [], image);
    assert.deepEqual(unit('[Container]\nImage=alpine:3.20\nImage=\n'), []);
    // A volume holds an image only with Driver=image; an Image= before any section is in none.
    assert.deepEqual(unit('[Volume]\nImage=alpine:3.20\n', 'v.volume'), []);
    assert.deepEqual(unit('Image=alpine:3.20\n[Container]\n'), []);
    // Comments, CRLF line ends, blanks around the =.
    assert.deepEqual(unit('; c\r\n[Container]\r\n# Image=a:1\r\n  Image =  alpine:3.20  \r\n'), ['alpine:3.20']);
  });

  it('reads an ECS task definition and the images of a CloudFormation template, by resource type', () => {
    assert.deepEqual(found('aws/task-definition.json', '/deploy/task-definition.json'), [
      // Left out: CodePipeline's placeholder.
      '9:16-9:75 image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:2.4.1',
      '15:16-15:74 image public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2',
    ]);
    // As `aws ecs describe-task-definition` writes it: under taskDefinition.
    const described = JSON.stringify({ taskDefinition: { containerDefinitions: [{ image: 'nginx:1.27' }] } });
    assert.deepEqual(
      findImageReferences(described, '/taskdef.json').map((s) => s.reference),
      ['nginx:1.27'],
    );
    for (const name of ['taskdef.json', 'web-task-def.json', 'prod.task-definition.json', 'task-definition-prod.json'])
      assert.equal(findImageReferences(described, `/d/${name}`).length, 1, name);
    assert.deepEqual(findImageReferences(described, '/d/mytaskdef.json'), [], 'another JSON file is not read');
    assert.deepEqual(found('aws/template.yaml', '/infra/template.yaml'), [
      // Left out: a !Sub and a !Ref, which CloudFormation fills in, and an S3 bucket's property.
      '11:17-11:76 Image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:2.4.1',
      '22:15-22:61 Image public.ecr.aws/docker/library/python:3.12-slim',
      '28:18-28:145 ImageUri 123456789012.dkr.ecr.eu-west-1.amazonaws.com/thumbnails@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31',
      '33:16-33:70 ImageUri 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.0.0',
      '39:27-39:80 ImageIdentifier public.ecr.aws/aws-containers/hello-app-runner:latest',
    ]);
  });

  it("reads a workflow's image given by its job's matrix where the matrix writes each value", () => {
    const workflow = [
      'jobs:',
      '  test:',
      '    strategy:',
      '      matrix:',
      '        image: [alpine:3.20, "debian:12"]',
      '        postgres:',
      '          - postgres:16',
      '        include:',
      '          - image: fedora:40',
      '          - experimental: true',
      '    container: ${{ matrix.image }}',
      '    services:',
      '      db:',
      '        image: ${{matrix.postgres}}',
      '  distros:',
      '    strategy:',
      '      matrix:',
      '        distro:',
      '          - { name: alpine, image: "alpine:3.19" }',
      '          - name: ubuntu',
      '            image: ubuntu:24.04',
      '        image: ${{ fromJSON(needs.setup.outputs.images) }}',
      '    container:',
      '      image: ${{ matrix.distro.image }}',
      '  other:',
      '    strategy: { matrix: { image: [busybox:1.36] } }',
      '    container: ${{ matrix.image }}-slim',
      '',
    ].join('\n');
    // A template around the expression (`-slim`) and a list made by an expression are left alone.
    assert.deepEqual(describeSites(workflow, findImageReferences(workflow, '/r/.github/workflows/test.yml')), [
      '4:16-4:27 container alpine:3.20',
      '4:30-4:39 container debian:12',
      '6:12-6:23 service postgres:16',
      '8:19-8:28 container fedora:40',
      '18:36-18:47 container alpine:3.19',
      '20:19-20:31 container ubuntu:24.04',
    ]);
  });

  it("reads a reusable or manually run workflow's image given by an input at the input's default and choices", () => {
    const workflow = [
      'on:',
      '  workflow_call:',
      '    inputs:',
      '      image:',
      '        type: string',
      '        default: node:22-bookworm',
      '  workflow_dispatch:',
      '    inputs:',
      '      image:',
      '        type: choice',
      '        default: node:22-bookworm',
      '        options: [node:20-bookworm, node:22-bookworm]',
      '      db: { type: string, default: "postgres:16" }',
      'jobs:',
      '  test:',
      '    container: ${{ inputs.image }}',
      '    services:',
      '      db:',
      '        image: ${{ github.event.inputs.db }}',
      '      cache:',
      '        image: ${{ inputs.cache }}',
      '  other:',
      '    container: ${{ inputs.image }}-slim',
      '',
    ].join('\n');
    // An input with no default, and a template around the expression, are left alone.
    assert.deepEqual(describeSites(workflow, findImageReferences(workflow, '/r/.github/workflows/build.yml')), [
      '5:17-5:33 container node:22-bookworm',
      '10:17-10:33 container node:22-bookworm',
      '11:18-11:34 container node:20-bookworm',
      '11:36-11:52 container node:22-bookworm',
      '12:36-12:47 service postgres:16',
    ]);
  });

  it("reads a GitLab job's image given by its parallel matrix where the matrix writes each value", () => {
    const pipeline = [
      'variables:',
      '  IMAGE: node:22',
      'test:',
      '  image: $IMAGE',
      '  services:',
      '    - name: ${DB}',
      '  parallel:',
      '    matrix:',
      '      - IMAGE: [alpine:3.20, "debian:12"]',
      '        DB: postgres:16',
      '      - IMAGE: fedora:40',
      'lint:',
      '  image: $IMAGE',
      'build:',
      '  image: $BASE-slim',
      '  parallel:',
      '    matrix:',
      '      - BASE: [python:3.13]',
      '',
    ].join('\n');
    // The matrix's values where it has one; the file's variable elsewhere; a template around a variable left alone.
    assert.deepEqual(describeSites(pipeline, findImageReferences(pipeline, '/r/.gitlab-ci.yml')), [
      '8:16-8:27 image alpine:3.20',
      '8:30-8:39 image debian:12',
      '9:12-9:23 service postgres:16',
      '10:15-10:24 image fedora:40',
      '12:9-12:15 image node:22 (as written $IMAGE)',
    ]);
  });

  it("reads a Cloud Build config: each step's image and the images it pushes, with the file's own substitutions", () => {
    assert.deepEqual(found('cloudbuild.yaml', '/cloudbuild.yaml'), [
      '5:10-5:38 steps gcr.io/cloud-builders/docker',
      '7:11-7:31 steps node:20.11.1-alpine (as written node:${_NODE}-alpine)',
      // Left out: a step and an image that use the build's own $PROJECT_ID.
      '12:10-12:59 steps europe-west1-docker.pkg.dev/acme/tools/deployer:2.0 (as written ${_REGION}-docker.pkg.dev/acme/tools/deployer:2.0)',
      '14:4-14:52 images europe-west1-docker.pkg.dev/acme/shop/web:latest built here',
    ]);
    for (const name of ['cloudbuild.yml', 'cloudbuild-prod.yaml', 'cloudbuild.staging.yaml'])
      assert.equal(findImageReferences(fixture('cloudbuild.yaml'), `/ci/${name}`).length, 4, name);
  });

  it('reads Terraform files by resource type: workloads, containers, functions, task definitions and OCI Helm releases', () => {
    assert.deepEqual(found('terraform/main.tf', '/infra/main.tf'), [
      '14:19-14:43 initContainers ghcr.io/acme/migrate:3.1',
      '18:19-18:31 container nginx:1.25.3',
      // A template filled in with the variable's default, as written; left out: one taken from another resource.
      '22:19-22:35 container nginx:1.25 (as written nginx:${var.tag})',
      '30:10-30:30 image ghcr.io/acme/app:2.0 built here',
      '37:10-37:19 image redis:7.2',
      '48:19-48:74 ImageUri 123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker:4.2',
      // The containers of a task definition's jsonencode(), on lines of their own or one line.
      '56:19-56:46 image public.ecr.aws/acme/api:1.9',
      '59:31-59:55 image envoyproxy/envoy:v1.31.0',
      '67:15-67:52 container europe-docker.pkg.dev/acme/site/web:5',
      '77:16-77:42 container acme.azurecr.io/jobs:0.4.1',
      // helm install --version takes cert-manager's v-tag as written.
      '88:16-88:23 chart quay.io/jetstack/charts/cert-manager:v1.16.2 written: its tag',
      '94:13-94:18 chart ghcr.io/stefanprodan/charts/podinfo:6.7.1 written: its tag',
      // Left out: a VM image, a chart from an index, a resource commented out, and a heredoc.
    ]);
    assert.equal(findImageReferences(fixture('terraform/main.tf'), '/infra/main.tofu').length, 12, 'OpenTofu');
    assert.equal(findImageReferences(fixture('terraform/main.tf'), '/infra/main', 'terraform').length, 12, 'by language');
    assert.deepEqual(findImageReferences(fixture('terraform/main.tf'), '/infra/main.tf.txt'), []);
  });

  it('reads the other AWS services that run an image: App Runner, Batch (ECS, Fargate and EKS), SageMaker and Lightsail', () => {
    assert.deepEqual(found('terraform/aws.tf', '/infra/aws.tf'), [
      '5:31-5:84 ImageIdentifier public.ecr.aws/aws-containers/hello-app-runner:latest',
      '16:15-16:38 image ghcr.io/acme/report:2.0',
      '25:46-25:66 containers ghcr.io/acme/etl:1.3',
      '36:17-36:39 containers ghcr.io/acme/train:0.9',
      '46:13-46:91 container 763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311',
      '54:22-54:34 container nginx:1.27.3',
    ]);
  });

  it('reads the Kubernetes objects Terraform applies: an HCL object by its containers, and YAML in a heredoc as a Kubernetes file', () => {
    assert.deepEqual(found('terraform/manifests.tf', '/infra/manifests.tf'), [
      '12:57-12:81 initContainers ghcr.io/acme/migrate:3.1',
      '16:23-16:45 containers ghcr.io/acme/web:1.4.0',
      // Left out: a custom resource's VM image.
      '54:25-54:48 containers quay.io/acme/report:2.0',
      '67:13-67:25 containers busybox:1.36',
      // Left out: YAML in another resource's heredoc.
    ]);
  });

  it("reads the images a Terraform module takes from its variables and locals where they are written, in the module's other files", () => {
    const files = ['main.tf', 'variables.tf', 'locals.tf'];
    const module = (except?: string) =>
      files.filter((f) => f !== except).map((f) => readTerraformModuleFacts(fixture(`terraform-module/${f}`)));
    const inModule = (file: string, path = `/infra/${file}`, others = module(file)) => {
      const text = fixture(`terraform-module/${file}`);
      return describeSites(text, findImageReferences(text, path, undefined, { terraformModule: { others } }));
    };
    // The uses name no image themselves, but a template does, with the default of another file; a VM image is not read.
    assert.deepEqual(inModule('main.tf'), ['44:11-44:33 image nginx:1.25.3 (as written nginx:${var.nginx_tag})']);
    assert.deepEqual(inModule('variables.tf'), [
      '3:17-3:39 container ghcr.io/acme/web:1.4.0',
      '7:13-7:37 initContainers ghcr.io/acme/migrate:3.1',
      // Through a local that stands for it.
      '10:36-10:45 image redis:7.2',
    ]);
    assert.deepEqual(inModule('locals.tf'), ['1:18-1:73 ImageUri 123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker:4.2']);
    // The values a .tfvars file gives them, beside the module or apart from it.
    assert.deepEqual(inModule('terraform.tfvars', '/infra/terraform.tfvars', module()), ['0:13-0:35 container ghcr.io/acme/web:1.5.0']);
    assert.deepEqual(inModule('environments/prod.tfvars', '/infra/environments/prod.tfvars', module()), [
      '1:17-1:41 initContainers ghcr.io/acme/migrate:3.2',
    ]);
    assert.deepEqual(inModule('terraform.tfvars', '/infra/terraform.tfvars', []), [], 'no module, no variable known to be an image');
    // A file that uses and defines its variables reads alone; a variable used as one image in one file and not another.
    const alone = [
      'variable "image" {',
      '  default = "nginx:1.25.3"',
      '}',
      'resource "kubernetes_pod_v1" "p" {',
      '  spec {',
      '    container { image = var.image }',
      '  }',
      '}',
      'resource "aws_ecs_task_definition" "t" {',
      '  container_definitions = jsonencode([{ name = "a", image = local.sidecar }])',
      '}',
      'locals { sidecar = "envoyproxy/envoy:v1.31.0" }',
      '',
    ].join('\n');
    assert.deepEqual(describeSites(alone, findImageReferences(alone, '/one/main.tf')), [
      '1:13-1:25 container nginx:1.25.3',
      '11:20-11:44 image envoyproxy/envoy:v1.31.0',
    ]);
  });

  it('fills a template in as Terraform does without -var: the auto-loaded .tfvars over the defaults, and locals', () => {
    const main = [
      'variable "registry" { default = "ghcr.io/acme" }',
      'variable "tag" { default = "1.0" }',
      'locals { name = "api" }',
      'resource "docker_container" "api" {',
      '  name  = "api"',
      '  image = "${var.registry}/${local.name}:${var.tag}"',
      '}',
      'resource "docker_container" "other" {',
      '  name  = "other"',
      '  image = "${var.registry}/other:${var.unknown}"',
      '}',
      'resource "docker_container" "directive" {',
      '  name  = "directive"',
      '  image = "%{ if var.tag != "" }nginx:${var.tag}%{ endif }"',
      '}',
      'resource "google_compute_instance" "vm" {',
      '  boot_disk {',
      '    initialize_params { image = "${var.registry}/vm" }',
      '  }',
      '}',
      '',
    ].join('\n');
    const read = (assigned?: Map<string, string>) =>
      describeSites(main, findImageReferences(main, '/m/main.tf', undefined, { terraformModule: assigned ? { assigned } : {} }));
    // A variable with no known value, a directive and a VM image are left alone.
    assert.deepEqual(read(), ['5:11-5:51 image ghcr.io/acme/api:1.0 (as written ${var.registry}/${local.name}:${var.tag})']);
    assert.equal(findImageReferences(main, '/m/main.tf')[0]!.filledIn, 'terraform-values', 'the hover says where the values came from');
    assert.deepEqual(read(new Map([['tag', '1.1']])), [
      '5:11-5:51 image ghcr.io/acme/api:1.1 (as written ${var.registry}/${local.name}:${var.tag})',
    ]);
    assert.deepEqual(
      readTerraformVarsValues('tag = "1.2"\nreplicas = 3\nregistry = "quay.io/acme" # mirror\n'),
      new Map([
        ['tag', '1.2'],
        ['registry', 'quay.io/acme'],
      ]),
    );
  });

  it('reads the images a configuration passes to a module it calls from a folder, as that module uses them', () => {
    const facts = (name: string) => readTerraformModuleFacts(fixture(`terraform-calls/${name}`));
    const called = new Map([['app', terraformImageVariables([facts('modules/app/main.tf')])]]);
    const read = (name: string, others: string[]) => {
      const text = fixture(`terraform-calls/${name}`);
      const module = { others: others.map(facts), called };
      return describeSites(text, findImageReferences(text, `/infra/${name}`, undefined, { terraformModule: module }));
    };
    // Its name is no image; the registry's module is not known until init has installed it.
    assert.deepEqual(read('main.tf', ['variables.tf']), ['4:13-4:35 container ghcr.io/acme/web:2.0.0']);
    // Installed (its folder read where modules.json says), it is known by the call's name like the other.
    const cluster = terraformImageVariables([readTerraformModuleFacts('resource "docker_container" "c" {\n  image = var.image\n}\n')]);
    const text = fixture('terraform-calls/main.tf');
    const installed = { others: [facts('variables.tf')], called: new Map([...called, ['cluster', cluster]]) };
    assert.deepEqual(describeSites(text, findImageReferences(text, '/infra/main.tf', undefined, { terraformModule: installed })), [
      '4:13-4:35 container ghcr.io/acme/web:2.0.0',
      '12:13-12:39 image ghcr.io/acme/installed:1.0',
    ]);
    // Passed on from a variable: that variable's default.
    assert.deepEqual(read('variables.tf', ['main.tf']), ['1:13-1:37 initContainers envoyproxy/envoy:v1.31.0']);
    const alone = fixture('terraform-calls/main.tf');
    assert.deepEqual(findImageReferences(alone, '/infra/main.tf'), [], 'without the called module, nothing passed to it is known');
    // Which variables a module uses as images, through the modules it calls in turn.
    const outer = 'module "inner" {\n  source = "../app"\n  image  = var.web\n}\nvariable "web" {}\n';
    const variables = terraformImageVariables([readTerraformModuleFacts(outer)], new Map([['inner', called.get('app')!]]));
    assert.deepEqual([...variables], [['web', { context: 'container' }]]);
  });

  it("reads a Docker container action's image in its action.yml, and not a Dockerfile it builds", () => {
    const action = ['name: Lint', 'runs:', '  using: docker', "  image: 'docker://ghcr.io/acme/lint:1.4'", '  args: [--strict]', ''].join(
      '\n',
    );
    for (const path of ['/r/action.yml', '/r/lint/action.yaml'])
      assert.deepEqual(describeSites(action, findImageReferences(action, path)), ['3:19-3:40 image ghcr.io/acme/lint:1.4']);
    assert.deepEqual(findImageReferences(action.replace("'docker://ghcr.io/acme/lint:1.4'", 'Dockerfile'), '/r/action.yml'), []);
    assert.deepEqual(findImageReferences(action.replace('using: docker', 'using: node20'), '/r/action.yml'), []);
  });

  it("reads Buildkite's pipelines: the Docker plugin's images", () => {
    const pipeline = [
      'steps:',
      '  - label: test',
      '    command: npm test',
      '    plugins:',
      '      - docker#v5.11.0:',
      '          image: node:20.11-bookworm',
      '  - label: compose',
      '    plugins:',
      '      - docker-compose#v5.2.0:',
      '          run: app',
      '',
    ].join('\n');
    for (const path of ['/r/.buildkite/pipeline.yml', '/r/.buildkite/pipeline.deploy.yaml', '/r/buildkite.yml'])
      assert.deepEqual(describeSites(pipeline, findImageReferences(pipeline, path)), ['5:17-5:36 image node:20.11-bookworm'], path);
  });

  it("reads development environments' images: Gitpod's, and a Devfile's container components", () => {
    const gitpod = 'image: gitpod/workspace-full:2024-11-27-09-20-40\ntasks:\n  - init: npm ci\n';
    assert.deepEqual(describeSites(gitpod, findImageReferences(gitpod, '/r/.gitpod.yml')), [
      '0:7-0:48 image gitpod/workspace-full:2024-11-27-09-20-40',
    ]);
    assert.deepEqual(findImageReferences('image:\n  file: .gitpod.Dockerfile\n', '/r/.gitpod.yml'), [], 'an image built from a Dockerfile');
    const devfile = [
      'schemaVersion: 2.2.0',
      'metadata:',
      '  name: api',
      'components:',
      '  - name: tools',
      '    container:',
      '      image: quay.io/devfile/universal-developer-image:ubi8-latest',
      '      memoryLimit: 3Gi',
      '  - name: build',
      '    image:',
      '      imageName: api:dev',
      '      dockerfile:',
      '        uri: Dockerfile',
      '',
    ].join('\n');
    for (const path of ['/r/devfile.yaml', '/r/.devfile.yaml', '/r/devfile.yml'])
      assert.deepEqual(describeSites(devfile, findImageReferences(devfile, path)), [
        '6:13-6:66 image quay.io/devfile/universal-developer-image:ubi8-latest',
      ]);
  });

  it("reads local clusters' configurations: kind's node images, k3d's node and registry images", () => {
    const kind = [
      'kind: Cluster',
      'apiVersion: kind.x-k8s.io/v1alpha4',
      'nodes:',
      '  - role: control-plane',
      `    image: kindest/node:v1.31.0@sha256:${'a'.repeat(64)}`,
      '  - role: worker',
      '    image: kindest/node:v1.31.0',
      '  - role: worker',
      '',
    ].join('\n');
    assert.deepEqual(describeSites(kind, findImageReferences(kind, '/dev/kind-config.yaml')), [
      `4:11-4:103 image kindest/node:v1.31.0@sha256:${'a'.repeat(64)}`,
      '6:11-6:31 image kindest/node:v1.31.0',
    ]);
    const k3d = [
      'apiVersion: k3d.io/v1alpha5',
      'kind: Simple',
      'metadata:',
      '  name: dev',
      'image: rancher/k3s:v1.30.4-k3s1',
      'registries:',
      '  create:',
      '    name: registry.localhost',
      '    image: docker.io/library/registry:2',
      '',
    ].join('\n');
    assert.deepEqual(describeSites(k3d, findImageReferences(k3d, '/dev/k3d.yaml')), [
      '4:7-4:31 image rancher/k3s:v1.30.4-k3s1',
      '8:11-8:39 image docker.io/library/registry:2',
    ]);
    // The same keys in another API group are no image.
    assert.deepEqual(findImageReferences(k3d.replace('k3d.io', 'example.com'), '/dev/k3d.yaml'), []);
  });

  it("reads a Jenkins pipeline's Docker agents, scripted images, pod templates and a Kubernetes agent's pod", () => {
    assert.deepEqual(found('jenkins/Jenkinsfile', '/repo/Jenkinsfile'), [
      '4:13-4:43 image maven:3.9.6-eclipse-temurin-17',
      '10:22-10:39 image node:20.11-alpine',
      '22:25-22:38 containers postgres:16.2',
      '31:24-31:40 image python:3.12-slim',
      // Left out: an interpolated version, and two images in comments.
      '42:71-42:82 image golang:1.22',
    ]);
    for (const path of ['/repo/Jenkinsfile.release', '/repo/ci/build.jenkinsfile'])
      assert.equal(findImageReferences(fixture('jenkins/Jenkinsfile'), path).length, 5, path);
    assert.equal(findImageReferences(fixture('jenkins/Jenkinsfile'), '/repo/pipeline.groovy', 'jenkinsfile').length, 5, 'by language');
    assert.deepEqual(findImageReferences(fixture('jenkins/Jenkinsfile'), '/repo/build.groovy'), []);
  });

  it("reads Helmfile's releases of OCI charts: by an OCI repository's name or by URL, at a version or a range, and their dependencies", () => {
    assert.deepEqual(found('helmfile/helmfile.yaml', '/deploy/helmfile.yaml'), [
      '15:13-15:20 chart registry-1.docker.io/bitnamicharts/postgresql:15.5.38 written: its tag',
      '18:13-18:19 chart registry-1.docker.io/bitnamicharts/valkey written: its tag at the range ~2.1.0, tags read as helm',
      // Left out: a chart repository's chart.
      '24:13-24:18 chart ghcr.io/stefanprodan/charts/podinfo:6.7.1 written: its tag',
      // The URL's own tag, with no version beside it.
      '26:17-26:61 chart quay.io/jetstack/charts/cert-manager:v1.16.2',
      // Left out: a version made by a template, and a local chart; its OCI dependency is read.
      '34:17-34:23 chart registry-1.docker.io/bitnamicharts/redis:19.6.4 written: its tag',
      // A repository of another document; Helm pulls v2.0.0 as written.
      '39:13-39:19 chart ghcr.io/acme/charts/worker:v2.0.0 written: its tag',
    ]);
    for (const path of ['/d/helmfile.yaml.gotmpl', '/d/helmfile.yml', '/d/helmfile.d/10-apps.yaml', '/d/helmfile.d/00-infra.yaml.gotmpl'])
      assert.equal(findImageReferences(fixture('helmfile/helmfile.yaml'), path).length, 6, path);
    assert.equal(findImageReferences(fixture('helmfile/helmfile.yaml'), '/d/other.yaml').length, 0, 'another YAML file');
  });

  it("reads a Nomad job's task images by driver: Docker, Podman (its docker:// transport) and a Connect sidecar", () => {
    assert.deepEqual(found('nomad/web.nomad.hcl', '/jobs/web.nomad.hcl'), [
      '15:21-15:45 image envoyproxy/envoy:v1.31.0',
      '24:17-24:29 image nginx:1.25.3',
      '32:26-32:48 image quay.io/acme/cache:2.1',
      // Left out: an OCI archive on disk, a tag made by a template, and an exec task's config.
    ]);
    assert.equal(findImageReferences(fixture('nomad/web.nomad.hcl'), '/jobs/web.nomad').length, 3);
    assert.equal(findImageReferences(fixture('nomad/web.nomad.hcl'), '/jobs/web', 'nomad').length, 3);
    assert.deepEqual(findImageReferences(fixture('nomad/web.nomad.hcl'), '/jobs/web.hcl'), [], 'an HCL file of another tool');
  });

  it("reads a Nomad job's image given by a variable or a local where the job file writes its value", () => {
    const job = [
      'variable "image" {',
      '  type    = string',
      '  default = "nginx:1.25.3"',
      '}',
      'variable "registry" { default = "ghcr.io/acme" }',
      'variable "tool" { default = "busybox:1.36" }',
      'locals { cache = "docker://quay.io/acme/cache:2.1" }',
      'job "web" {',
      '  group "g" {',
      '    task "a" {',
      '      driver = "docker"',
      '      config { image = var.image }',
      '    }',
      '    task "b" {',
      '      driver = "docker"',
      '      config { image = "${var.image}" }',
      '    }',
      '    task "c" {',
      '      driver = "podman"',
      '      config { image = local.cache }',
      '    }',
      '    task "d" {',
      '      driver = "docker"',
      '      config { image = "${var.registry}/app:2" }',
      '    }',
      '    task "e" {',
      '      driver = "exec"',
      '      config { image = var.tool }',
      '    }',
      '  }',
      '}',
      '',
    ].join('\n');
    // Used by two tasks, one place; the Podman task's docker:// taken off; a template and an exec task's left out.
    assert.deepEqual(describeSites(job, findImageReferences(job, '/jobs/web.nomad.hcl')), [
      '2:13-2:25 image nginx:1.25.3',
      '6:27-6:49 image quay.io/acme/cache:2.1',
    ]);
  });

  it("reads the images a build takes as named contexts: a Bake target's contexts, and Compose's additional_contexts", () => {
    assert.deepEqual(found('docker-bake.hcl', '/docker-bake.hcl'), [
      // The variable's default fills it in, as Bake does when the environment does not set it.
      '14:29-14:45 contexts alpine:3.20 (as written alpine:${ALPINE})',
      '15:29-15:123 contexts ghcr.io/acme/tools:1.4@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31',
    ]);
    const json = JSON.stringify({ target: { app: { contexts: { alpine: 'docker-image://alpine:3.20' } } } }, null, 2);
    assert.deepEqual(
      findImageReferences(json, '/docker-bake.json').map((s) => [s.reference, s.written]),
      [['alpine:3.20', 'alpine:3.20']],
    );
    assert.deepEqual(findImageReferences(json, '/bake.json'), [], 'only the names Bake reads by default');
    const compose = [
      'services:',
      '  app:',
      '    build:',
      '      context: .',
      '      additional_contexts:',
      '        base: docker-image://alpine:3.20',
      '        src: ../src',
      '  worker:',
      '    build:',
      '      context: .',
      '      additional_contexts:',
      '        - "tools=docker-image://ghcr.io/acme/tools:1.4"',
      '        - stage=target:builder',
      '',
    ].join('\n');
    const contexts = findImageReferences(compose, '/compose.yaml');
    assert.deepEqual(describeSites(compose, contexts), [
      // Left out: a path, and another stage of the build.
      '5:29-5:40 additional_contexts alpine:3.20',
      '11:32-11:54 additional_contexts ghcr.io/acme/tools:1.4',
    ]);
    for (const site of contexts) assert.equal(compose.slice(site.start, site.end), site.reference, 'a lens may edit it in place');
  });

  it('follows the escape directive of a Containerfile', () => {
    assert.deepEqual(found('Containerfile.backtick'), [
      '2:5-2:12 FROM mcr.microsoft.com/windows/servercore:ltsc2022 (as written ${BASE})',
      '5:5-5:61 FROM mcr.microsoft.com/powershell:lts-7.2-nanoserver-ltsc2022',
    ]);
  });

  it('reads Compose services through anchors and merges, once per place, leaves environment variables alone, and reads AI models', () => {
    assert.deepEqual(found('compose.yaml'), [
      '5:10-5:33 image ghcr.io/acme/base:1.4.2',
      '16:11-16:40 image ghcr.io/acme/api:1.4.2-alpine',
      '22:12-22:25 image postgres:16.2',
      '25:18-25:36 image redis:7.2.4-alpine',
      '29:11-29:82 image localhost:5000/library/registry:2.8.3 (as written ${MIRROR_REGISTRY:-localhost:5000}/library/registry:${MIRROR_TAG-2.8.3})',
      '33:11-33:44 image registry.example.com/shop/app:dev built here',
      '40:11-40:113 image docker.io/library/nginx:1.25.3@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31',
      '42:11-42:32 image ghcr.io/acme/chat:1.0 platform linux/arm64',
      // AI models: a service's model provider (Compose 2.35), and the top-level models.
      '50:15-50:34 model ai/llama3.2:1B-Q8_0',
      '55:11-55:21 model ai/smollm2',
    ]);
  });

  it("reads a Compose file's variables with what the project's .env sets, over the defaults written in the file", () => {
    const text = fixture('compose.yaml');
    const env = readDotenv('PROXY_IMAGE=envoyproxy/envoy:v1.31.0\nMIRROR_REGISTRY=mirror.example.com:5000\n');
    const read = findImageReferences(text, '/app/compose.yaml', undefined, { composeEnv: env });
    const sites = describeSites(text, read);
    // The hover says where a variable's value came from: only for those the .env filled in.
    assert.deepEqual(
      read.filter((site) => site.filledIn === 'compose-env').map((site) => site.reference),
      ['envoyproxy/envoy:v1.31.0', 'mirror.example.com:5000/library/registry:2.8.3'],
    );
    assert.ok(sites.includes('27:11-27:25 image envoyproxy/envoy:v1.31.0 (as written ${PROXY_IMAGE})'), sites.join('\n'));
    assert.ok(
      sites.includes(
        '29:11-29:82 image mirror.example.com:5000/library/registry:2.8.3 (as written ${MIRROR_REGISTRY:-localhost:5000}/library/registry:${MIRROR_TAG-2.8.3})',
      ),
      sites.join('\n'),
    );
    // A stack file is deployed by docker stack, which reads no .env: its variables stay unread.
    const stack = describeSites(text, findImageReferences(text, '/app/docker-stack.yml', undefined, { composeEnv: env }));
    assert.ok(!stack.some((site) => site.includes('envoyproxy')), stack.join('\n'));
  });

  it("reads a Concourse pipeline's image resources and its tasks' image_resource, and a task file's", () => {
    // A variant, a ((var)), an ECR repository without its registry and a git resource are left alone.
    assert.deepEqual(found('concourse-pipeline.yml'), [
      '6:11-6:17 source cfcommunity/slack-notification-resource:v1.7.0 written: its tag',
      '13:12-13:17 source ghcr.io/acme/app:1.4.2 written: its tag',
      '19:26-19:33 source docker.io/library/golang written: its tag at the range ~1.22.0, tags read as lenient',
      '43:51-43:64 source golang:1.22-bookworm written: its tag',
    ]);
    const task = 'platform: linux\nimage_resource:\n  type: docker-image\n  source: {repository: alpine, tag: "3.20"}\nrun: {path: sh}\n';
    assert.deepEqual(describeSites(task, findImageReferences(task, '/r/ci/tasks/lint.yml')), [
      '3:37-3:41 source alpine:3.20 written: its tag',
    ]);
    // Not Concourse's: the same keys with no plan or task around them.
    const other = 'resources:\n  - type: registry-image\n    source: {repository: alpine, tag: "3.20"}\n';
    assert.deepEqual(findImageReferences(other, '/r/notes.yml'), []);
  });

  it('resolves the variables of a Dockerfile of real size, and leaves those of a generated one of thousands of instructions alone', () => {
    const stages = (count: number) => 'ARG TAG=3.20\n' + 'FROM alpine:${TAG}\nRUN true\n'.repeat(count) + 'FROM busybox:1.36\n';
    assert.equal(findImageReferences(stages(10), '/p/Dockerfile').length, 11);
    // Each lookup walks every instruction before it: 1,001 instructions and more are not looked through.
    assert.deepEqual(
      findImageReferences(stages(500), '/p/Dockerfile').map((site) => site.reference),
      ['busybox:1.36'],
    );
  });

  it('reads every container list of every Kubernetes object in a Helm-rendered multi-document file', () => {
    assert.deepEqual(found('helm-rendered.yaml'), [
      '23:18-23:44 initContainers ghcr.io/acme/migrate:0.9.1',
      '27:17-27:40 containers ghcr.io/acme/shop:1.4.2',
      '31:17-31:41 containers envoyproxy/envoy:v1.29.1',
      '46:21-46:35 containers busybox:1.36.1',
      '56:40-56:51 containers alpine:3.19',
      '59:17-59:40 ephemeralContainers nicolaka/netshoot:v0.12',
    ]);
  });

  it("reads Tekton's steps and step templates, Argo Workflows' containers and scripts, image and KubeVirt volumes, Crossplane packages", () => {
    assert.deepEqual(found('pipelines.yaml', '/ci/pipelines.yaml'), [
      '7:11-7:43 stepTemplate registry.example.com/ci/base:1.0',
      '10:13-10:24 steps golang:1.22',
      '17:13-17:27 sidecars docker:27-dind',
      '24:9-24:38 steps cgr.dev/chainguard/git:latest',
      '37:19-37:42 steps ghcr.io/acme/linter:2.3',
      '52:15-52:27 container busybox:1.36',
      '56:15-56:31 script python:3.12-slim',
      '60:17-60:26 sidecars redis:7.2',
      '69:13-69:36 containers ghcr.io/acme/server:1.0',
      // Left out: the steps and container of a resource of another API group.
      '73:19-73:40 volumes ghcr.io/acme/model:v2',
      // A KubeVirt disk shipped as an image; Crossplane packages.
      '97:19-97:51 volumes quay.io/containerdisks/fedora:40',
      '104:11-104:58 package xpkg.upbound.io/upbound/provider-aws-s3:v1.14.0',
      '111:11-111:81 package xpkg.upbound.io/crossplane-contrib/function-patch-and-transform:v0.7.0',
      // KServe's modelcars, the site after oci://; left out: a model in S3.
      '123:24-123:57 storageUri quay.io/acme/granite-modelcar:3.1',
      '127:20-127:44 storageUri ghcr.io/acme/adapter:1.0',
    ]);
  });

  it("reads CircleCI's docker: lists of jobs and executors, and leaves pipeline parameters and machine images alone", () => {
    assert.deepEqual(found('.circleci/config.yml', '/repo/.circleci/config.yml'), [
      '10:15-10:32 docker cimg/node:20.11.1',
      '22:15-22:31 docker cimg/python:3.12',
      '23:15-23:33 docker cimg/postgres:16.2',
    ]);
    assert.deepEqual(findImageReferences(fixture('.circleci/config.yml'), '/repo/ci/config.yml'), [], 'only under .circleci/');
  });

  it("reads Bitbucket Pipelines' default image, steps' images (through anchors) and service containers", () => {
    assert.deepEqual(found('bitbucket-pipelines.yml', '/repo/bitbucket-pipelines.yml'), [
      '0:7-0:17 image node:20.11',
      '5:13-5:26 image postgres:16.2',
      '14:16-14:39 image ghcr.io/acme/linter:2.3',
      '26:19-26:35 image python:3.12-slim',
    ]);
  });

  it('looks at each mapping of a CI file once, however often aliases name it', () => {
    // Ten aliases to the level below on each of eight levels: 10^8 paths to one step.
    const levels = ['l0: &l0 { image: redis:7.2 }'];
    for (let i = 1; i <= 8; i++) levels.push(`l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]`);
    const text = `${levels.join('\n')}\n`;
    for (const path of ['/bitbucket-pipelines.yml', '/.drone.yml'])
      assert.deepEqual(describeSites(text, findImageReferences(text, path)), ['0:17-0:26 image redis:7.2'], path);
    assert.deepEqual(findImageReferences(text.replace('image:', 'container:'), '/azure-pipelines.yml').length, 1);
  });

  it("reads Woodpecker's and Drone's steps, plugins and services", () => {
    assert.deepEqual(found('.woodpecker.yml', '/repo/.woodpecker.yml'), [
      '2:11-2:22 image golang:1.22',
      '6:11-6:50 image woodpeckerci/plugin-docker-buildx:5.0.0',
      // Left out: a plugin setting that names a repository, not an image to run.
      '12:11-12:24 image postgres:16.2',
    ]);
    assert.equal(findImageReferences(fixture('.woodpecker.yml'), '/repo/.woodpecker/build.yaml').length, 3, 'in .woodpecker/ too');
    assert.deepEqual(found('.drone.yml', '/repo/.drone.yml'), [
      '6:11-6:21 image node:20.11',
      '10:11-10:28 image plugins/slack:1.4',
      '14:11-14:20 image redis:7.2',
    ]);
  });

  it("reads Azure Pipelines' container resources and jobs' containers, and leaves aliases and expressions alone", () => {
    assert.deepEqual(found('azure-pipelines.yml', '/repo/azure-pipelines.yml'), [
      '6:13-6:45 container mcr.microsoft.com/dotnet/sdk:8.0',
      '8:13-8:26 container postgres:16.2',
      // Left out: `container: build`, an alias of this file, and a step's target.
      '23:17-23:40 container ghcr.io/acme/linter:2.3',
      '28:19-28:35 container python:3.12-slim',
      // Left out: an expression. A pipeline that extends no template declares all its aliases: `linux` is an image.
      '36:19-36:24 container linux',
    ]);
    for (const path of ['/repo/.azure-pipelines/build.yml', '/repo/.azuredevops/ci.yaml', '/repo/azure-pipelines.release.yml'])
      assert.equal(findImageReferences(fixture('azure-pipelines.yml'), path).length, 5, path);
    // A template (no trigger, pr, schedules or resources), or a pipeline that extends one: `ubuntu` may be an alias declared elsewhere.
    const job = 'jobs:\n  - job: a\n    container: ubuntu\n    steps:\n      - script: echo\n';
    assert.deepEqual(findImageReferences(job, '/repo/.azure-pipelines/jobs.yml'), []);
    const extending = `trigger: [main]\nextends:\n  template: base.yml\n${job}`;
    assert.deepEqual(findImageReferences(extending, '/repo/azure-pipelines.yml'), []);
    assert.deepEqual(
      findImageReferences(`trigger: [main]\n${job}`, '/repo/azure-pipelines.yml').map((s) => s.reference),
      ['ubuntu'],
    );
  });

  it("reads GitHub Actions containers, services, docker:// steps and build-push-action's build contexts, and leaves expressions alone", () => {
    assert.deepEqual(found('.github/workflows/ci.yml'), [
      '6:15-6:34 container node:20.11-bookworm',
      '9:15-9:28 service postgres:16.2',
      '13:15-13:22 service redis:7',
      '16:23-16:34 uses alpine:3.19',
      '20:24-20:49 uses hadolint/hadolint:v2.12.0',
      '27:13-27:43 container ghcr.io/acme/builder:2024.05.1',
      // A literal block, an item a line: a path, an expression and a stage are left alone, and an
      // item indented further or followed by spaces is found where it is written.
      '37:34-37:45 build-contexts alpine:3.20',
      '39:35-39:57 build-contexts ghcr.io/acme/tools:1.4',
      '44:47-44:56 build-contexts debian:12',
    ]);
  });

  it("reads GitLab CI images and services with the file's own variables, and leaves predefined ones alone", () => {
    assert.deepEqual(found('.gitlab-ci.yml'), [
      '5:9-5:38 image python:3.12-slim (as written python:${PYTHON_VERSION}-slim)',
      '7:12-7:32 service postgres:16.2-alpine',
      '13:9-13:22 image docker:24.0.7',
      '15:6-15:11 service docker:24.0.7-dind (as written $DIND)',
      '20:6-20:15 service redis:7.2',
      '27:10-27:54 image gcr.io/kaniko-project/executor:v1.21.0-debug',
    ]);
  });

  it('reads devcontainer.json with comments and trailing commas: the image and registry features', () => {
    assert.deepEqual(found('.devcontainer/devcontainer.json'), [
      '3:12-3:73 image mcr.microsoft.com/devcontainers/typescript-node:1-20-bookworm',
      '5:5-5:54 feature ghcr.io/devcontainers/features/docker-in-docker:2',
      '6:5-6:53 feature ghcr.io/devcontainers/features/github-cli:1.0.11',
    ]);
  });

  it('reads a Compose file under another name by its services, and no file it does not know', () => {
    const compose = fixture('compose.yaml');
    assert.equal(findImageReferences(compose, '/deploy/docker-stack.yml').length, 10);
    assert.deepEqual(findImageReferences(compose, '/notes/compose.txt'), []);
    assert.deepEqual(findImageReferences('just: text\nimage: nginx:1\n', '/a/settings.yaml'), []);
  });

  it("reads a Helm chart's values: images composed of registry, repository, tag and digest, and whole ones", () => {
    assert.deepEqual(found('chart/values.yaml', '/chart/values.yaml'), [
      '7:7-7:26 image docker.io/bitnami/nginx:1.27.3-debian-12-r5 written: its tag',
      // Left out: an empty tag (the chart's appVersion fills it in).
      '21:10-21:15 image quay.io/prometheus/nginx-exporter:1.4.0@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31 written: its tag',
      // Helm parses 7.20 as a number and prints it as 7.2: what the chart pulls.
      '28:9-28:13 image redis:7.2 written: its tag (as written 7.20)',
      '32:11-32:35 image envoyproxy/envoy:v1.29.1',
      // Left out: `image: busybox` (no tag: the chart may add one), a template, a git repository.
      '39:12-39:83 image alpine@sha256:1d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31 written: its digest',
      '55:10-55:17 image registry.k8s.io/ingress-nginx/controller:v1.10.0 written: its tag',
      // Left out: a repository and tag under a key that does not say image (a chart's, a git one).
      '68:9-68:16 image quay.io/prometheus/prometheus:v2.51.0@sha256:2d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31 written: its tag',
    ]);
    for (const name of ['values.yml', 'values-prod.yaml', 'prod.values.yaml', 'prod-values.yaml', 'values.staging.yaml'])
      assert.deepEqual(
        describeSites('image: nginx:1.27\n', findImageReferences('image: nginx:1.27\n', `/chart/${name}`)),
        ['0:7-0:17 image nginx:1.27'],
        name,
      );
  });

  it("fills an empty or missing tag in from the chart's appVersion, except under a dependency's key", () => {
    const text = fixture('chart/values.yaml');
    const chart = readChartFacts(fixture('chart/Chart.yaml'));
    assert.deepEqual(chart, { appVersion: '2.4.1', subcharts: ['db', 'common', 'redis', 'nginx', 'grafana', 'valkey', 'kafka'] });
    const withChart = describeSites(text, findImageReferences(text, '/chart/values.yaml', undefined, { chart }));
    const without = found('chart/values.yaml', '/chart/values.yaml');
    assert.deepEqual(
      withChart.filter((line) => !without.includes(line)),
      [
        "14:16-14:33 image ghcr.io/acme/shop:2.4.1 tag from the chart's appVersion (as written ghcr.io/acme/shop)",
        "74:16-74:53 image quay.io/jetstack/cert-manager-webhook:2.4.1 tag from the chart's appVersion (as written quay.io/jetstack/cert-manager-webhook)",
      ],
    );
    assert.equal(withChart.length, without.length + 2, 'nothing else changes');
    // A null tag is no tag; a registry: key and global.imageRegistry compose as for a written tag.
    const nulls = 'global:\n  imageRegistry: mirror.example.com\nimage:\n  registry: docker.io\n  repository: grafana/grafana\n  tag: ~\n';
    assert.deepEqual(
      findImageReferences(nulls, '/chart/values.yaml', undefined, { chart: { appVersion: '11.3.0', subcharts: [] } }).map((s) => [
        s.reference,
        s.literal,
        s.tagFrom,
      ]),
      [['mirror.example.com/grafana/grafana:11.3.0', false, 'appVersion']],
    );
    // Only a values file reads its chart: the same text as a Kubernetes file or in a Compose one has no such default.
    assert.deepEqual(findImageReferences(nulls, '/chart/templates/x.yaml', undefined, { chart }), []);
  });

  it("reads a Chart.yaml's dependencies from OCI registries at a version or a range, as Helm pulls them", () => {
    assert.deepEqual(found('chart/Chart.yaml', '/chart/Chart.yaml'), [
      // A range names the repository alone: Helm picks the tag from its tags.
      '8:13-8:19 dependencies registry-1.docker.io/bitnamicharts/postgresql written: its tag at the range 15.x.x, tags read as helm',
      '11:13-11:18 dependencies registry-1.docker.io/bitnamicharts/common written: its tag at the range 2.x.x, tags read as helm',
      '14:13-14:19 dependencies registry-1.docker.io/bitnamicharts/redis:19.6.4 written: its tag',
      // A tag cannot hold +: Helm writes it _, so the text is not the tag, and no lens writes over it.
      '18:14-18:28 dependencies ghcr.io/acme/charts/nginx:18.1.0_build.1 written: its tag (as written 18.1.0+build.1)',
      // Left out: a chart repository's chart. A comma joins comparators, and != is read as Masterminds reads it.
      '26:14-26:25 dependencies registry-1.docker.io/bitnamicharts/valkey written: its tag at the range >= 2.1, < 3, tags read as helm',
      '30:14-30:34 dependencies registry-1.docker.io/bitnamicharts/kafka written: its tag at the range >= 30.0.0, != 30.1.0, tags read as helm',
    ]);
    // A version with a v: helm pull (Kustomize's inflator) takes it as the tag; a dependency is checked against the tags, as a range.
    const chartAt = (repo: string) => `  - name: cert-manager\n    ${repo}: oci://quay.io/jetstack/charts\n    version: v1.16.2\n`;
    assert.deepEqual(
      findImageReferences(`helmCharts:\n${chartAt('repo')}`, '/kustomization.yaml').map((s) => [s.reference, s.versionRange]),
      [['quay.io/jetstack/charts/cert-manager:v1.16.2', undefined]],
    );
    assert.deepEqual(
      findImageReferences(`dependencies:\n${chartAt('repository')}`, '/c/Chart.yaml').map((s) => [s.reference, s.versionRange?.text]),
      [['quay.io/jetstack/charts/cert-manager', 'v1.16.2']],
    );
    // Only Chart.yaml, so spelled, is a chart's.
    assert.deepEqual(findImageReferences(fixture('chart/Chart.yaml'), '/chart/chart.yaml'), []);
  });

  it("reads a Flux HelmRelease's chart from an OCI HelmRepository declared in another file, by name and namespace", () => {
    const release = (sourceRef: string, namespace = '') =>
      [
        'apiVersion: helm.toolkit.fluxcd.io/v2',
        'kind: HelmRelease',
        'metadata:',
        '  name: podinfo',
        ...(namespace ? [`  namespace: ${namespace}`] : []),
        'spec:',
        '  chart:',
        '    spec:',
        '      chart: podinfo',
        '      version: 6.6.2',
        '      sourceRef:',
        '        kind: HelmRepository',
        sourceRef,
        '',
      ].join('\n');
    const repositories = readFluxHelmRepositories(
      parseYaml(
        [
          'apiVersion: source.toolkit.fluxcd.io/v1',
          'kind: HelmRepository',
          'metadata: { name: podinfo, namespace: flux-system }',
          'spec: { type: oci, url: oci://ghcr.io/stefanprodan/charts }',
          '---',
          'apiVersion: source.toolkit.fluxcd.io/v1',
          'kind: HelmRepository',
          'metadata: { name: podinfo, namespace: staging }',
          'spec: { type: oci, url: "oci://staging.example.com/charts" }',
          '---',
          'apiVersion: source.toolkit.fluxcd.io/v1',
          'kind: HelmRepository',
          'metadata: { name: bitnami }',
          'spec: { url: https://charts.bitnami.com/bitnami }',
          '',
        ].join('\n'),
      ),
    );
    assert.deepEqual(repositories, [
      { name: 'podinfo', namespace: 'flux-system', url: 'oci://ghcr.io/stefanprodan/charts' },
      { name: 'podinfo', namespace: 'staging', url: 'oci://staging.example.com/charts' },
    ]);
    const references = (text: string) =>
      findImageReferences(text, '/apps/podinfo/release.yaml', undefined, { fluxHelmRepositories: repositories }).map((s) => s.reference);
    // The reference's namespace, else the release's, picks one of the two.
    assert.deepEqual(references(release('        name: podinfo\n        namespace: flux-system')), [
      'ghcr.io/stefanprodan/charts/podinfo:6.6.2',
    ]);
    assert.deepEqual(references(release('        name: podinfo', 'staging')), ['staging.example.com/charts/podinfo:6.6.2']);
    // No namespace anywhere (a Kustomization sets it): the two disagree, so neither is guessed.
    assert.deepEqual(references(release('        name: podinfo')), []);
    assert.deepEqual(references(release('        name: bitnami')), [], 'a chart index is no OCI registry');
    // Without the workspace's repositories, as before.
    assert.deepEqual(findImageReferences(release('        name: podinfo', 'staging'), '/apps/podinfo/release.yaml'), []);
  });

  it("reads Flux's OCIRepository sources (the url with the ref's tag, its digest, where a pin goes) and Argo CD's OCI sources", () => {
    const text = fixture('gitops.yaml');
    assert.deepEqual(found('gitops.yaml', '/clusters/prod/gitops.yaml'), [
      '9:9-9:14 ref ghcr.io/stefanprodan/manifests/podinfo:6.6.2 written: its tag',
      '18:10-18:13 ref registry.example.com/deploy/app:1.4@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31 written: its tag',
      // A semver range, its tags read as Flux reads them (`v1.2` is 1.2.0); left out: a GitRepository's tag.
      '28:13-28:20 ref ghcr.io/acme/config written: its tag at the range >=1.0.0, tags read as lenient',
      // Argo CD: a Helm chart from an OCI registry (repoURL without a scheme), and an OCI artifact of manifests.
      '48:20-48:26 source registry-1.docker.io/bitnamicharts/redis:19.6.4 written: its tag',
      '59:22-59:28 source ghcr.io/acme/manifests/app:v2.1.0 written: its tag',
      // An OCI chart at a range, as Helm reads it; left out: a chart repository's chart, a git repository's branch.
      '66:22-66:25 source ghcr.io/stefanprodan/charts/podinfo written: its tag at the range 6.*, tags read as helm',
      // Flux: a HelmRelease's chart from an OCI HelmRepository of the file, at a version and at a range; left out: a chart index's.
      '94:15-94:20 chart ghcr.io/stefanprodan/charts/podinfo:6.6.2 written: its tag',
      '107:15-107:18 chart ghcr.io/stefanprodan/charts/podinfo written: its tag at the range 6.x, tags read as helm',
      // Flux reads the range before the tag beside it.
      '134:13-134:17 ref ghcr.io/acme/config written: its tag at the range ~1.2, tags read as lenient',
      // A range among the tags its semverFilter keeps; left out: a filter Go refuses.
      '144:13-144:22 ref ghcr.io/acme/config written: its tag at the range >=1.0.0-0, tags read as lenient, those matching .*-rc.*',
      // Argo CD: an OCI artifact at a digest.
      '166:20-166:91 source ghcr.io/acme/manifests/app@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31 written: its digest',
      // A Flux HelmChart source, as a HelmRelease's chart.
      '176:11-176:16 chart ghcr.io/stefanprodan/charts/podinfo written: its tag at the range 6.5.x, tags read as helm',
      // An ApplicationSet's template: a literal chart at a version with a v, which helm pull takes as the tag; a generator's parameters left alone.
      '198:26-198:33 source quay.io/jetstack/charts/cert-manager:v1.16.2 written: its tag',
    ]);
    const [podinfo] = findImageReferences(text, '/clusters/prod/gitops.yaml');
    assert.deepEqual(podinfo?.digestSlot, { start: text.indexOf('6.6.2') + 5, end: text.indexOf('6.6.2') + 5, before: '\n    digest: ' });
  });

  it("puts a v before the appVersion where the chart's templates print one in an image's tag", () => {
    const printf = '{{- $tag := .Values.image.tag | default (printf "v%s" .Chart.AppVersion) }}';
    const helper = `{{- define "x.image" -}}\n{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default (print "v" .Chart.AppVersion)) }}\n{{- end }}`;
    const inline = '        image: "{{ .Values.image.repository }}:v{{ .Chart.AppVersion }}"';
    for (const template of [printf, helper, inline]) assert.equal(appVersionTagPrefix(['kind: Service\n', template]), 'v', template);
    // As helm create writes it, and a label (not the image's tag) with a v: no prefix.
    assert.equal(
      appVersionTagPrefix(['image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"']),
      undefined,
    );
    assert.equal(appVersionTagPrefix(['    app.kubernetes.io/version: v{{ .Chart.AppVersion }}']), undefined);
    const values = 'image:\n  repository: registry.k8s.io/metrics-server/metrics-server\n  tag: ""\n';
    const read = (chart: ChartFacts): string | undefined =>
      findImageReferences(values, '/chart/values.yaml', undefined, { chart })[0]?.parsed.tag;
    assert.equal(read({ appVersion: '0.7.2', tagPrefix: 'v', subcharts: [] }), 'v0.7.2');
    assert.equal(read({ appVersion: 'v0.7.2', tagPrefix: 'v', subcharts: [] }), 'v0.7.2', 'not twice');
    assert.equal(read({ appVersion: '0.7.2', subcharts: [] }), '0.7.2');
  });

  it('puts that v before the appVersion of the images whose templates print it, when the templates name their values', () => {
    const server =
      '        image: "{{ .Values.server.image.repository }}:{{ .Values.server.image.tag | default (printf "v%s" .Chart.AppVersion) }}"';
    const resizer = '        image: "{{ .Values.resizer.image.repository }}:{{ .Values.resizer.image.tag | default .Chart.AppVersion }}"';
    assert.deepEqual(appVersionTagPrefixImages([server, resizer]), ['server.image']);
    // A helper that takes the image as a parameter names no values: any image may be printed so.
    const helper = '{{- $tag := .imageRoot.tag | default (printf "v%s" .Chart.AppVersion) -}}';
    assert.equal(appVersionTagPrefixImages([server, helper]), undefined);
    assert.equal(appVersionTagPrefixImages([resizer]), undefined);
    const values = [
      'server:',
      '  image:',
      '    repository: ghcr.io/acme/server',
      'resizer:',
      '  image:',
      '    repository: ghcr.io/acme/resizer',
      '',
    ].join('\n');
    const tags = (chart: ChartFacts) => findImageReferences(values, '/chart/values.yaml', undefined, { chart }).map((s) => s.reference);
    assert.deepEqual(tags({ appVersion: '1.4.0', tagPrefix: 'v', tagPrefixImages: ['server.image'], subcharts: [] }), [
      'ghcr.io/acme/server:v1.4.0',
      'ghcr.io/acme/resizer:1.4.0',
    ]);
    assert.deepEqual(tags({ appVersion: '1.4.0', tagPrefix: 'v', subcharts: [] }), [
      'ghcr.io/acme/server:v1.4.0',
      'ghcr.io/acme/resizer:v1.4.0',
    ]);
  });

  it("reads a Chart.yaml's appVersion as Helm does, a string, and its dependencies by the key their values sit under", () => {
    assert.deepEqual(readChartFacts('appVersion: 1.20\n'), { appVersion: '1.2', subcharts: [] });
    assert.deepEqual(readChartFacts('appVersion: "1.20"\n'), { appVersion: '1.20', subcharts: [] });
    assert.deepEqual(readChartFacts('appVersion: 3\ndependencies:\n  - name: redis\n  - alias: ""\n    name: pg\n  - {}\n'), {
      appVersion: '3',
      subcharts: ['redis', 'pg'],
    });
    assert.deepEqual(readChartFacts('appVersion: ""\ndependencies: none\n'), { subcharts: [] });
    for (const broken of ['', ':', '- a\n- b\n', 'appVersion: [1, 2]\n', 'appVersion: {{ .x }}\n'])
      assert.deepEqual(readChartFacts(broken).appVersion, undefined, broken);
  });

  it("pulls a values file's images from global.imageRegistry when it is set, as Bitnami's charts do", () => {
    const text = [
      'global:',
      '  imageRegistry: mirror.example.com',
      'image:',
      '  registry: docker.io',
      '  repository: bitnami/nginx',
      '  tag: 1.27.3',
      'exporter:',
      '  image:',
      '    repository: prom/nginx-exporter',
      '    tag: 1.4.0',
      '',
    ].join('\n');
    assert.deepEqual(
      findImageReferences(text, '/chart/values.yaml').map((s) => s.reference),
      // An image without a registry: key is not composed by Bitnami's helper: left as written.
      ['mirror.example.com/bitnami/nginx:1.27.3', 'prom/nginx-exporter:1.4.0'],
    );
    const unset = text.replace('imageRegistry: mirror.example.com', 'imageRegistry: ""');
    assert.equal(findImageReferences(unset, '/chart/values.yaml')[0]?.reference, 'docker.io/bitnami/nginx:1.27.3');
  });

  it('looks at each mapping of a values file once, however often aliases name it', () => {
    // Ten aliases to the level below on each of eight levels: 10^8 paths to one image.
    const levels = ['l0: &l0 { image: { repository: redis, tag: "7.2" } }'];
    for (let i = 1; i <= 8; i++) levels.push(`l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]`);
    const text = `${levels.join('\n')}\n`;
    assert.deepEqual(describeSites(text, findImageReferences(text, '/chart/values.yaml')), ['0:44-0:47 image redis:7.2 written: its tag']);
  });

  it("reads a Kustomization's images: the new name with its digest, else its tag, as kustomize writes them", () => {
    assert.deepEqual(found('overlays/prod/kustomization.yaml', '/overlays/prod/kustomization.yaml'), [
      '4:12-4:18 images nginx:1.27.3 written: its tag',
      '7:13-7:18 images registry.example.com/acme/shop:2.4.1 written: its tag',
      // Left out: a new name alone says nothing of the tag pulled.
      // kustomize reads newTag as a string: 7.20 stays 7.20.
      '11:12-11:16 images redis:7.20 written: its tag',
      // The digest is what kustomize pulls; the tag beside it says whether it has moved.
      '13:13-13:17 images alpine:3.20@sha256:1d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31 written: its tag',
      // Its Helm inflator's charts from an OCI registry, at a version and at a range; left out: a chart repository's.
      '18:13-18:19 helmCharts registry-1.docker.io/bitnamicharts/redis:19.6.4 written: its tag',
      '25:14-25:21 helmCharts ghcr.io/stefanprodan/charts/podinfo written: its tag at the range >=6.0.0, tags read as helm',
    ]);
    const text = fixture('overlays/prod/kustomization.yaml');
    assert.equal(findImageReferences(text, '/overlays/prod/Kustomization').length, 6, 'kustomize reads a file named Kustomization too');
    const declared = `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${text}`;
    assert.equal(findImageReferences(declared, '/deploy/prod.yaml').length, 6, 'a Kustomization under another name says its kind');
    assert.deepEqual(findImageReferences(text, '/deploy/prod.yaml'), [], 'without its kind or its name, an images: list is not read');
  });

  it('never throws on broken files, and finds what it can', () => {
    assert.deepEqual(findImageReferences('services:\n  a:\n    image: [unclosed\n', '/compose.yaml'), []);
    assert.deepEqual(findImageReferences('{ "image": ', '/.devcontainer.json'), []);
    assert.deepEqual(describeSites('FROM\nFROM alpine:3.20 AS', findImageReferences('FROM\nFROM alpine:3.20 AS', '/Dockerfile')), [
      '1:5-1:16 FROM alpine:3.20',
    ]);
  });

  it('reads COPY --from beside the other COPY flags, in either order', () => {
    const text = [
      'FROM alpine:3.20',
      'COPY --from=ghcr.io/astral-sh/uv:0.4 --chown=app:app /uv /bin/',
      'COPY --link --from=busybox:1.36 /bin/busybox /bin/',
      'COPY --chmod=755 --from=nginx:1.27 /a /b',
      '',
    ].join('\n');
    assert.deepEqual(describeSites(text, findImageReferences(text, '/Dockerfile')), [
      '0:5-0:16 FROM alpine:3.20',
      '1:12-1:36 COPY --from ghcr.io/astral-sh/uv:0.4',
      '2:19-2:31 COPY --from busybox:1.36',
      '3:24-3:34 COPY --from nginx:1.27',
    ]);
  });

  it('leaves alone a stage named through a build argument, as BuildKit expands the name before it looks among the stages', () => {
    const text = [
      'ARG MODE=prod',
      'ARG BASE=alpine:3.20',
      'FROM ${BASE} AS build-prod',
      'FROM ${BASE} AS build-dev',
      'FROM build-${MODE} AS final',
      'COPY --from=build-${MODE} /out /out',
      'FROM final-${MODE}',
      '',
    ].join('\n');
    assert.deepEqual(describeSites(text, findImageReferences(text, '/Dockerfile')), [
      '2:5-2:12 FROM alpine:3.20 (as written ${BASE})',
      '3:5-3:12 FROM alpine:3.20 (as written ${BASE})',
      // Not a stage of this file, so an image, as Docker reads it.
      '6:5-6:18 FROM final-prod (as written final-${MODE})',
    ]);
  });

  it('keeps CRLF line ends out of ranges', () => {
    const text = 'services:\r\n  web:\r\n    image: nginx:1.25\r\n';
    assert.deepEqual(describeSites(text, findImageReferences(text, '/compose.yml')), ['2:11-2:21 image nginx:1.25']);
  });
});

describe('referenceAt', () => {
  it('finds the reference being typed, even where the text alone is no valid YAML yet', () => {
    const text = 'services:\n  web:\n    image: ghcr.io/acme/api:\n';
    const offset = text.indexOf('api:') + 4;
    const at = referenceAt(text, '/compose.yaml', offset);
    assert.equal(at?.typed, 'ghcr.io/acme/api:');
    assert.equal(at?.site.start, text.indexOf('ghcr.io'));
  });

  it('finds an empty FROM and a half-typed registry host', () => {
    assert.equal(referenceAt('FROM ', '/Dockerfile', 5)?.typed, '');
    const text = '{ "image": "localhost:5000/" }';
    assert.equal(referenceAt(text, '/.devcontainer.json', text.indexOf('/"') + 1)?.typed, 'localhost:5000/');
  });

  it("finds a chart's version at its end, where a placeholder would spoil it, and a range being typed", () => {
    const chart = (version: string) => `dependencies:\n  - name: web\n    version: ${version}\n    repository: oci://ghcr.io/acme\n`;
    const exact = chart('1.2.9');
    const atEnd = referenceAt(exact, '/Chart.yaml', exact.indexOf('1.2.9') + 5);
    assert.deepEqual([atEnd?.typed, atEnd?.site.reference], ['1.2.9', 'ghcr.io/acme/web:1.2.9']);
    const range = chart('~1.2.0');
    const inRange = referenceAt(range, '/Chart.yaml', range.indexOf('~1.2.0') + 6);
    assert.deepEqual([inRange?.typed, inRange?.site.versionRange?.text], ['~1.2.0', '~1.2.0']);
    // An empty version with the placeholder is the range x, any version: its tags are offered.
    const empty = chart('');
    assert.equal(referenceAt(empty, '/Chart.yaml', empty.indexOf('version: ') + 9)?.site.versionRange?.text, 'x');
  });

  it('finds a tag written on its own, in Helm values and a Kustomization', () => {
    const values = 'image:\n  repository: ghcr.io/acme/api\n  tag: 1.\n';
    const inValues = referenceAt(values, '/chart/values.yaml', values.indexOf('1.') + 2);
    assert.equal(inValues?.site.part, 'tag');
    assert.equal(inValues?.typed, '1.');
    assert.equal(inValues?.site.reference, 'ghcr.io/acme/api:1.x');
    const empty = 'images:\n  - name: nginx\n    newTag: \n';
    const inKustomization = referenceAt(empty, '/kustomization.yaml', empty.indexOf('newTag: ') + 8);
    assert.deepEqual([inKustomization?.site.part, inKustomization?.typed, inKustomization?.site.reference], ['tag', '', 'nginx:x']);
    const quoted = 'image:\n  repository: redis\n  tag: ""\n';
    assert.equal(
      referenceAt(quoted, '/values.yaml', quoted.indexOf('""') + 1)?.site.reference,
      'redis:x',
      'inside the quotes of an empty tag',
    );
  });

  it('finds nothing outside a reference', () => {
    const text = 'services:\n  web:\n    image: nginx:1\n    restart: always\n';
    assert.equal(referenceAt(text, '/compose.yaml', text.indexOf('always')), undefined);
  });
});

describe('nameFieldAt', () => {
  it("finds a chart's repository field with the registry written beside it, global.imageRegistry taking its place", () => {
    const values = 'image:\n  registry: ghcr.io/\n  repository: acme/a\n  tag: 1.0\n';
    const at = nameFieldAt(values, '/chart/values.yaml', values.indexOf('acme/a') + 6);
    assert.deepEqual(at, {
      field: { start: values.indexOf('acme/a'), end: values.indexOf('acme/a') + 6, registry: 'ghcr.io' },
      typed: 'acme/a',
    });
    const global = `global:\n  imageRegistry: mirror.example.com\n${values}`;
    assert.equal(nameFieldAt(global, '/chart/values.yaml', global.indexOf('acme/'))?.field.registry, 'mirror.example.com');
    // A repository alone, and an empty one (no tag yet either): the whole name is typed there.
    const plain = 'app:\n  image:\n    repository: \n';
    assert.deepEqual(nameFieldAt(plain, '/values.yaml', plain.indexOf('repository: ') + 12), {
      field: { start: plain.indexOf('repository: ') + 12, end: plain.indexOf('repository: ') + 12 },
      typed: '',
    });
    // Not under a key that says image, nor in the tag.
    const git = 'source:\n  repository: acme/shop\n';
    assert.equal(nameFieldAt(git, '/values.yaml', git.indexOf('acme')), undefined);
    assert.equal(nameFieldAt(values, '/chart/values.yaml', values.indexOf('1.0')), undefined);
  });

  it("finds a Kustomization's newName, in a kustomization.yaml or a document that says it is one", () => {
    const text = 'images:\n  - name: nginx\n    newName: "registry.example.com/te"\n    newTag: "1"\n';
    const offset = text.indexOf('/te') + 3;
    assert.deepEqual(nameFieldAt(text, '/overlays/kustomization.yaml', offset)?.typed, 'registry.example.com/te');
    assert.equal(nameFieldAt(text, '/overlays/other.yaml', offset), undefined);
    assert.equal(nameFieldAt(`kind: Kustomization\n${text}`, '/overlays/other.yaml', offset + 20)?.typed, 'registry.example.com/te');
    assert.equal(nameFieldAt(text, '/Dockerfile', offset), undefined);
  });
});
