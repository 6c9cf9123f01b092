/**
 * What a content command acts on: a tree node (tag or manifest), a reference passed by a script,
 * or one the user types, validated as they type.
 */
import * as vscode from 'vscode';
import { core } from '../common/core-loader';
import type { Descriptor, Reference, Repository } from '../core/index';
import { isManifestHandle, type ManifestHandle } from '../views/nodes/content-nodes';
import { inputValidators, namesRegistry, type InputValidators } from '../common/input-validation';
import type { RegistryService } from '../common/registry-service';

/** What a content command acts on: a tree node, or a reference typed in the palette. */
export interface Subject {
  repository: Repository;
  host: string;
  repositoryName: string;
  reference: string;
  tag?: string;
  descriptor(): Promise<Descriptor>;
}

function subjectOf(node: ManifestHandle): Subject {
  return {
    repository: node.repository,
    host: node.place.host,
    repositoryName: node.place.name,
    reference: node.reference,
    ...(node.tag ? { tag: node.tag } : {}),
    descriptor: () => node.descriptor(),
  };
}

/** The node's manifest, or one the user types (validated as they type). */
export async function chooseSubject(node: unknown, registry: RegistryService, title: string): Promise<Subject | undefined> {
  if (isManifestHandle(node)) return subjectOf(node);
  if (node && typeof (node as { reference?: unknown }).reference === 'string')
    return subjectFromReference((node as { reference: string }).reference, registry);
  const typed = await vscode.window.showInputBox({
    title,
    prompt: 'Image or artifact reference: registry/repository:tag or registry/repository@sha256:…',
    placeHolder: 'localhost:5000/team/app:1.0',
    ignoreFocusOut: true,
    validateInput: (value) => referenceCheck(value, { allowDigest: true }),
  });
  // Blank input is no answer (the validator lets it through so an empty box shows no error).
  return typed?.trim() ? subjectFromReference(typed.trim(), registry) : undefined;
}

function subjectFromReference(text: string, registry: RegistryService): Subject {
  const ref = core().parseReference(text);
  const repository = registry.repository(ref.registry, ref.repository);
  const pointer = ref.digest ?? ref.tag ?? 'latest';
  let resolved: Promise<Descriptor> | undefined;
  return {
    repository,
    host: ref.registry,
    repositoryName: ref.repository,
    reference: `${ref.registry}/${ref.repository}${ref.digest ? `@${ref.digest}` : `:${pointer}`}`,
    ...(ref.digest ? {} : { tag: pointer }),
    descriptor: () => (resolved ??= repository.resolve(pointer)),
  };
}

/**
 * A reference as the user typed it, resolved against `defaultRegistry` when it names no registry
 * (`team-c/web:v1` next to a source on `localhost:5000` means `localhost:5000/team-c/web:v1`);
 * without one, the core's default applies (Docker Hub).
 */
export function referenceIn(text: string, defaultRegistry?: string): Reference {
  const trimmed = text.trim();
  return defaultRegistry && !namesRegistry(trimmed, core())
    ? core().parseReference(trimmed, { defaultRegistry })
    : core().parseReference(trimmed);
}

/**
 * For a destination input: an error, or (when the text names no registry) a note saying where it
 * goes, so `team-c/web:v1` is never sent somewhere unseen.
 */
export function destinationCheck(
  value: string,
  defaultRegistry: string | undefined,
): string | vscode.InputBoxValidationMessage | undefined {
  return referenceCheck(
    value,
    { allowDigest: false },
    (where) =>
      defaultRegistry
        ? `No registry named: this goes to ${where}, on the source's registry (write docker.io/… for Docker Hub).`
        : `No registry named: this goes to Docker Hub, ${where}.`,
    defaultRegistry,
  );
}

/** A reference to read: an error, or a note when it names no registry (then it is Docker Hub's). */
function referenceCheck(
  value: string,
  rules: { allowDigest: boolean },
  note: (where: string) => string = (where) => `No registry named: this is Docker Hub's ${where}.`,
  defaultRegistry?: string,
): string | vscode.InputBoxValidationMessage | undefined {
  const problem = validate().reference(value, rules);
  if (problem || !value.trim() || namesRegistry(value, core())) return problem;
  const ref = referenceIn(value, defaultRegistry);
  const where = `${ref.registry}/${ref.repository}${ref.digest ? `@${ref.digest}` : ref.tag ? `:${ref.tag}` : ''}`;
  return { message: note(where), severity: vscode.InputBoxValidationSeverity.Info };
}

/** The quick inputs' checks, with the core's parsers (loaded on the first keystroke). */
export function validate(): InputValidators {
  return inputValidators(core());
}
