/**
 * Image references in Terraform and OpenTofu files (`*.tf`), by resource type, since `image = …`
 * also names VM images and disk images there (a Compute Engine instance's `debian-cloud/debian-12`
 * is no registry's):
 * - the Kubernetes provider's workloads: a `container` or `init_container` block's `image`; and
 *   the objects a `kubernetes_manifest` or a `kubectl_manifest` applies, written as an HCL object
 *   (a `containers`, `initContainers` or `ephemeralContainers` entry's `image`) or as YAML in a
 *   heredoc (`yaml_body = <<-EOT`, `manifest = yamldecode(<<-EOT …)`), read as a Kubernetes file;
 * - the Docker provider: a `docker_container`'s `image`, a `docker_image`'s `name` (built here
 *   when it has a `build` block) and a `docker_registry_image`'s `name`;
 * - AWS: a Lambda function's `image_uri`, and the `image` of each container an ECS task
 *   definition's `container_definitions = jsonencode([...])` declares;
 * - Google Cloud Run (services, jobs and worker pools, both APIs): a `containers` block's `image`;
 * - Azure Container Apps, their jobs and Container Instances: a `container` or `init_container`
 *   block's `image`;
 * - the Helm provider's `helm_release` of a chart in an OCI registry (`repository = "oci://…"`
 *   with `chart`, or `chart = "oci://…/name"`), at its `version`.
 * Only values written as one plain string are read: `"nginx:${var.tag}"` and references to other
 * resources are left alone. An image given by an input variable or a local value alone
 * (`image = var.image`) is read where that is written: the variable's `default`, the local's
 * value, and in a `.tfvars` file the variable's value. A module is a folder, so these may be in
 * other files than the use (`variables.tf`, `terraform.tfvars`): each file of the module reads to
 * {@link TerraformModuleFacts}, which the reading of any of them takes. Pure.
 */
import { readHcl, type HclAttribute, type HclBlock, type HclFile, type HclHeredoc } from './hcl';
import { findInKubernetes } from './kubernetes';
import { ociChartVersionSite, OCI_SCHEME } from './helm-chart';
import { movedBy, siteFrom } from './site';
import type { ReferenceSite, SiteContext } from './types';
import { parseYaml } from './yaml-nodes';

const CLOUD_RUN = new Set([
  'google_cloud_run_service',
  'google_cloud_run_v2_service',
  'google_cloud_run_v2_job',
  'google_cloud_run_v2_worker_pool',
]);
const AZURE_CONTAINERS = new Set(['azurerm_container_app', 'azurerm_container_app_job', 'azurerm_container_group']);

/** How an image is used: the site's context, and whether the configuration builds it. */
export type TerraformImageUse = { context: SiteContext; builds?: boolean };
type ImageUse = TerraformImageUse;

/**
 * What one file of a module says about its input variables and local values: those used as an
 * image (`var.image` or `local.image`, with how), the locals that stand for another name
 * (`locals { image = var.image }`), through which that name is used too, and the names it passes
 * to the modules it calls from a folder (`module "app" { source = "./modules/app", image =
 * var.app_image }`), which are images when that module uses its variable as one.
 */
export interface TerraformModuleFacts {
  uses: readonly (readonly [name: string, use: ImageUse])[];
  aliases: readonly (readonly [local: string, standsFor: string])[];
  calls: readonly (readonly [source: string, variable: string, passed: string])[];
  /** The folders of the modules it calls (`source = "./…"` or `"../…"`), as written. */
  sources: readonly string[];
}

/**
 * What a Terraform file is read with: the facts of its module's other files (for a `.tfvars`
 * file, of the module's `.tf` files), and for each module the module calls from a folder (by its
 * `source` as written), which of that module's input variables name an image.
 */
export interface TerraformModuleContext {
  others?: readonly TerraformModuleFacts[];
  called?: ReadonlyMap<string, ReadonlyMap<string, ImageUse>>;
}

export function readTerraformModuleFacts(text: string): TerraformModuleFacts {
  return moduleFacts(readHcl(text));
}

/**
 * Which input variables of a module (its files' facts) name an image, by name (`image`), the
 * modules it calls being known by `called`: what a module that calls this one needs to know.
 */
export function terraformImageVariables(
  files: readonly TerraformModuleFacts[],
  called?: TerraformModuleContext['called'],
): ReadonlyMap<string, ImageUse> {
  const variables = new Map<string, ImageUse>();
  for (const [name, use] of imageNames(files, called)) if (name.startsWith('var.')) variables.set(name.slice('var.'.length), use);
  return variables;
}

/** The image references of a `.tf` file, read with what its module and the modules it calls say. */
export function findInTerraform(text: string, module: TerraformModuleContext = {}): ReferenceSite[] {
  const file = readHcl(text);
  const building = buildingImages(file);
  const named = imageNames([moduleFacts(file, building), ...(module.others ?? [])], module.called);
  const sources = moduleSources(file);
  const sites: (ReferenceSite | undefined)[] = [];
  for (const attribute of file.attributes) {
    const context = imageContext(attribute, building) ?? namedValue(attribute, named) ?? passedImage(attribute, sources, module.called);
    if (context && attribute.string) sites.push(siteFrom({ text, ...attribute.string, ...context }));
  }
  for (const release of file.blocks.filter((b) => b.type === 'resource' && b.labels[0] === 'helm_release' && b.parents.length === 0))
    sites.push(helmReleaseSite(text, release, file.attributes));
  for (const heredoc of file.heredocs.filter(isManifestYaml).slice(0, MAX_MANIFESTS)) sites.push(...manifestSites(text, heredoc));
  return sites.filter((site): site is ReferenceSite => site !== undefined);
}

/** A file of generated manifests is not read past these many heredocs. */
const MAX_MANIFESTS = 200;
/** The resources that apply Kubernetes objects, and the attribute that holds one. */
const MANIFESTS: ReadonlyMap<string, string> = new Map([
  ['kubernetes_manifest', 'manifest'],
  ['kubectl_manifest', 'yaml_body'],
]);
const POD_LISTS: ReadonlySet<string> = new Set(['containers', 'initContainers', 'ephemeralContainers']);

function isManifestYaml(heredoc: HclHeredoc): boolean {
  const type = resourceType(heredoc.blocks);
  return type !== undefined && heredoc.blocks.length === 1 && MANIFESTS.get(type) === heredoc.name;
}

/** The images of the Kubernetes objects in a heredoc, read as a Kubernetes file, where they are in the whole text. */
function manifestSites(text: string, heredoc: HclHeredoc): ReferenceSite[] {
  const yaml = text.slice(heredoc.start, heredoc.end);
  return findInKubernetes(parseYaml(yaml), yaml).map((site) => movedBy(site, heredoc.start));
}

/**
 * The image references of a `.tfvars` file: the values it gives the module's input variables that
 * name an image (`module` holds the facts of the module's `.tf` files).
 */
export function findInTerraformVars(text: string, module: TerraformModuleContext = {}): ReferenceSite[] {
  const named = imageNames(module.others ?? [], module.called);
  const sites: (ReferenceSite | undefined)[] = [];
  for (const { blocks, within, name, string } of readHcl(text).attributes) {
    const use = named.get(`var.${name}`);
    if (use && string && blocks.length === 0 && within === undefined) sites.push(siteFrom({ text, ...string, ...use }));
  }
  return sites.filter((site): site is ReferenceSite => site !== undefined);
}

/** The `docker_image` resources (by where they start) that build their image (a `build` block). */
function buildingImages(file: HclFile): Set<number> {
  return new Set(
    file.blocks.filter((b) => b.type === 'build' && resourceType(b.parents) === 'docker_image').map((b) => b.parents[0]!.start),
  );
}

function moduleFacts(file: HclFile, building = buildingImages(file)): TerraformModuleFacts {
  const uses: (readonly [string, ImageUse])[] = [];
  const aliases: (readonly [string, string])[] = [];
  const calls: (readonly [string, string, string])[] = [];
  const sources = moduleSources(file);
  for (const attribute of file.attributes) {
    if (!attribute.reference) continue;
    const use = imageContext(attribute, building);
    const source = calledFrom(attribute, sources);
    if (use) uses.push([attribute.reference, use]);
    else if (isLocal(attribute)) aliases.push([`local.${attribute.name}`, attribute.reference]);
    else if (source !== undefined) calls.push([source, attribute.name, attribute.reference]);
  }
  return { uses, aliases, calls, sources: [...new Set(sources.values())] };
}

/** The `module` blocks that call a module from a folder (by where they start), with their `source` as written. */
function moduleSources(file: HclFile): Map<number, string> {
  const sources = new Map<number, string>();
  for (const { blocks, within, name, string } of file.attributes) {
    const outer = blocks[0];
    const source = string?.value.trim();
    if (blocks.length === 1 && outer?.type === 'module' && within === undefined && name === 'source' && source && LOCAL_SOURCE.test(source))
      sources.set(outer.start, source);
  }
  return sources;
}

/** A module's `source` that is a folder of this configuration's (Terraform reads these from disk, not from a registry). */
const LOCAL_SOURCE = /^\.\.?\//;

/** The `source` of the module call an argument is written in, when it calls a module from a folder. */
function calledFrom(attribute: HclAttribute, sources: ReadonlyMap<number, string>): string | undefined {
  const outer = attribute.blocks[0];
  return attribute.blocks.length === 1 && outer?.type === 'module' && attribute.within === undefined ? sources.get(outer.start) : undefined;
}

/** An argument of a module call that the called module uses as an image. */
function passedImage(
  attribute: HclAttribute,
  sources: ReadonlyMap<number, string>,
  called: TerraformModuleContext['called'],
): ImageUse | undefined {
  const source = calledFrom(attribute, sources);
  return source === undefined ? undefined : called?.get(source)?.get(attribute.name);
}

/**
 * Which names of a module (`var.image`, `local.image`) name an image, and how: used as one here,
 * passed to a called module that uses them as one, or through locals.
 */
function imageNames(facts: readonly TerraformModuleFacts[], called?: TerraformModuleContext['called']): Map<string, ImageUse> {
  const named = new Map<string, ImageUse>();
  for (const [name, use] of facts.flatMap((f) => f.uses)) if (!named.has(name)) named.set(name, use);
  for (const [source, variable, passed] of facts.flatMap((f) => f.calls)) {
    const use = called?.get(source)?.get(variable);
    if (use && !named.has(passed)) named.set(passed, use);
  }
  const aliases = facts.flatMap((f) => f.aliases);
  // Each round follows every local one step further; a chain is never longer than the locals.
  for (let round = 0, grew = true; grew && round <= aliases.length; round++) {
    grew = false;
    for (const [local, standsFor] of aliases) {
      const use = named.get(local);
      if (use && !named.has(standsFor)) {
        named.set(standsFor, use);
        grew = true;
      }
    }
  }
  return named;
}

/** A variable's `default` or a local's value, when the module uses that name as an image. */
function namedValue(attribute: HclAttribute, named: ReadonlyMap<string, ImageUse>): ImageUse | undefined {
  const outer = attribute.blocks[0];
  if (attribute.blocks.length !== 1 || attribute.within !== undefined || !outer) return undefined;
  if (outer.type === 'variable' && attribute.name === 'default' && outer.labels[0]) return named.get(`var.${outer.labels[0]}`);
  if (isLocal(attribute)) return named.get(`local.${attribute.name}`);
  return undefined;
}

function isLocal(attribute: HclAttribute): boolean {
  return attribute.blocks.length === 1 && attribute.blocks[0]!.type === 'locals' && attribute.within === undefined;
}

/** The resource (or data source) type of the outermost block, if it is one. */
function resourceType(blocks: readonly HclBlock[]): string | undefined {
  const outer = blocks[0];
  return outer && (outer.type === 'resource' || outer.type === 'data') ? outer.labels[0] : undefined;
}

function imageContext(attribute: HclAttribute, building: Set<number>): ImageUse | undefined {
  const type = resourceType(attribute.blocks);
  if (!type) return undefined;
  const { name, within } = attribute;
  const inner = attribute.blocks.slice(1).map((b) => b.type);
  const topLevel = inner.length === 0 && within === undefined;
  if (type === 'kubernetes_manifest' && within === 'manifest' && name === 'image') {
    const list = attribute.path?.at(-1);
    return list !== undefined && POD_LISTS.has(list) ? { context: list as SiteContext } : undefined;
  }
  if (type.startsWith('kubernetes_') && name === 'image' && within === undefined) {
    if (inner.includes('init_container')) return { context: 'initContainers' };
    if (inner.includes('container')) return { context: 'container' };
  }
  if (type === 'docker_container' && topLevel && name === 'image') return { context: 'image' };
  if (type === 'docker_image' && topLevel && name === 'name')
    return { context: 'image', ...(building.has(attribute.blocks[0]!.start) ? { builds: true } : {}) };
  // The resource pushes the image it names; the data source reads it.
  if (type === 'docker_registry_image' && topLevel && name === 'name')
    return { context: 'image', ...(attribute.blocks[0]!.type === 'resource' ? { builds: true } : {}) };
  if (type === 'aws_lambda_function' && topLevel && name === 'image_uri') return { context: 'ImageUri' };
  if (type === 'aws_ecs_task_definition' && within === 'container_definitions' && name === 'image' && inner.length === 0)
    return { context: 'image' };
  if (CLOUD_RUN.has(type) && within === undefined && name === 'image' && inner.includes('containers')) return { context: 'container' };
  if (AZURE_CONTAINERS.has(type) && within === undefined && name === 'image') {
    if (inner.includes('init_container')) return { context: 'initContainers' };
    if (inner.includes('container')) return { context: 'container' };
  }
  return undefined;
}

/**
 * A `helm_release` of an OCI chart: `repository = "oci://host/path"` and `chart = "name"`, or
 * `chart = "oci://host/path/name"` alone, at `version` (the provider runs Helm's install with
 * `--version`, which takes a `v` before the version as the tag).
 */
function helmReleaseSite(text: string, release: HclBlock, attributes: readonly HclAttribute[]): ReferenceSite | undefined {
  const own = (name: string) =>
    attributes.find((a) => a.name === name && a.within === undefined && a.blocks.length === 1 && a.blocks[0]!.start === release.start)
      ?.string;
  const chart = own('chart')?.value.trim();
  const version = own('version');
  if (!chart || !version) return undefined;
  const repository = chart.startsWith(OCI_SCHEME) ? chart.slice(0, chart.lastIndexOf('/')) : own('repository')?.value;
  const name = chart.startsWith(OCI_SCHEME) ? chart.slice(chart.lastIndexOf('/') + 1) : chart;
  return ociChartVersionSite({ text, repository, name, version, pulled: true, context: 'chart' });
}
