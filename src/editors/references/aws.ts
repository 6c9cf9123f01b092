/**
 * Image references in AWS files people write by hand.
 *
 * An ECS task definition in JSON (`task-definition.json`, `taskdef.json`, as `aws ecs
 * register-task-definition`, the ECS deploy actions and CodeDeploy read it): each of its
 * `containerDefinitions[].image`, at the top level or under `taskDefinition` (as `aws ecs
 * describe-task-definition` writes it). Read with Microsoft's jsonc-parser, for positions.
 *
 * A CloudFormation (or SAM) template in YAML: the images of its `Resources` by their `Type`: an
 * ECS task definition's `ContainerDefinitions[].Image`, a Batch job definition's
 * `ContainerProperties.Image`, a Lambda function's `Code.ImageUri` (SAM: `ImageUri`) and an App
 * Runner service's `ImageRepository.ImageIdentifier`. A value built by an intrinsic function
 * (`!Sub`, `!Ref`, `Fn::Join`) is the template's to fill in and is left alone. Pure.
 */
import { findNodeAtLocation, jsonStringSite, parseJson } from './json-nodes';
import type { ReferenceSite, SiteContext } from './types';
import { isMap, isScalar, isSeq, mapEntries, mapGet, resolved, scalarSite, scalarText, type YamlDocument, uniqueSites } from './yaml-nodes';

export function findInEcsTaskDefinition(text: string): ReferenceSite[] {
  const root = parseJson(text);
  if (root?.type !== 'object') return [];
  const definitions =
    findNodeAtLocation(root, ['containerDefinitions']) ?? findNodeAtLocation(root, ['taskDefinition', 'containerDefinitions']);
  if (definitions?.type !== 'array') return [];
  return uniqueSites(
    (definitions.children ?? []).map((definition) => jsonStringSite(text, findNodeAtLocation(definition, ['image']), 'image')),
  );
}

/** Where each resource type keeps its image: a path of keys under `Properties`, `[]` for each item of a list. */
const IMAGE_PATHS: Record<string, { path: string[]; context: SiteContext }[]> = {
  'AWS::ECS::TaskDefinition': [{ path: ['ContainerDefinitions', '[]', 'Image'], context: 'Image' }],
  'AWS::Batch::JobDefinition': [{ path: ['ContainerProperties', 'Image'], context: 'Image' }],
  'AWS::Lambda::Function': [{ path: ['Code', 'ImageUri'], context: 'ImageUri' }],
  'AWS::Serverless::Function': [{ path: ['ImageUri'], context: 'ImageUri' }],
  'AWS::AppRunner::Service': [{ path: ['SourceConfiguration', 'ImageRepository', 'ImageIdentifier'], context: 'ImageIdentifier' }],
};

/** Whether a YAML document is a CloudFormation template: a `Resources` mapping whose entries say their `Type`. */
export function looksLikeCloudFormation(doc: YamlDocument): boolean {
  const resources = mapGet(doc, doc.contents, 'Resources');
  return (
    isMap(resources) && mapEntries(doc, resources).some(([, resource]) => scalarText(doc, mapGet(doc, resource, 'Type')) !== undefined)
  );
}

export function findInCloudFormation(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs) {
    const resources = mapGet(doc, doc.contents, 'Resources');
    if (!isMap(resources)) continue;
    for (const [, resource] of mapEntries(doc, resources)) {
      const paths = IMAGE_PATHS[scalarText(doc, mapGet(doc, resource, 'Type'))?.trim() ?? ''];
      for (const { path, context } of paths ?? [])
        for (const node of nodesAt(doc, mapGet(doc, resource, 'Properties'), path))
          if (!isIntrinsic(doc, node)) sites.push(scalarSite(doc, text, node, { context }));
    }
  }
  return uniqueSites(sites);
}

/** The nodes at a path of keys (`[]` for every item of a list). */
function nodesAt(doc: YamlDocument, node: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return [node];
  const [key, ...rest] = path;
  if (key === '[]') {
    const list = resolved(doc, node);
    return isSeq(list) ? list.items.flatMap((item) => nodesAt(doc, item, rest)) : [];
  }
  return nodesAt(doc, mapGet(doc, node, key!), rest);
}

/** A value a CloudFormation function makes (`!Sub …`, `!Ref …`; the long forms are mappings, which no site reads). */
function isIntrinsic(doc: YamlDocument, node: unknown): boolean {
  const scalar = resolved(doc, node);
  return isScalar(scalar) && typeof scalar.tag === 'string' && !scalar.tag.startsWith('tag:yaml.org,2002:');
}
