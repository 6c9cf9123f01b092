/**
 * The image references in a file, by the file's kind (see file-kinds.ts): the one entry point the
 * editor features and the benchmark use. Pure: text in, sites out.
 */
import { findInCloudFormation, findInEcsTaskDefinition, looksLikeCloudFormation } from './aws';
import { findInAzurePipelines } from './azure-pipelines';
import { findInBakeFile } from './bake';
import { findInCircleCi } from './circleci';
import { findInCloudBuild } from './cloud-build';
import { findInCompose, looksLikeCompose } from './compose';
import { findInDevcontainer } from './devcontainer';
import { findInDockerfile } from './dockerfile';
import { fileKindOf, isContainerfileName } from './file-kinds';
import { findInArgoApplications, findInFluxHelmReleases, findInFluxSources, type FluxHelmRepository } from './gitops-sources';
import { findInGitlabCi } from './gitlab-ci';
import { findEveryImageKey } from './image-keys';
import { findInActionMetadata, findInWorkflow } from './github-actions';
import { type ChartFacts, findInChartYaml } from './helm-chart';
import { findInHelmValues, readHelmValues } from './helm-values';
import { findInKubernetes } from './kubernetes';
import { findInKustomization, kustomizationNames, looksLikeKustomization } from './kustomization';
import { findInHelmfile } from './helmfile';
import { findInJenkinsfile } from './jenkinsfile';
import { findInNomadJob } from './nomad';
import { findInQuadlet } from './quadlet';
import { withShortNames } from './short-names';
import { findInTerraform } from './terraform';
import { findInConcourse, looksLikeConcourse } from './concourse';
import { findInTerraformVars, type TerraformModuleContext } from './terraform-module';
import type { NameField, ReferenceSite } from './types';
import type { ShortNameTable } from '../../core/name/short-names';
import { parseYaml } from './yaml-nodes';

export type { FileKind, NameField, ReferenceSite, SiteContext } from './types';
export type { ChartFacts } from './helm-chart';
export { fileKindOf, isContainerfileName } from './file-kinds';
export { factsKey } from './site';
export { appVersionTagPrefix, appVersionTagPrefixImages, readChartFacts } from './helm-chart';
export { type FluxHelmRepository, readFluxHelmRepositories } from './gitops-sources';
export {
  readTerraformModuleFacts,
  readTerraformVarsValues,
  terraformImageVariables,
  type TerraformModuleContext,
  type TerraformModuleFacts,
} from './terraform-module';
export type { TerraformImageUse } from './terraform-resources';
export { readDotenv } from './dotenv';
export {
  calledKey,
  installedCallFolder,
  installedKeyOf,
  type InstalledModules,
  isLocalModuleSource,
  readInstalledModules,
  relativeFolder,
} from './terraform-installed';

/**
 * What the file's surroundings say: for a Helm values file, its chart's Chart.yaml; for a Flux
 * HelmRelease, the OCI HelmRepositories declared in the workspace's other files; for a Quadlet unit,
 * a Containerfile or a Nomad job (its Podman tasks), how Podman and Buildah read short names; for
 * a Terraform file, the module's other files.
 */
export interface FileContext {
  chart?: ChartFacts;
  fluxHelmRepositories?: readonly FluxHelmRepository[];
  /** For the files Podman and Buildah run (Quadlet units, Containerfiles, Nomad's Podman tasks): how they read short names. */
  shortNames?: ShortNameTable;
  /**
   * For a Terraform or OpenTofu file, what the module's other files say of its variables and
   * locals (for a `.tfvars` file, the module's `.tf` files), and the modules it calls from folders.
   */
  terraformModule?: TerraformModuleContext;
  /** For a Compose file, what the `.env` file of its folder sets (see dotenv.ts), which fills in its `${VAR}`. */
  composeEnv?: ReadonlyMap<string, string>;
}

export function findImageReferences(text: string, path: string, languageId?: string, context: FileContext = {}): ReferenceSite[] {
  const kind = fileKindOf(path, languageId);
  switch (kind) {
    case undefined:
      return [];
    case 'dockerfile':
      return isContainerfileName(path) ? withShortNames(findInDockerfile(text), context.shortNames) : findInDockerfile(text);
    case 'devcontainer':
      return findInDevcontainer(text);
    case 'quadlet':
      return withShortNames(findInQuadlet(text), context.shortNames);
    case 'ecs-task-definition':
      return findInEcsTaskDefinition(text);
    case 'bake':
      return findInBakeFile(text);
    case 'terraform':
      return findInTerraform(text, context.terraformModule);
    case 'terraform-vars':
      return findInTerraformVars(text, context.terraformModule);
    case 'jenkinsfile':
      return findInJenkinsfile(text);
    case 'helmfile':
      return findInHelmfile(parseYaml(text), text);
    case 'nomad':
      return findInNomadJob(text, context.shortNames);
    case 'github-action':
      return findInActionMetadata(parseYaml(text), text);
    case 'github-actions':
      return findInWorkflow(parseYaml(text), text);
    case 'gitlab-ci':
      return findInGitlabCi(parseYaml(text), text);
    case 'circleci':
      return findInCircleCi(parseYaml(text), text);
    case 'image-keys':
      return findEveryImageKey(parseYaml(text), text);
    case 'cloud-build':
      return findInCloudBuild(parseYaml(text), text);
    case 'azure-pipelines':
      return findInAzurePipelines(parseYaml(text), text);
    case 'compose':
      return findInCompose(parseYaml(text), text, context.composeEnv);
    case 'kustomization':
      return findInKustomization(parseYaml(text), text);
    case 'helm-values':
      return findInHelmValues(parseYaml(text), text, context.chart);
    case 'helm-chart':
      return findInChartYaml(parseYaml(text), text);
    default: {
      const docs = parseYaml(text);
      // Any other YAML: Kubernetes objects (Flux's and Argo CD's OCI sources among them), a Kustomization or a
      // Compose file under another name (docker-stack.yml), a CloudFormation template, a Concourse pipeline or task.
      const compose = docs.filter(looksLikeCompose);
      const kustomizations = docs.filter(looksLikeKustomization);
      return [
        ...findInKubernetes(docs, text),
        ...findInFluxSources(docs, text),
        ...findInFluxHelmReleases(docs, text, context.fluxHelmRepositories),
        ...findInArgoApplications(docs, text),
        ...findInKustomization(kustomizations, text),
        ...findInCompose(compose, text),
        ...findInCloudFormation(docs.filter(looksLikeCloudFormation), text),
        ...findInConcourse(docs.filter(looksLikeConcourse), text),
      ].sort((a, b) => a.start - b.start);
    }
  }
}

/**
 * Placeholders typed at the cursor so a half-written reference (`image: nginx:`) still parses as
 * one; then none, for a value complete as it is that the first would spoil (a chart's version
 * `1.2.3`, which `1.2.3x` is not).
 */
const PLACEHOLDERS = ['x', ''] as const;

/**
 * What `find` reads at `offset` in the text with a placeholder typed there (so `image: nginx:`,
 * no valid YAML scalar alone, and `FROM ` with no image yet still read as something), with how
 * much of it is before the cursor and the placeholder's length.
 */
function atCursor<T extends { start: number; end: number }>(
  text: string,
  offset: number,
  find: (probe: string) => readonly T[],
): { found: T; typed: string; placeholder: number } | undefined {
  for (const placeholder of PLACEHOLDERS) {
    const probe = `${text.slice(0, offset)}${placeholder}${text.slice(offset)}`;
    const found = find(probe).find((f) => f.start <= offset && offset <= f.end - placeholder.length);
    if (found) return { found, typed: probe.slice(found.start, offset), placeholder: placeholder.length };
  }
  return undefined;
}

/** The reference being written at `offset` and how much of it is before the cursor, for completion. */
export function referenceAt(
  text: string,
  path: string,
  offset: number,
  languageId?: string,
  context: FileContext = {},
): { site: ReferenceSite; typed: string } | undefined {
  const at = atCursor(text, offset, (probe) => findImageReferences(probe, path, languageId, context));
  return at && { site: at.found, typed: at.typed };
}

/**
 * The repository field being written at `offset` (a chart's `repository:`, a Kustomization's
 * `newName:`) and how much of it is before the cursor, for completion; an empty field is found too.
 */
export function nameFieldAt(
  text: string,
  path: string,
  offset: number,
  languageId?: string,
): { field: NameField; typed: string } | undefined {
  const kind = fileKindOf(path, languageId);
  const at = atCursor(text, offset, (probe): NameField[] => {
    if (kind === 'helm-values') return readHelmValues(parseYaml(probe), probe).names;
    if (kind === 'kustomization') return kustomizationNames(parseYaml(probe));
    if (kind === 'yaml') return kustomizationNames(parseYaml(probe).filter(looksLikeKustomization));
    return [];
  });
  return at && { field: { ...at.found, end: at.found.end - at.placeholder }, typed: at.typed };
}
