/**
 * Which finder reads a file, by its name (and VS Code's language id): Dockerfiles and
 * Containerfiles, `devcontainer.json`, workflows under `.github/workflows/`, `.gitlab-ci.yml`,
 * `.circleci/config.yml`, `bitbucket-pipelines.yml`, Woodpecker's and Drone's pipelines, Gitpod's
 * `.gitpod.yml` and Devfile's `devfile.yaml`, Google
 * Cloud Build's `cloudbuild.yaml`, Azure Pipelines files (`azure-pipelines.yml`, those under
 * `.azure-pipelines/` or `.azuredevops/`), Compose files by their usual names, a Kustomization by
 * the names `kustomize` looks for, a Helm chart's values files (`values.yaml`, `values-prod.yaml`,
 * `prod.values.yaml`) and its `Chart.yaml`, Podman Quadlet units (`.container`, `.image`,
 * `.volume`), ECS task definitions (`task-definition.json`, `taskdef.json`), Docker Bake files
 * (`docker-bake.hcl`, `docker-bake.json`), Terraform's and OpenTofu's `*.tf`, `*.tofu` and
 * `*.tfvars`, Nomad's job files (`*.nomad`, `*.nomad.hcl`), Helmfile's (`helmfile.yaml`,
 * `helmfile.yaml.gotmpl`, those under `helmfile.d/`), and Jenkins pipelines (`Jenkinsfile`,
 * `Jenkinsfile.release`, `build.jenkinsfile`). Any other YAML file is read for what its documents
 * are: Kubernetes objects (`apiVersion` and `kind`; Flux's and Argo CD's OCI sources among them),
 * a Kustomization (its `kind`), a Compose file (`services:`) or a CloudFormation template
 * (`Resources:`).
 */
import type { FileKind } from './types';

export type FileKindGuess = FileKind | 'yaml';

/** `task-definition.json`, `taskdef.json`, `web-task-def.json`, `prod.task-definition.json`. */
const ECS_TASK_DEFINITION = /(^|[._-])task-?def(inition)?([._-][\w.-]*)?\.json$/;

/** The kind of file a path names, or `undefined` for a file no finder reads. */
export function fileKindOf(path: string, languageId?: string): FileKindGuess | undefined {
  const normalised = path.replace(/\\/g, '/');
  const base = normalised.slice(normalised.lastIndexOf('/') + 1).toLowerCase();
  if (languageId === 'dockerfile' || isDockerfileName(base)) return 'dockerfile';
  if (base === 'devcontainer.json' || base === '.devcontainer.json') return 'devcontainer';
  // kustomize reads kustomization.yaml, kustomization.yml or Kustomization, the last without an extension.
  if (
    base === 'kustomization.yaml' ||
    base === 'kustomization.yml' ||
    normalised.slice(normalised.lastIndexOf('/') + 1) === 'Kustomization'
  )
    return 'kustomization';
  // Podman Quadlet units that pull an image (see quadlet.ts); systemd gives them no language.
  if (/\.(container|image|volume)$/.test(base)) return 'quadlet';
  // Docker Bake reads these by default (and any file given with -f, which is not known here).
  if (/^docker-bake(\.override)?\.(hcl|json)$/.test(base)) return 'bake';
  // An ECS task definition, by the names the AWS tools and guides give it.
  if (ECS_TASK_DEFINITION.test(base)) return 'ecs-task-definition';
  // Nomad job files, by the names Nomad's guides give them (before Terraform's: both are HCL).
  if (languageId === 'nomad' || base.endsWith('.nomad') || base.endsWith('.nomad.hcl')) return 'nomad';
  // Terraform and OpenTofu configurations (HashiCorp's extension names the language terraform).
  if (languageId === 'terraform' || languageId === 'opentofu' || base.endsWith('.tf') || base.endsWith('.tofu')) return 'terraform';
  // The values given to a module's variables (HashiCorp's extension names the language terraform-vars).
  if (languageId === 'terraform-vars' || base.endsWith('.tfvars')) return 'terraform-vars';
  // Jenkins pipelines, by the names Jenkins and its users give them (Groovy, whatever the language).
  if (languageId === 'jenkinsfile' || /^jenkinsfile([.-][\w.-]+)?$/.test(base) || base.endsWith('.jenkinsfile')) return 'jenkinsfile';
  // Helmfile's files, templated ones (`.gotmpl`) included, which no other tool names so.
  if (/^helmfile\.ya?ml(\.gotmpl)?$/.test(base) || /(^|\/)helmfile\.d\/[^/]+\.ya?ml(\.gotmpl)?$/.test(normalised)) return 'helmfile';
  const yaml = base.endsWith('.yml') || base.endsWith('.yaml');
  if (!yaml && languageId !== 'yaml' && languageId !== 'dockercompose' && languageId !== 'github-actions-workflow') return undefined;
  if (/(^|\/)\.github\/workflows\/[^/]+$/.test(normalised)) return 'github-actions';
  // A GitHub Action's metadata file, by the names Actions looks for.
  if (base === 'action.yml' || base === 'action.yaml') return 'github-action';
  if (base === '.gitlab-ci.yml' || base === '.gitlab-ci.yaml' || base.endsWith('.gitlab-ci.yml')) return 'gitlab-ci';
  if (/(^|\/)\.circleci\/config\.ya?ml$/.test(normalised)) return 'circleci';
  // Files in which every image: is a container's: Bitbucket Pipelines, Woodpecker, Drone, Buildkite, and the
  // development environments of Gitpod and of Devfile (Eclipse Che, OpenShift Dev Spaces, odo).
  if (
    base === 'bitbucket-pipelines.yml' ||
    base === 'bitbucket-pipelines.yaml' ||
    /^\.(woodpecker|drone|gitpod)\.ya?ml$/.test(base) ||
    /^\.?devfile\.ya?ml$/.test(base) ||
    /(^|\/)\.woodpecker\/[^/]+$/.test(normalised) ||
    /^\.?buildkite\.ya?ml$/.test(base) ||
    /(^|\/)\.buildkite\/pipeline[^/]*\.ya?ml$/.test(normalised)
  )
    return 'image-keys';
  if (/^cloudbuild([.-][\w.-]+)?\.ya?ml$/.test(base)) return 'cloud-build';
  if (/^azure-pipelines([.-][\w.-]+)?\.ya?ml$/.test(base) || /(^|\/)\.(azure-pipelines|azuredevops)\/.+$/.test(normalised))
    return 'azure-pipelines';
  if (languageId === 'dockercompose' || /^(docker-)?compose([.-][\w.-]+)?\.ya?ml$/.test(base)) return 'compose';
  if (/^([\w.-]+[.-])?values([.-][\w.-]+)?\.ya?ml$/.test(base)) return 'helm-values';
  // Helm reads only Chart.yaml, so spelled.
  if (normalised.endsWith('/Chart.yaml') || normalised === 'Chart.yaml') return 'helm-chart';
  return 'yaml';
}

function isDockerfileName(base: string): boolean {
  return base === 'dockerfile' || base.startsWith('dockerfile.') || base.endsWith('.dockerfile') || isContainerfileBase(base);
}

/** A Containerfile by its name (`Containerfile`, `Containerfile.dev`, `app.containerfile`), as Buildah defaults to. */
export function isContainerfileName(path: string): boolean {
  const normalised = path.replace(/\\/g, '/');
  return isContainerfileBase(normalised.slice(normalised.lastIndexOf('/') + 1).toLowerCase());
}

function isContainerfileBase(base: string): boolean {
  return base === 'containerfile' || base.startsWith('containerfile.') || base.endsWith('.containerfile');
}
