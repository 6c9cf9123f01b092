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
 * - AWS App Runner's `image_identifier`, Batch job definitions' images (`container_properties`,
 *   the containers of `ecs_properties`, and EKS `containers` blocks), SageMaker models' and
 *   Lightsail container services' `container` images;
 * - the Helm provider's `helm_release` of a chart in an OCI registry (`repository = "oci://…"`
 *   with `chart`, or `chart = "oci://…/name"`), at its `version`.
 * A value written as one plain string is read in place. One that interpolates variables and
 * locals (`"${var.registry}/app:${var.tag}"`) is read with their values, as Terraform would
 * fill them in without `-var` options: what the auto-loaded `.tfvars` files assign, else the
 * defaults (shown as written, never edited); any other interpolation, and references to other
 * resources, are left alone. An image given by an input variable or a local value alone
 * (`image = var.image`) is read where that is written: the variable's `default`, the local's
 * value, and in a `.tfvars` file the variable's value. A module is a folder, so these may be in
 * other files than the use (`variables.tf`, `terraform.tfvars`), or in the module that calls this
 * one from a folder (see terraform-module.ts). Which resources' attributes are images is in
 * terraform-resources.ts. Pure.
 */
import { readHcl, type HclAttribute, type HclBlock, type HclHeredoc } from './hcl';
import { ociChartVersionSite, OCI_SCHEME } from './helm-chart';
import { findInKubernetes } from './kubernetes';
import { movedBy, siteFrom } from './site';
import { interpolated, namedValue, namesInModule, passedImage, type TerraformModuleContext } from './terraform-module';
import { buildingImages, imageContext, resourceType } from './terraform-resources';
import type { ReferenceSite } from './types';
import { parseYaml } from './yaml-nodes';

/** The image references of a `.tf` file, read with what its module and the modules it calls say. */
export function findInTerraform(text: string, module: TerraformModuleContext = {}): ReferenceSite[] {
  const file = readHcl(text);
  const building = buildingImages(file);
  const { named, calls, values } = namesInModule(file, module, building);
  const sites: (ReferenceSite | undefined)[] = [];
  for (const attribute of file.attributes) {
    const context = imageContext(attribute, building) ?? namedValue(attribute, named) ?? passedImage(attribute, calls, module.called);
    if (context && attribute.string) sites.push(siteFrom({ text, ...attribute.string, ...context }));
    // An image the resource makes of variables (`"${var.registry}/app:${var.tag}"`), read with their values.
    const use = attribute.template && imageContext(attribute, building);
    const value = use && interpolated(attribute.template!.value, values);
    if (use && value) sites.push(siteFrom({ text, ...attribute.template!, value, ...use, filledIn: 'terraform-values' }));
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
