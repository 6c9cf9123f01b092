/**
 * The editor features over image references, in VS Code: hovers, completion of tags and
 * repositories, lenses (pin to digest, update a pinned digest, a newer tag, a version range moved
 * up) and diagnostics (a tag or digest that does not exist, a range that matches no version; a
 * registry that cannot be reached or needs a login, with its fix as a quick fix). Requests go
 * through the registry service (the same endpoint plan, mirrors and credentials as the tree) and
 * its cached answers.
 *
 * Polite by design: lenses and diagnostics are worked out only for the references in the visible
 * part of an editor, when it is shown or scrolled; hovers and completion are cancelled with their
 * tokens. In Restricted Mode nothing is requested until a person hovers or asks for completion.
 */
import * as vscode from 'vscode';
import type * as Core from '../../core/index';
import { errorText } from '../../common/error-text';
import type { Asker } from '../../common/registry-answers';
import type { RegistryService } from '../../common/registry-service';
import { addInsecureRegistry } from '../../common/settings';
import { goRegExp } from '../../shared/go-regexp';
import { sortTags } from '../../shared/tag-order';
import { movedRange, parseVersionRange } from '../../shared/version-range';
import {
  type ChartFacts,
  factsKey,
  fileKindOf,
  findImageReferences,
  type FluxHelmRepository,
  isContainerfileName,
  nameFieldAt,
  referenceAt,
  type TerraformModuleContext,
} from '../references/index';
import type { FileKindGuess } from '../references/file-kinds';
import type { ReferenceSite } from '../references/types';
import { ChartFiles } from './chart-files';
import { fetchDetails, type ReferenceDetails } from './details';
import { factsFor, lookUpSites, pickedSite, type SiteFacts } from './facts';
import { FluxRepositories } from './flux-repositories';
import { TerraformModules } from './terraform-modules';
import { ComposeEnvFiles } from './compose-env-files';
import { HOVER_COMMANDS, hoverFailureMarkdown, hoverMarkdown } from './hover-markdown';
import { ShortNameConfig } from './short-name-config';

export const DIAGNOSTIC_SOURCE = 'Registry Explorer';
export const EDIT_COMMAND = 'registryExplorer.editImageReference';
export const COPY_DIGEST_COMMAND = 'registryExplorer.copyDigestText';
export const MARK_INSECURE_COMMAND = 'registryExplorer.markHostInsecure';

/** How many references of the visible part are looked up at once. */
const LOOKUPS_AT_ONCE = 6;
/** Lines above and below the visible part that are looked up too, so a short scroll finds them ready. */
const MARGIN_LINES = 5;
/** Edits and scrolls settle for this long before anything is looked up. */
const SETTLE_MS = 150;
/** Facts that arrive during a lookup are drawn together, this long after the first of them. */
const REDRAW_MS = 200;
/** Files longer than this are not searched for references. */
const MAX_DOCUMENT_CHARS = 2_000_000;

/** What a lens asks to change (the command's argument). */
export interface ReferenceEdit {
  uri: string;
  /** Where the reference was, and its text then: the edit is refused if the text has changed. */
  start: number;
  written: string;
  action: 'pin' | 'update' | 'newer' | 'range';
  /** For `newer`: the tag to move to; for `range`, the range. */
  tag?: string;
}

/** What the features tell tests and the benchmark about their work. */
export interface FeatureEvents {
  /** Every visible reference of every visible editor has its lenses and diagnostics (for now). */
  readonly onDidSettle: vscode.Event<void>;
}

interface KnownFacts {
  facts: SiteFacts;
  expires: number;
}

export interface FeatureServices {
  registry: RegistryService;
  core: typeof Core;
  log: vscode.LogOutputChannel;
}

export class ImageReferenceFeatures
  implements vscode.HoverProvider, vscode.CompletionItemProvider, vscode.CodeLensProvider, vscode.CodeActionProvider, vscode.Disposable
{
  private readonly sitesByDocument = new Map<
    string,
    {
      version: number;
      chart: ChartFacts | undefined;
      flux: readonly FluxHelmRepository[] | undefined;
      shortNames: Core.ShortNameTable | undefined;
      terraform: TerraformModuleContext | undefined;
      composeEnv: ReadonlyMap<string, string> | undefined;
      sites: ReferenceSite[];
    }
  >();
  /** The Chart.yaml beside a values file, whose appVersion fills an empty tag. */
  private readonly charts = new ChartFiles();
  /** The workspace's OCI HelmRepositories, which a Flux HelmRelease in another file names. */
  private readonly flux = new FluxRepositories();
  /** How Podman and Buildah read short names here, for Quadlet units, Containerfiles and Nomad jobs. */
  private readonly shortNames: ShortNameConfig;
  /** The other files of a Terraform module and the modules it calls, where the values its images come from are written. */
  private readonly terraform = new TerraformModules();
  /** The `.env` beside a Compose file, which fills in its `${VAR}`. */
  private readonly composeEnvs = new ComposeEnvFiles();
  /** Facts by reference (they depend on the reference only, not on where it is written). */
  private readonly facts = new Map<string, KnownFacts>();
  private readonly inFlight = new Set<string>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('registryExplorer.images');
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  private readonly settled = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;

  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  readonly onDidSettle = this.settled.event;

  constructor(private readonly services: FeatureServices) {
    const schedule = (): void => this.schedule();
    this.shortNames = new ShortNameConfig(() => services.core);
    // What a file's sites depend on besides its text (a chart, the workspace's Flux repositories,
    // Podman's short names, a Terraform module, a Compose project's .env): read or changed, the
    // sites are found again (sitesOf compares each by identity) and the lenses redrawn.
    for (const source of [this.charts, this.flux, this.shortNames, this.terraform, this.composeEnvs])
      this.disposables.push(
        source,
        source.onDidChange(() => {
          this.lensesChanged.fire();
          schedule();
        }),
      );
    this.disposables.push(
      this.diagnostics,
      this.lensesChanged,
      this.settled,
      vscode.window.onDidChangeVisibleTextEditors(schedule),
      vscode.window.onDidChangeTextEditorVisibleRanges(schedule),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.sitesByDocument.has(e.document.uri.toString())) schedule();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.sitesByDocument.delete(d.uri.toString());
        this.diagnostics.delete(d.uri);
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(schedule),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('registryExplorer')) this.reset();
      }),
      services.registry.answers.onForget(() => this.reset()),
    );
    this.schedule();
  }

  private get settings(): RegistryService['settings'] {
    return this.services.registry.settings;
  }

  /** The references of a document, found once per version. */
  sitesOf(document: vscode.TextDocument): ReferenceSite[] {
    const key = document.uri.toString();
    const kind = fileKindOf(document.uri.path, document.languageId);
    const chart = kind === 'helm-values' ? this.charts.chartOf(document.uri) : undefined;
    const podman = this.shortNamesFor(document, kind);
    // Until the engines' configuration is read, a Podman file's short names are not known: nothing
    // is looked up (Docker Hub would be asked for names it does not hold); its reading redraws.
    if (!podman) return [];
    const { shortNames } = podman;
    const terraform = this.terraformModuleOf(document, kind);
    const composeEnv = kind === 'compose' ? this.composeEnvs.envOf(document.uri) : undefined;
    const known = this.sitesByDocument.get(key);
    if (
      known?.version === document.version &&
      known.chart === chart &&
      known.shortNames === shortNames &&
      known.terraform === terraform &&
      known.composeEnv === composeEnv &&
      (!known.flux || known.flux === this.flux.current())
    )
      return known.sites;
    const text = document.getText();
    // Only a file with a HelmRelease needs the workspace's repositories (and starts their reading).
    const flux = kind === 'yaml' && text.includes('HelmRelease') ? this.flux.repositories() : undefined;
    const context = {
      ...(chart ? { chart } : {}),
      ...(flux ? { fluxHelmRepositories: flux } : {}),
      ...(shortNames ? { shortNames } : {}),
      ...(terraform ? { terraformModule: terraform } : {}),
      ...(composeEnv ? { composeEnv } : {}),
    };
    // A generated YAML of megabytes (an OpenAPI document, a dump) is not read on every keystroke.
    const sites = text.length > MAX_DOCUMENT_CHARS ? [] : findImageReferences(text, document.uri.path, document.languageId, context);
    this.sitesByDocument.set(key, { version: document.version, chart, flux, shortNames, terraform, composeEnv, sites });
    return sites;
  }

  /** For a Terraform file, what its module's other files and the modules it calls say (see TerraformModules.contextOf). */
  private terraformModuleOf(document: vscode.TextDocument, kind: FileKindGuess | undefined): TerraformModuleContext | undefined {
    return kind === 'terraform' || kind === 'terraform-vars' ? this.terraform.contextOf(document.uri, kind) : undefined;
  }

  /**
   * The short names of the files Podman and Buildah run (Quadlet units, Containerfiles, and Nomad
   * jobs, whose tasks may run on Podman), whose reading such a file starts; `{}` for other files,
   * undefined while the reading is under way.
   */
  private shortNamesFor(
    document: vscode.TextDocument,
    kind = fileKindOf(document.uri.path, document.languageId),
  ): { shortNames?: Core.ShortNameTable } | undefined {
    if (kind !== 'quadlet' && kind !== 'nomad' && !(kind === 'dockerfile' && isContainerfileName(document.uri.path))) return {};
    const shortNames = this.shortNames.table();
    return shortNames && { shortNames };
  }

  private siteAt(document: vscode.TextDocument, position: vscode.Position): ReferenceSite | undefined {
    const offset = document.offsetAt(position);
    return this.sitesOf(document).find((s) => s.start <= offset && offset <= s.end);
  }

  // ---------------------------------------------------------------------------------------------
  // Hover

  async provideHover(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ): Promise<vscode.Hover | undefined> {
    if (!this.settings.editor.hover) return undefined;
    const site = this.siteAt(document, position);
    if (!site) return undefined;
    const range = new vscode.Range(document.positionAt(site.start), document.positionAt(site.end));
    const { signal, dispose } = abortOn(token);
    try {
      let shown = site;
      let facts = this.knownFacts(site);
      if (site.versionRange) {
        // A range is described as the tag it picks now: known from the lookups in view, else from the repository's (cached) tag listing.
        facts ??= await factsFor(site, this.services.registry.answers, { asker: 'person', signal });
        if (facts.state !== 'found' || facts.rangeTag === undefined) {
          const message =
            facts.state === 'missing' || facts.state === 'unavailable' ? facts.message : "The repository's tags were not listed.";
          return new vscode.Hover(new vscode.MarkdownString(hoverFailureMarkdown(site.reference, message, site)), range);
        }
        shown = pickedSite(site, facts.rangeTag);
      }
      const details = await this.details(shown, 'person', signal);
      if (!details || token.isCancellationRequested) return undefined;
      const kind = this.services.core.kindName(details.mediaType, details.artifactType);
      const markdown = new vscode.MarkdownString(hoverMarkdown(details, facts, kind, site));
      markdown.isTrusted = { enabledCommands: [...HOVER_COMMANDS] };
      return new vscode.Hover(markdown, range);
    } catch (err) {
      if (token.isCancellationRequested || isCancelled(err)) return undefined;
      return new vscode.Hover(new vscode.MarkdownString(hoverFailureMarkdown(site.reference, errorText(err), site)), range);
    } finally {
      dispose();
    }
  }

  /** A reference's details, through the cached answers (a warm hover sends nothing). */
  details(site: ReferenceSite, asker: Asker, signal?: AbortSignal): Promise<ReferenceDetails | undefined> {
    const { registry } = this.services;
    const { registry: host, repository, tag, digest } = site.parsed;
    const pointer = digest ?? tag ?? 'latest';
    const platform = site.platform ?? (this.settings.defaultPlatform || undefined);
    return registry.answers.details(
      host,
      repository,
      `${pointer}\n${platform ?? ''}`,
      { asker, ...(signal ? { signal } : {}) },
      async (shared) => {
        const details = await fetchDetails({
          core: this.services.core,
          client: registry.session.registry(host),
          repository: registry.repository(host, repository),
          reference: site.reference,
          pointer,
          ...(platform ? { platform } : {}),
          signal: shared,
        });
        // The GET told what the tag points at: a pin or a lens needs no HEAD for it now.
        if (!digest)
          registry.answers.remember(host, repository, pointer, {
            mediaType: details.mediaType,
            digest: details.digest,
            size: details.manifestSize,
          });
        return details;
      },
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Completion

  async provideCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
    context: vscode.CompletionContext,
  ): Promise<vscode.CompletionItem[] | undefined> {
    if (!this.settings.editor.completion) return undefined;
    // In Restricted Mode only completion a person asks for (Ctrl+Space) may send a request.
    if (!vscode.workspace.isTrusted && context.triggerKind !== vscode.CompletionTriggerKind.Invoke) return undefined;
    const offset = document.offsetAt(position);
    const text = document.getText();
    const kind = fileKindOf(document.uri.path, document.languageId);
    const podman = this.shortNamesFor(document, kind);
    if (!podman) return undefined;
    const terraform = this.terraformModuleOf(document, kind);
    const at = referenceAt(text, document.uri.path, offset, document.languageId, {
      ...podman,
      ...(terraform ? { terraformModule: terraform } : {}),
    });
    // Else a repository written on its own (a chart's `repository:`, a Kustomization's `newName:`).
    const field = at ? undefined : nameFieldAt(text, document.uri.path, offset, document.languageId);
    const where = at
      ? { written: 'reference' as const, typed: at.typed, start: at.site.start }
      : field && { written: 'name' as const, typed: field.typed, start: field.field.start, registry: field.field.registry };
    if (!where || (at && (at.typed.includes('@') || at.site.part === 'digest'))) return undefined;
    const { typed, start } = where;
    const { signal, dispose } = abortOn(token);
    try {
      // A tag written on its own (Helm values, a Kustomization): the tags of the name written beside it.
      if (at?.site.part === 'tag')
        return await this.tagItems(document, start, offset, nameOf(at.site.reference), signal, {
          ...(at.site.versionRange ? { replacedRange: typed } : {}),
          ...(at.site.versionRange?.tagFilter !== undefined ? { tagFilter: at.site.versionRange.tagFilter } : {}),
        });
      // Under a registry: key of its own, the field holds the repository alone.
      if (where.written === 'name' && where.registry)
        return await this.repositoryItems(document, where.registry, start, offset, 'name', signal);
      const lastSlash = typed.lastIndexOf('/');
      const colon = typed.indexOf(':', lastSlash + 1);
      if (where.written === 'reference' && colon >= 0) {
        // A short name Podman reads through an alias lists the tags of what it stands for.
        const shortName = at?.site.shortName;
        const name = shortName?.written === typed.slice(0, colon) ? shortName.name : typed.slice(0, colon);
        return await this.tagItems(document, start + colon + 1, offset, name, signal);
      }
      if (lastSlash >= 0) {
        const slash = typed.indexOf('/');
        return await this.repositoryItems(document, typed.slice(0, slash), start + slash + 1, offset, where.written, signal);
      }
      return this.hostItems(document, start, offset);
    } catch (err) {
      if (!isCancelled(err)) this.services.log.debug(`Completion of ${typed}: ${errorText(err)}`);
      return undefined;
    } finally {
      dispose();
    }
  }

  private async tagItems(
    document: vscode.TextDocument,
    from: number,
    to: number,
    name: string,
    signal: AbortSignal,
    at: {
      /** A range typed before the cursor, which a version replaces: kept in front of each item's filter text, or VS Code would filter every item out by its `~` or `^`. */
      replacedRange?: string;
      /** Only the tags this Go regular expression matches (a Flux range's semverFilter): the others are not the range's to pick. */
      tagFilter?: string;
    } = {},
  ): Promise<vscode.CompletionItem[]> {
    const { replacedRange } = at;
    const ref = this.services.core.parseReference(name);
    const listing = await this.services.registry.answers.tags(ref.registry, ref.repository, { asker: 'person', signal });
    const range = new vscode.Range(document.positionAt(from), document.positionAt(to));
    const filter = at.tagFilter !== undefined ? goRegExp(at.tagFilter) : undefined;
    const tags = (listing?.tags ?? []).filter((tag) => !filter || filter.test(tag));
    return sortTags(tags, 'natural').map((tag, index) => {
      const item = new vscode.CompletionItem(tag, vscode.CompletionItemKind.Value);
      item.range = range;
      item.sortText = String(index).padStart(6, '0');
      if (replacedRange !== undefined) item.filterText = `${replacedRange}${tag}`;
      const known = this.services.registry.answers.peekDetails<ReferenceDetails>(ref.registry, ref.repository, `${tag}\n`);
      if (known?.created) item.detail = `created ${known.created.slice(0, 10)}`;
      return item;
    });
  }

  /**
   * The repositories of `host`, replacing the text from `from` to `to`: in a whole reference
   * followed by `:` and its tags; in a field that holds the name alone (`written: 'name'`), as is.
   */
  private async repositoryItems(
    document: vscode.TextDocument,
    host: string,
    from: number,
    to: number,
    written: 'reference' | 'name',
    signal: AbortSignal,
  ): Promise<vscode.CompletionItem[] | undefined> {
    if (!(host.includes('.') || host.includes(':') || host === 'localhost')) return undefined;
    const { registry, core } = this.services;
    const names = await registry.answers.repositories(host, { asker: 'person', signal }, async (shared) => {
      const configured = registry.settings.registries
        .filter((r) => {
          try {
            return core.parseRegistryLocation(r.url).host === host;
          } catch {
            return false;
          }
        })
        .flatMap((r) => r.repositories ?? []);
      try {
        for await (const page of registry.session.registry(host).listRepositories({ pageSize: 1000, signal: shared }))
          return [...new Set([...configured, ...page])];
      } catch (err) {
        if (configured.length === 0 || isCancelled(err)) throw err;
      }
      return configured;
    });
    const range = new vscode.Range(document.positionAt(from), document.positionAt(to));
    return (names ?? []).map((name) => {
      const item = new vscode.CompletionItem(name, vscode.CompletionItemKind.Module);
      item.range = range;
      if (written === 'reference') {
        item.insertText = `${name}:`;
        item.command = { title: 'Tags', command: 'editor.action.triggerSuggest' };
      }
      return item;
    });
  }

  /** Before any `/`: the registries the user has configured, as a start. */
  private hostItems(document: vscode.TextDocument, from: number, to: number): vscode.CompletionItem[] {
    const range = new vscode.Range(document.positionAt(from), document.positionAt(to));
    const hosts = new Set<string>();
    for (const r of this.settings.registries) {
      try {
        hosts.add(this.services.core.parseRegistryLocation(r.url).host);
      } catch {
        // A registry setting that does not parse offers nothing here.
      }
    }
    return [...hosts].map((host) => {
      const item = new vscode.CompletionItem(`${host}/`, vscode.CompletionItemKind.Folder);
      item.range = range;
      item.command = { title: 'Repositories', command: 'editor.action.triggerSuggest' };
      return item;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Lenses, diagnostics and quick fixes

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.settings.editor.codeLens) return [];
    const lenses: vscode.CodeLens[] = [];
    let expired = false;
    for (const site of this.sitesOf(document)) {
      const facts = this.knownFacts(site);
      expired ||= !facts && this.facts.has(factsKey(site));
      if (facts?.state !== 'found' || site.builds) continue;
      const range = new vscode.Range(document.positionAt(site.start), document.positionAt(site.end));
      const edit = (action: ReferenceEdit['action'], title: string, tooltip: string, tag?: string): void => {
        const args: ReferenceEdit = {
          uri: document.uri.toString(),
          start: site.start,
          written: site.written,
          action,
          ...(tag ? { tag } : {}),
        };
        lenses.push(new vscode.CodeLens(range, { title, tooltip, command: EDIT_COMMAND, arguments: [args] }));
      };
      if (site.versionRange) {
        // A range moves up in its own form to take in the newest version (`~1.2.0` to `~2.0.1`), when it has such a form.
        const moved =
          facts.newerTag && site.written === site.versionRange.text
            ? movedRange(site.versionRange.text, facts.newerTag, site.versionRange.reading)
            : undefined;
        if (moved) edit('range', `Newer version outside the range: ${facts.newerTag}`, `Change the range to ${moved}`, moved);
        continue;
      }
      if (!site.literal) continue;
      // A digest written alone is only looked up. A tag written on its own is pinned where the
      // file has a place for its digest (see digestSlot); without one, a newer tag is offered only
      // when no digest would be left behind.
      if (site.part === 'digest') continue;
      const canPin = site.part === undefined || site.digestSlot !== undefined;
      if (canPin && site.parsed.digest === undefined) edit('pin', 'Pin to digest', `Add the digest ${site.reference} points at now`);
      else if (canPin && facts.tagDigest && facts.tagDigest !== site.parsed.digest)
        edit('update', 'Update pinned digest', `${site.parsed.tag} now points at ${facts.tagDigest}`);
      if (facts.newerTag && (canPin || site.parsed.digest === undefined))
        edit('newer', `Newer tag available: ${facts.newerTag}`, `Change the tag to ${facts.newerTag}`, facts.newerTag);
    }
    // What was known has expired: look the references in view up again (the lenses come back then).
    if (expired) this.schedule();
    return lenses;
  }

  provideCodeActions(_document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
      const [fix, host] = String(typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code).split(' ');
      if (!host) continue;
      const action =
        fix === 'logIn'
          ? new vscode.CodeAction(`Log In to ${host}…`, vscode.CodeActionKind.QuickFix)
          : fix === 'markInsecure'
            ? new vscode.CodeAction(`Mark ${host} Insecure`, vscode.CodeActionKind.QuickFix)
            : undefined;
      if (!action) continue;
      action.diagnostics = [diagnostic];
      action.command =
        fix === 'logIn'
          ? { title: action.title, command: 'registryExplorer.logIn', arguments: [{ host }] }
          : { title: action.title, command: MARK_INSECURE_COMMAND, arguments: [{ host }] };
      actions.push(action);
    }
    return actions;
  }

  /** The facts known for a site's reference now (no request). */
  knownFacts(site: ReferenceSite): SiteFacts | undefined {
    const known = this.facts.get(factsKey(site));
    return known && known.expires > Date.now() ? known.facts : undefined;
  }

  /** Looks up the references in the visible part of every visible editor (after things settle). */
  schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.lookUpVisible();
    }, SETTLE_MS);
  }

  /** Everything known is dropped (settings changed, a login changed what a registry answers): looked up again as shown. */
  private reset(): void {
    this.facts.clear();
    this.generation++;
    this.diagnostics.clear();
    this.lensesChanged.fire();
    this.schedule();
  }

  private visibleSites(): { document: vscode.TextDocument; sites: ReferenceSite[] }[] {
    const found: { document: vscode.TextDocument; sites: ReferenceSite[] }[] = [];
    for (const editor of vscode.window.visibleTextEditors) {
      const sites = this.sitesOf(editor.document);
      if (sites.length === 0) continue;
      const ranges = editor.visibleRanges.map((r) => {
        const start = Math.max(0, r.start.line - MARGIN_LINES);
        const end = Math.min(editor.document.lineCount - 1, r.end.line + MARGIN_LINES);
        return [editor.document.offsetAt(new vscode.Position(start, 0)), editor.document.lineAt(end).range.end] as const;
      });
      const visible = sites.filter((s) => ranges.some(([from, to]) => s.end >= from && s.start <= editor.document.offsetAt(to)));
      found.push({ document: editor.document, sites: visible });
    }
    return found;
  }

  private async lookUpVisible(): Promise<void> {
    const wanted = this.settings.editor.codeLens || this.settings.editor.diagnostics;
    // Restricted Mode: references in workspace files are looked up only when a person asks.
    if (!wanted || !vscode.workspace.isTrusted) return;
    const generation = this.generation;
    const shown = this.visibleSites();
    const todo = new Map<string, ReferenceSite>();
    for (const { sites } of shown)
      for (const site of sites) if (!this.knownFacts(site) && !this.inFlight.has(factsKey(site))) todo.set(factsKey(site), site);
    const sites = [...todo.values()];
    for (const site of sites) this.inFlight.add(factsKey(site));
    const expires = Date.now() + this.settings.cacheMinutes * 60_000;
    // What is known is shown as it comes, a moment after: a registry that is slow to answer (or
    // never does, until its time-out) holds back only its own references' lenses and diagnostics.
    let redraw: ReturnType<typeof setTimeout> | undefined;
    const showKnown = (): void => {
      redraw = undefined;
      if (generation !== this.generation) return;
      for (const { document } of shown) this.updateDiagnostics(document);
      this.lensesChanged.fire();
    };
    try {
      await lookUpSites(sites, this.services.registry.answers, {
        asker: 'automatic',
        concurrency: LOOKUPS_AT_ONCE,
        onFacts: (site, facts) => {
          if (generation !== this.generation) return;
          this.facts.set(factsKey(site), { facts, expires });
          redraw ??= setTimeout(showKnown, REDRAW_MS);
        },
      });
    } catch (err) {
      this.services.log.debug(`Looking up image references: ${errorText(err)}`);
    } finally {
      clearTimeout(redraw);
      for (const site of sites) this.inFlight.delete(factsKey(site));
    }
    if (generation !== this.generation) return;
    for (const { document } of shown) this.updateDiagnostics(document);
    if (todo.size > 0) this.lensesChanged.fire();
    this.settled.fire();
  }

  private updateDiagnostics(document: vscode.TextDocument): void {
    if (!this.settings.editor.diagnostics) {
      this.diagnostics.delete(document.uri);
      return;
    }
    const diagnostics: vscode.Diagnostic[] = [];
    for (const site of this.sitesOf(document)) {
      const facts = this.knownFacts(site);
      if (!facts || site.builds) continue;
      const range = new vscode.Range(document.positionAt(site.start), document.positionAt(site.end));
      // A tag the file does not write (a chart's appVersion) may be printed otherwise by the templates: the hover says so.
      if (facts.state === 'missing' && !site.tagFrom) {
        const diagnostic = new vscode.Diagnostic(range, facts.message, vscode.DiagnosticSeverity.Warning);
        diagnostic.source = DIAGNOSTIC_SOURCE;
        diagnostic.code = 'missing';
        diagnostics.push(diagnostic);
      } else if (facts.state === 'unavailable') {
        const diagnostic = new vscode.Diagnostic(range, facts.message, vscode.DiagnosticSeverity.Information);
        diagnostic.source = DIAGNOSTIC_SOURCE;
        diagnostic.code = facts.fix ? `${facts.fix} ${facts.host}` : facts.code;
        diagnostics.push(diagnostic);
      }
    }
    this.diagnostics.set(document.uri, diagnostics);
  }

  // ---------------------------------------------------------------------------------------------
  // Commands

  /** A lens's edit: the digest a tag points at now, or a newer tag; refused when the text changed. Returns the new text. */
  async editReference(edit: ReferenceEdit): Promise<string | undefined> {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(edit.uri));
    const site = this.sitesOf(document).find(
      (s) => s.start === edit.start && s.written === edit.written && (edit.action === 'range' ? s.versionRange : s.literal),
    );
    if (!site) throw new Error(`${edit.written} has changed since the lens was shown: nothing was edited.`);
    if (edit.action === 'range') return this.editRange(document, site, edit);
    const { registry: host, repository, tag, digest } = site.parsed;
    const answers = this.services.registry.answers;
    const name = nameOf(site.written);
    const digestOf = async (pointer: string): Promise<string> => {
      const found = await answers.descriptor(host, repository, pointer, { asker: 'person' });
      return found!.digest;
    };
    if (site.part !== undefined) return this.editTagWrittenAlone(document, site, edit, digestOf);
    let replacement: string;
    if (edit.action === 'newer') {
      if (!edit.tag) return undefined;
      this.services.core.validateTag(edit.tag);
      replacement = `${name}:${edit.tag}${digest !== undefined ? `@${await digestOf(edit.tag)}` : ''}`;
    } else {
      const pointer = tag ?? 'latest';
      replacement = `${site.written.split('@')[0]}@${await digestOf(pointer)}`;
    }
    if (digest !== undefined && edit.action !== 'newer' && replacement === site.written) return replacement;
    const workspaceEdit = new vscode.WorkspaceEdit();
    workspaceEdit.replace(document.uri, new vscode.Range(document.positionAt(site.start), document.positionAt(site.end)), replacement);
    if (!(await vscode.workspace.applyEdit(workspaceEdit))) throw new Error(`VS Code did not apply the edit of ${site.written}.`);
    return replacement;
  }

  /** A range moved up (see provideCodeLenses): the new range, checked to be one, written in place of the old. */
  private async editRange(document: vscode.TextDocument, site: ReferenceSite, edit: ReferenceEdit): Promise<string | undefined> {
    if (!edit.tag || !parseVersionRange(edit.tag)) return undefined;
    const workspaceEdit = new vscode.WorkspaceEdit();
    workspaceEdit.replace(document.uri, new vscode.Range(document.positionAt(site.start), document.positionAt(site.end)), edit.tag);
    if (!(await vscode.workspace.applyEdit(workspaceEdit))) throw new Error(`VS Code did not apply the edit of ${site.written}.`);
    return edit.tag;
  }

  /**
   * A lens's edit of a tag written on its own (see provideCodeLenses): the tag moved, and the digest
   * written where the file keeps it (pinned, updated, or moved with the tag). Returns the reference
   * as the file now composes it.
   */
  private async editTagWrittenAlone(
    document: vscode.TextDocument,
    site: ReferenceSite,
    edit: ReferenceEdit,
    digestOf: (pointer: string) => Promise<string>,
  ): Promise<string | undefined> {
    const { tag, digest } = site.parsed;
    const slot = site.digestSlot;
    if (site.part !== 'tag' || tag === undefined) return undefined;
    const range = (start: number, end: number) => new vscode.Range(document.positionAt(start), document.positionAt(end));
    const edits: { start: number; end: number; text: string }[] = [];
    let newTag = tag;
    let newDigest = digest;
    if (edit.action === 'newer') {
      if (!edit.tag || (digest !== undefined && !slot)) return undefined;
      this.services.core.validateTag(edit.tag);
      newTag = edit.tag;
      edits.push({ start: site.start, end: site.end, text: newTag });
      if (digest !== undefined) newDigest = await digestOf(newTag);
    } else {
      if (!slot) return undefined;
      newDigest = await digestOf(tag);
      if (newDigest === digest) return site.reference;
    }
    if (slot && newDigest !== undefined && newDigest !== digest) {
      const written = slot.hexOnly ? newDigest.slice(newDigest.indexOf(':') + 1) : newDigest;
      edits.push({ start: slot.start, end: slot.end, text: `${slot.before}${written}` });
    }
    // One replacement from the first edit to the last, so a new `digest:` line right after the tag
    // cannot be put before it.
    edits.sort((a, b) => a.start - b.start);
    let replacement = '';
    let from = edits[0]!.start;
    for (const each of edits) {
      replacement += document.getText(range(from, each.start)) + each.text;
      from = each.end;
    }
    const workspaceEdit = new vscode.WorkspaceEdit();
    workspaceEdit.replace(document.uri, range(edits[0]!.start, from), replacement);
    if (!(await vscode.workspace.applyEdit(workspaceEdit))) throw new Error(`VS Code did not apply the edit of ${site.reference}.`);
    return `${nameOf(site.reference)}:${newTag}${newDigest !== undefined ? `@${newDigest}` : ''}`;
  }

  /** Marks a host insecure from a diagnostic's quick fix; the session and answers start again with the new setting. */
  async markInsecure(args: { host?: unknown } | undefined): Promise<boolean> {
    if (typeof args?.host !== 'string' || args.host === '') return false;
    await addInsecureRegistry(args.host);
    return true;
  }

  dispose(): void {
    // A lookup still running finds its generation gone and draws nothing.
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

/** `registry/repository` of a written reference: the tag and digest cut off. */
function nameOf(written: string): string {
  const withoutDigest = written.split('@')[0]!;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

function isCancelled(err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === 'CANCELLED';
}

/** An AbortSignal that follows a cancellation token. */
function abortOn(token: vscode.CancellationToken): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  const subscription = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => subscription.dispose() };
}
