/**
 * Which attributes of Terraform's and OpenTofu's resources name an image, by resource type, since
 * `image = …` also names VM images and disk images there (a Compute Engine instance's
 * `debian-cloud/debian-12` is no registry's). See terraform.ts for the list. Pure.
 */
import type { HclAttribute, HclBlock, HclFile } from './hcl';
import type { SiteContext } from './types';

const CLOUD_RUN = new Set([
  'google_cloud_run_service',
  'google_cloud_run_v2_service',
  'google_cloud_run_v2_job',
  'google_cloud_run_v2_worker_pool',
]);
const AZURE_CONTAINERS = new Set(['azurerm_container_app', 'azurerm_container_app_job', 'azurerm_container_group']);

/** Resources whose `container` (or SageMaker's `primary_container`) blocks name an `image`. */
const CONTAINER_BLOCKS = new Set(['aws_sagemaker_model', 'aws_lightsail_container_service_deployment_version']);

const POD_LISTS: ReadonlySet<string> = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** How an image is used: the site's context, and whether the configuration builds it. */
export type TerraformImageUse = { context: SiteContext; builds?: boolean };
type ImageUse = TerraformImageUse;

/** The `docker_image` resources (by where they start) that build their image (a `build` block). */
export function buildingImages(file: HclFile): Set<number> {
  return new Set(
    file.blocks.filter((b) => b.type === 'build' && resourceType(b.parents) === 'docker_image').map((b) => b.parents[0]!.start),
  );
}

/** The resource (or data source) type of the outermost block, if it is one. */
export function resourceType(blocks: readonly HclBlock[]): string | undefined {
  const outer = blocks[0];
  return outer && (outer.type === 'resource' || outer.type === 'data') ? outer.labels[0] : undefined;
}

export function imageContext(attribute: HclAttribute, building: Set<number>): ImageUse | undefined {
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
  if (type === 'aws_apprunner_service' && within === undefined && name === 'image_identifier' && inner.includes('image_repository'))
    return { context: 'ImageIdentifier' };
  if (type === 'aws_batch_job_definition' && name === 'image') {
    // A job on ECS or Fargate, as JSON (`container_properties`, or the containers of `ecs_properties`), or on EKS, as blocks.
    if (within === 'container_properties' && attribute.path?.length === 0) return { context: 'image' };
    if (within === 'ecs_properties' && attribute.path?.at(-1) === 'containers') return { context: 'containers' };
    if (within === undefined && inner.includes('containers')) return { context: 'containers' };
  }
  if (
    CONTAINER_BLOCKS.has(type) &&
    within === undefined &&
    name === 'image' &&
    inner.some((b) => b === 'container' || b === 'primary_container')
  )
    return { context: 'container' };
  return undefined;
}
