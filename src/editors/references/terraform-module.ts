/**
 * A Terraform or OpenTofu module's names across its files: a module is a folder, and an image a
 * resource takes from an input variable or a local value alone (`image = var.image`) is written
 * where that name's value is: the variable's `default` (often in `variables.tf`), the local's
 * value, a `.tfvars` file's value, or the argument of a call from another module (`module "app" {
 * source = "./modules/app", image = "…" }`). Each file reads to {@link TerraformModuleFacts}; the
 * reading of a file takes its module's other files' facts and, for the modules it calls (from a
 * folder, or from a registry or Git once `terraform init` has installed them), which of their
 * variables name an image ({@link TerraformModuleContext}). Pure.
 */
import { NAMED_VALUE_INTERPOLATION, readHcl, type HclAttribute, type HclFile, writtenValues } from './hcl';
import { siteFrom } from './site';
import { buildingImages, imageContext, type TerraformImageUse } from './terraform-resources';
import type { ReferenceSite } from './types';

type ImageUse = TerraformImageUse;

/**
 * What one file of a module says about its input variables and local values: those used as an
 * image (`var.image` or `local.image`, with how), the locals that stand for another name
 * (`locals { image = var.image }`), through which that name is used too, and the names it passes
 * to the modules it calls (`module "app" { source = "./modules/app", image = var.app_image }`),
 * which are images when that module uses its variable as one.
 */
export interface TerraformModuleFacts {
  uses: readonly (readonly [name: string, use: ImageUse])[];
  aliases: readonly (readonly [local: string, standsFor: string])[];
  /** By the call's name (`app` of `module "app"`), which is unique in a module. */
  calls: readonly (readonly [call: string, variable: string, passed: string])[];
  /** The modules it calls, by the call's name, with their `source` as written. */
  modules: readonly (readonly [call: string, source: string])[];
  /** The values it writes as plain strings: variables' defaults (`var.tag`) and locals (`local.tag`). */
  values: readonly (readonly [name: string, value: string])[];
}

/**
 * What a Terraform file is read with: the facts of its module's other files (for a `.tfvars`
 * file, of the module's `.tf` files), and for each module call whose module is known (by the
 * call's name), which of the called module's input variables name an image.
 */
export interface TerraformModuleContext {
  others?: readonly TerraformModuleFacts[];
  called?: ReadonlyMap<string, ReadonlyMap<string, ImageUse>>;
  /**
   * The values the `.tfvars` files Terraform loads by itself (`terraform.tfvars`, then
   * `*.auto.tfvars` in name order) give the module's variables, by name (`tag`), the last one
   * winning, as over their defaults.
   */
  assigned?: ReadonlyMap<string, string>;
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

/**
 * What a `.tf` file says of its module's names beside its module's other files: which name an
 * image, and how; the name of each module call (by where the call starts); and the
 * value each name has as a plain string (what the auto-loaded `.tfvars` files assign a variable,
 * else its default; a local's value), for {@link interpolated}.
 */
export function namesInModule(
  file: HclFile,
  module: TerraformModuleContext,
  building: Set<number>,
): { named: ReadonlyMap<string, ImageUse>; calls: ReadonlyMap<number, string>; values: ReadonlyMap<string, string> } {
  const facts = [moduleFacts(file, building), ...(module.others ?? [])];
  const values = new Map<string, string>();
  for (const [name, value] of facts.flatMap((f) => f.values)) if (!values.has(name)) values.set(name, value);
  for (const [variable, value] of module.assigned ?? []) values.set(`var.${variable}`, value);
  return { named: imageNames(facts, module.called), calls: moduleCalls(file), values };
}

/** The values a `.tfvars` file gives variables as plain strings, by name. */
export function readTerraformVarsValues(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const { blocks, within, name, string } of readHcl(text).attributes)
    if (blocks.length === 0 && within === undefined && string) values.set(name, string.value);
  return values;
}

/**
 * A string's interpolations of variables and locals filled in with their `values` (see
 * {@link namesInModule}), or `undefined` when one of them has none, or it interpolates anything else.
 */
export function interpolated(template: string, values: ReadonlyMap<string, string>): string | undefined {
  let unknown = false;
  const filled = template.replace(new RegExp(NAMED_VALUE_INTERPOLATION, 'g'), (_, name: string) => {
    const value = values.get(name);
    if (value === undefined) unknown = true;
    return value ?? '';
  });
  return unknown || filled.includes('${') ? undefined : filled;
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

function moduleFacts(file: HclFile, building = buildingImages(file)): TerraformModuleFacts {
  const uses: (readonly [string, ImageUse])[] = [];
  const aliases: (readonly [string, string])[] = [];
  const passed: (readonly [string, string, string])[] = [];
  const values = [...writtenValues(file.attributes)].map(([name, written]) => [name, written.value] as const);
  const callNames = moduleCalls(file);
  const modules: (readonly [string, string])[] = [];
  for (const attribute of file.attributes) {
    const call = calledFrom(attribute, callNames);
    const source = attribute.string?.value.trim();
    if (call !== undefined && attribute.name === 'source' && source) modules.push([call, source]);
    if (!attribute.reference) continue;
    const use = imageContext(attribute, building);
    if (use) uses.push([attribute.reference, use]);
    else if (isLocal(attribute)) aliases.push([`local.${attribute.name}`, attribute.reference]);
    else if (call !== undefined) passed.push([call, attribute.name, attribute.reference]);
  }
  return { uses, aliases, calls: passed, modules, values };
}

/** The `module` blocks of a file (by where they start), by the call's name. */
function moduleCalls(file: HclFile): Map<number, string> {
  const calls = new Map<number, string>();
  for (const block of file.blocks)
    if (block.type === 'module' && block.parents.length === 0 && block.labels[0]) calls.set(block.start, block.labels[0]);
  return calls;
}

/** The name of the module call an argument is written in, if it is one. */
function calledFrom(attribute: HclAttribute, calls: ReadonlyMap<number, string>): string | undefined {
  const outer = attribute.blocks[0];
  return attribute.blocks.length === 1 && outer?.type === 'module' && attribute.within === undefined ? calls.get(outer.start) : undefined;
}

/** An argument of a module call that the called module uses as an image. */
export function passedImage(
  attribute: HclAttribute,
  calls: ReadonlyMap<number, string>,
  called: TerraformModuleContext['called'],
): ImageUse | undefined {
  const call = calledFrom(attribute, calls);
  return call === undefined ? undefined : called?.get(call)?.get(attribute.name);
}

/**
 * Which names of a module (`var.image`, `local.image`) name an image, and how: used as one here,
 * passed to a called module that uses them as one, or through locals.
 */
function imageNames(facts: readonly TerraformModuleFacts[], called?: TerraformModuleContext['called']): Map<string, ImageUse> {
  const named = new Map<string, ImageUse>();
  for (const [name, use] of facts.flatMap((f) => f.uses)) if (!named.has(name)) named.set(name, use);
  for (const [call, variable, passed] of facts.flatMap((f) => f.calls)) {
    const use = called?.get(call)?.get(variable);
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
export function namedValue(attribute: HclAttribute, named: ReadonlyMap<string, ImageUse>): ImageUse | undefined {
  const outer = attribute.blocks[0];
  if (attribute.blocks.length !== 1 || attribute.within !== undefined || !outer) return undefined;
  if (outer.type === 'variable' && attribute.name === 'default' && outer.labels[0]) return named.get(`var.${outer.labels[0]}`);
  if (isLocal(attribute)) return named.get(`local.${attribute.name}`);
  return undefined;
}

function isLocal(attribute: HclAttribute): boolean {
  return attribute.blocks.length === 1 && attribute.blocks[0]!.type === 'locals' && attribute.within === undefined;
}
