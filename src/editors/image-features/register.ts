/**
 * Registers the editor features over image references for the files that can hold them. This part
 * is in the extension bundle and costs next to nothing: the providers' code (parsers included)
 * loads the first time VS Code asks one of them about a file that is shown.
 */
import * as vscode from 'vscode';
import { core } from '../../common/core-loader';
import { withErrors } from '../../common/progress';
import type { RegistryService } from '../../common/registry-service';
import type { ImageReferenceFeatures, ReferenceEdit } from './index';
import { imageFeaturesModule } from './loader';

/**
 * Dockerfiles and Containerfiles, YAML (Compose, Kubernetes, workflows, GitLab CI, Helm values and
 * Chart.yaml, Kustomizations, CloudFormation), devcontainer.json, Podman Quadlet units, ECS
 * task definitions, Docker Bake files, Terraform's (and their `.tfvars`), Nomad's, Helmfile's and
 * Jenkins pipelines, whatever language they were given.
 */
export const IMAGE_REFERENCE_FILES: vscode.DocumentSelector = [
  { language: 'dockerfile' },
  { pattern: '**/{Dockerfile,Containerfile,*.dockerfile,*.containerfile,Dockerfile.*,Containerfile.*}' },
  { language: 'yaml' },
  { language: 'dockercompose' },
  // The GitHub Actions extension gives workflows a language of their own.
  { language: 'github-actions-workflow' },
  { pattern: '**/.github/workflows/*.{yml,yaml}' },
  { pattern: '**/{.gitlab-ci,*.gitlab-ci}.{yml,yaml}' },
  { pattern: '**/{devcontainer.json,.devcontainer.json}' },
  // Helm's editor support may give a chart's files a language of its own; kustomize also reads a file named Kustomization.
  { pattern: '**/*values*.{yml,yaml}' },
  { pattern: '**/Chart.yaml' },
  { pattern: '**/Kustomization' },
  // Podman Quadlet units, which VS Code gives no language of their own.
  { pattern: '**/*.{container,image,volume}' },
  // ECS task definitions (see file-kinds.ts for the names), and Docker Bake's files.
  { pattern: '**/*{task-definition,taskdef,task-def}*.json' },
  { pattern: '**/docker-bake*.{hcl,json}' },
  // Terraform and OpenTofu, with or without HashiCorp's extension (which names the languages terraform and terraform-vars).
  { language: 'terraform' },
  { language: 'terraform-vars' },
  { pattern: '**/*.{tf,tofu,tfvars}' },
  // Nomad job files, and Helmfile's templated files (`.gotmpl`), which have no language.
  { pattern: '**/*.{nomad,nomad.hcl}' },
  { pattern: '**/helmfile.{yaml,yml}.gotmpl' },
  { pattern: '**/helmfile.d/*.gotmpl' },
  // Jenkins pipelines, which VS Code may call Groovy or nothing at all.
  { language: 'jenkinsfile' },
  { pattern: '**/{Jenkinsfile,Jenkinsfile.*,*.jenkinsfile,*.Jenkinsfile}' },
];

const DIGEST = /^sha(256|512):[0-9a-f]{64,128}$/;

export function registerImageReferenceFeatures(registry: RegistryService, log: vscode.LogOutputChannel): vscode.Disposable[] {
  let features: ImageReferenceFeatures | undefined;
  const lensesChanged = new vscode.EventEmitter<void>();
  const get = (): ImageReferenceFeatures => {
    if (!features) {
      features = new (imageFeaturesModule().ImageReferenceFeatures)({ registry, core: core(), log });
      features.onDidChangeCodeLenses(() => lensesChanged.fire());
    }
    return features;
  };
  return [
    lensesChanged,
    { dispose: () => features?.dispose() },
    vscode.languages.registerHoverProvider(IMAGE_REFERENCE_FILES, { provideHover: (d, p, t) => get().provideHover(d, p, t) }),
    vscode.languages.registerCompletionItemProvider(
      IMAGE_REFERENCE_FILES,
      { provideCompletionItems: (d, p, t, c) => get().provideCompletionItems(d, p, t, c) },
      ':',
      '/',
    ),
    vscode.languages.registerCodeLensProvider(IMAGE_REFERENCE_FILES, {
      onDidChangeCodeLenses: lensesChanged.event,
      provideCodeLenses: (d) => get().provideCodeLenses(d),
    }),
    vscode.languages.registerCodeActionsProvider(
      IMAGE_REFERENCE_FILES,
      { provideCodeActions: (d, r, c) => get().provideCodeActions(d, r, c) },
      { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
    ),
    vscode.commands.registerCommand('registryExplorer.editImageReference', (edit: ReferenceEdit) =>
      withErrors('Edit Image Reference', () => get().editReference(edit)),
    ),
    vscode.commands.registerCommand('registryExplorer.markHostInsecure', (args?: { host?: unknown }) => get().markInsecure(args)),
    vscode.commands.registerCommand('registryExplorer.copyDigestText', async (args?: { digest?: unknown }) => {
      const digest = args?.digest;
      if (typeof digest !== 'string' || !DIGEST.test(digest)) return undefined;
      await vscode.env.clipboard.writeText(digest);
      return digest;
    }),
  ];
}
