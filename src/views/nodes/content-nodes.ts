/**
 * What is under a tag: an index's platforms, an image's config and layers, an artifact's files,
 * and a "Referrers" folder (signatures, SBOMs, attestations). A tag's row asks for its digest by
 * HEAD only once VS Code draws it (see rows-on-screen.ts), a few at a time; manifests are fetched
 * by digest, through the content cache, when a node is expanded.
 */
import * as vscode from 'vscode';
import { core } from '../../common/core-loader';
import type { Descriptor, DigestTagKind, ParsedManifest, Repository } from '../../core/index';
import { exactBytes, formatBytes } from '../../shared/format';
import { formatCreated } from '../tag-order';
import { CONTEXT, withWebPages, type BlobRole, type ManifestRole } from './context-values';
import { MessageNode, type ExplorerNode, type RepositoryPlace, type TreeContext } from './node-base';

/** A node that stands for one manifest in one repository: what the content commands act on. */
export interface ManifestHandle {
  readonly repository: Repository;
  /** `host/repo:tag` or `host/repo@digest`. */
  readonly reference: string;
  /** The tag, when the node is a tag. */
  readonly tag?: string;
  /** The manifest's descriptor (resolving a tag when needed). */
  descriptor(): Promise<Descriptor>;
  /** The repository it is in. */
  readonly place: RepositoryPlace;
}

export function isManifestHandle(node: unknown): node is ManifestHandle & ExplorerNode {
  return node instanceof TagNode || node instanceof ManifestNode;
}

/** Shared by tags and manifests: fetch once per digest, then show the children. */
abstract class ManifestBackedNode implements ExplorerNode {
  protected parsed: ParsedManifest | undefined;
  protected failure: string | undefined;
  private loading: Promise<ParsedManifest> | undefined;

  constructor(
    readonly parent: ExplorerNode,
    readonly place: RepositoryPlace,
    protected readonly ctx: TreeContext,
  ) {}

  abstract treeItem(): vscode.TreeItem;
  protected abstract fetch(): Promise<ParsedManifest>;

  get repository(): Repository {
    return this.ctx.repository(this.place.client, this.place.name);
  }

  protected load(): Promise<ParsedManifest> {
    this.loading ??= this.fetch().then(
      (parsed) => {
        this.parsed = parsed;
        return parsed;
      },
      (err: unknown) => {
        this.loading = undefined;
        this.failure = this.ctx.describe(err, `reading ${this.describeSelf()}`);
        this.ctx.registryFailed(this.place.host, err);
        throw err;
      },
    );
    return this.loading;
  }

  protected abstract describeSelf(): string;

  async children(): Promise<ExplorerNode[]> {
    const summarized = this.parsed !== undefined;
    try {
      const parsed = await this.load();
      // The row was drawn from its HEAD (no size, platforms or artifact type): redraw it once, so
      // what the manifest says shows on the row itself (the tree waits until the window has these
      // children, see row-redraws.ts).
      if (!summarized) this.ctx.changed(this);
      return manifestChildren(this, parsed, this.ctx);
    } catch {
      return [new MessageNode(this, this.failure ?? 'The manifest could not be read.', 'error')];
    }
  }

  /** One line that sums a manifest up: platforms, size, or the kind of artifact. */
  protected summary(): string | undefined {
    const parsed = this.parsed;
    if (!parsed) return undefined;
    const { shortDigest, imageSize, kindName } = core();
    const short = shortDigest(parsed.descriptor.digest);
    if (parsed.kind === 'index') {
      const platforms = parsed.index.manifests.filter((m) => !core().isAttestationEntry(m)).length;
      return `${short} · ${platforms} platform${platforms === 1 ? '' : 's'}`;
    }
    const artifact = parsed.descriptor.artifactType ? ` · ${kindName(parsed.mediaType, parsed.descriptor.artifactType)}` : '';
    return `${short} · ${formatBytes(imageSize(parsed.manifest, parsed.bytes.length))}${artifact}`;
  }

  /** `fromHead`: only the HEAD's answer is known (the manifest's media type and size, not what it holds). */
  protected tooltipFor(title: string, descriptor: Descriptor | undefined, fromHead = false): vscode.MarkdownString {
    const md = new vscode.MarkdownString();
    md.appendMarkdown('**').appendText(title).appendMarkdown('**');
    if (descriptor) appendDescriptor(md, descriptor, fromHead);
    return md;
  }
}

export class TagNode extends ManifestBackedNode implements ManifestHandle {
  /** What the tag points at, from a HEAD request (no manifest body: Docker Hub does not count it as a pull). */
  private resolved: Descriptor | undefined;
  private resolving: Promise<Descriptor> | undefined;
  /** The row's URI, asked about by VS Code only when it draws the row (see rows-on-screen.ts). */
  private rowUri: vscode.Uri | undefined;
  /** When the image was created (ms), once fetched for the `created` order and known. */
  createdTime: number | undefined;
  private creating: Promise<void> | undefined;

  constructor(
    parent: ExplorerNode,
    place: RepositoryPlace,
    readonly tag: string,
    ctx: TreeContext,
  ) {
    super(parent, place, ctx);
  }

  get reference(): string {
    return `${this.place.reference}:${this.tag}`;
  }

  /** The tag's descriptor by HEAD (asked once; a failure is asked again next time). */
  descriptor(): Promise<Descriptor> {
    if (this.resolved) return Promise.resolve(this.resolved);
    this.resolving ??= (async () => {
      this.ctx.countRequests(this.place.host, this.place.name);
      return this.repository.resolve(this.tag);
    })().then(
      (descriptor) => {
        this.resolved = descriptor;
        // Another tag, the inspector or an earlier expansion may have read this manifest already.
        this.parsed ??= this.ctx.content.peekManifest(descriptor.digest);
        return descriptor;
      },
      (err: unknown) => {
        this.resolving = undefined;
        this.failure = this.ctx.describe(err, `reading ${this.describeSelf()}`);
        this.ctx.registryFailed(this.place.host, err);
        throw err;
      },
    );
    return this.resolving;
  }

  /** Expanding: the manifest by digest, through the content cache (the row's HEAD gave the digest). */
  protected async fetch(): Promise<ParsedManifest> {
    const { digest } = await this.descriptor();
    this.ctx.countRequests(this.place.host, this.place.name);
    return this.ctx.content.manifest(this.repository, digest);
  }

  protected describeSelf(): string {
    return `tag ${this.reference}`;
  }

  /** Whether the creation date was asked for (it may still be unknown after). */
  get createdRequested(): boolean {
    return this.creating !== undefined;
  }

  /** Fetches the creation date once, in the tree's background queue; never throws. */
  loadCreated(): Promise<void> {
    this.creating ??= this.ctx.lazy(async () => {
      try {
        this.createdTime = await this.ctx.createdTime(this.repository, await this.load());
      } catch (err) {
        this.ctx.describe(err, `reading when ${this.reference} was created`);
      }
    });
    return this.creating;
  }

  /** The row is on screen: its digest is asked for (a HEAD), a few rows at a time. */
  private rowShown(): void {
    if (this.resolved || this.resolving || this.failure) return;
    void this.ctx
      .lazy(() => this.descriptor())
      .then(
        () => this.ctx.changed(this),
        () => this.ctx.changed(this),
      );
  }

  /** Forgets the row's watch (its listing was refreshed and this node is dropped). */
  dispose(): void {
    if (this.rowUri) this.ctx.rows.forget(this.rowUri);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.tag, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `tag:${this.place.registryId}/${this.place.name}:${this.tag}`;
    item.resourceUri = this.rowUri ??= this.ctx.rows.watch(item.id, () => {
      this.ctx.drawn(this);
      this.rowShown();
    });
    // Tags named after another manifest's digest hold its referrers (registries without the
    // referrers API) or cosign's signature, attestations or SBOM: said so, with whose they are.
    const named = core().digestTagOf(this.tag);
    item.iconPath = new vscode.ThemeIcon(named ? core().digestTagIcon(named.kind) : 'tag');
    const mediaType = this.parsed?.mediaType ?? this.resolved?.mediaType;
    item.contextValue = withWebPages(
      mediaType && core().manifestKindOf(mediaType) === 'index' ? CONTEXT.tagIndex : CONTEXT.tagImage,
      this.place.webPages,
    );
    const summary = named
      ? `${DIGEST_TAG_WORDS[named.kind]} of ${core().shortDigest(named.subject)}`
      : (this.summary() ?? (this.resolved ? resolvedSummary(this.resolved) : this.failure ? 'unreadable' : undefined));
    const created = this.createdTime !== undefined ? formatCreated(this.createdTime) : undefined;
    item.description = [summary, created].filter((p) => p).join(' · ') || undefined;
    item.tooltip = this.tooltipFor(this.reference, this.parsed?.descriptor ?? this.resolved, this.parsed === undefined);
    if (this.createdTime !== undefined) item.tooltip.appendMarkdown('\n\nCreated: ').appendText(new Date(this.createdTime).toISOString());
    return item;
  }
}

/** What a tag named after a digest holds, in words, for its row's description. */
const DIGEST_TAG_WORDS: Record<DigestTagKind, string> = {
  referrers: 'referrers index',
  signature: 'cosign signature',
  attestations: 'cosign attestations',
  sbom: 'cosign SBOM',
};

/** What a HEAD tells about a tag: its short digest, and whether it is an index (more on expanding it). */
function resolvedSummary(descriptor: Descriptor): string {
  const { manifestKindOf, shortDigest } = core();
  const short = shortDigest(descriptor.digest);
  return manifestKindOf(descriptor.mediaType) === 'index' ? `${short} · index` : short;
}

/** A manifest reached through an index (a platform) or a subject (a referrer). */
export class ManifestNode extends ManifestBackedNode implements ManifestHandle {
  constructor(
    parent: ExplorerNode,
    place: RepositoryPlace,
    readonly entry: Descriptor,
    private readonly role: ManifestRole,
    ctx: TreeContext,
    /** What it is when its descriptor cannot say (cosign's tag attachments, found by name). */
    private readonly attachment?: { name: string; kind: DigestTagKind },
  ) {
    super(parent, place, ctx);
  }

  get reference(): string {
    return `${this.place.reference}@${this.entry.digest}`;
  }

  async descriptor(): Promise<Descriptor> {
    return this.entry;
  }

  protected fetch(): Promise<ParsedManifest> {
    this.ctx.countRequests(this.place.host, this.place.name);
    return this.ctx.content.manifest(this.repository, this.entry.digest);
  }

  protected describeSelf(): string {
    return `manifest ${this.reference}`;
  }

  private label(): string {
    const { formatPlatform, kindName } = core();
    if (this.attachment !== undefined) return this.attachment.name;
    if (this.role === 'platform') return formatPlatform(this.entry.platform);
    if (this.role === 'attestation')
      return `attestation (${this.entry.annotations?.['vnd.docker.reference.digest'] ? core().shortDigest(this.entry.annotations['vnd.docker.reference.digest']) : 'build'})`;
    const kind = kindName(this.entry.mediaType, this.entry.artifactType);
    // A referrer says what it claims when its annotations do: "Sigstore bundle: SLSA provenance v1".
    const claim = this.role === 'referrer' ? core().claimOf(this.entry.annotations) : undefined;
    return claim === undefined ? kind : `${kind}: ${claim}`;
  }

  treeItem(): vscode.TreeItem {
    const { kindIcon, shortDigest } = core();
    const item = new vscode.TreeItem(this.label(), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `manifest:${idOf(this.parent)}/${this.entry.digest}`;
    const icon =
      this.role === 'platform'
        ? 'vm'
        : this.role === 'attestation'
          ? 'law'
          : this.attachment
            ? core().digestTagIcon(this.attachment.kind)
            : kindIcon(this.entry.mediaType, this.entry.artifactType);
    item.iconPath = new vscode.ThemeIcon(icon);
    item.contextValue = CONTEXT.manifest[this.role];
    item.description = `${shortDigest(this.entry.digest)} · ${formatBytes(this.entry.size)}`;
    item.tooltip = this.tooltipFor(this.label(), this.entry);
    return item;
  }
}

/** A config or a layer (or an artifact's file): a leaf with its digest, type and size. */
export class BlobNode implements ExplorerNode {
  constructor(
    readonly parent: ExplorerNode,
    readonly place: RepositoryPlace,
    readonly descriptor: Descriptor,
    readonly role: BlobRole,
    private readonly index: number,
    private readonly ctx: TreeContext,
  ) {}

  get repository(): Repository {
    return this.ctx.repository(this.place.client, this.place.name);
  }

  get reference(): string {
    return `${this.place.reference}@${this.descriptor.digest}`;
  }

  treeItem(): vscode.TreeItem {
    const { kindName, titleOf } = core();
    const label =
      this.role === 'config'
        ? 'config'
        : this.role === 'file'
          ? (titleOf(this.descriptor) ?? core().claimOf(this.descriptor.annotations) ?? `file ${this.index + 1}`)
          : `layer ${this.index + 1}`;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = `blob:${idOf(this.parent)}/${this.role}/${this.index}/${this.descriptor.digest}`;
    item.iconPath = new vscode.ThemeIcon(this.role === 'config' ? 'settings-gear' : this.role === 'file' ? 'file' : 'archive');
    item.contextValue = CONTEXT.blob[this.role];
    item.description = `${formatBytes(this.descriptor.size)} · ${kindName(this.descriptor.mediaType)}`;
    const md = new vscode.MarkdownString().appendMarkdown('**').appendText(label).appendMarkdown('**');
    appendDescriptor(md, this.descriptor);
    item.tooltip = md;
    if (this.role === 'config' && /json/.test(this.descriptor.mediaType)) {
      item.command = { command: 'registryExplorer.openJson', title: 'Open as JSON', arguments: [this] };
    }
    return item;
  }
}

/** The manifests whose `subject` is this one: signatures, SBOMs, attestations. */
export class ReferrersNode implements ExplorerNode {
  constructor(
    readonly parent: ExplorerNode,
    private readonly place: RepositoryPlace,
    private readonly subject: string,
    private readonly ctx: TreeContext,
  ) {}

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Referrers', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `referrers:${idOf(this.parent)}/${this.subject}`;
    item.iconPath = new vscode.ThemeIcon('references');
    item.contextValue = CONTEXT.referrers;
    item.tooltip = 'Signatures, SBOMs and attestations that refer to this manifest';
    return item;
  }

  async children(): Promise<ExplorerNode[]> {
    try {
      const repository = this.ctx.repository(this.place.client, this.place.name);
      // OCI referrers, and what cosign keeps under tags named after the digest (most signed images' way).
      const { referrers, cut, attachments, attachmentsFailure } = await core().referrersAndAttachments(repository, this.subject);
      // A failure to read cosign's tags is said on its own row: it does not hide the referrers.
      const failure =
        attachmentsFailure === undefined
          ? undefined
          : new MessageNode(this, this.ctx.describe(attachmentsFailure, `reading cosign's tags of ${this.subject}`), 'error');
      if (referrers.length === 0 && attachments.length === 0 && !failure) return [new MessageNode(this, 'No referrers.')];
      const nodes: ExplorerNode[] = referrers.map((d) => new ManifestNode(this, this.place, d, 'referrer', this.ctx));
      for (const attachment of attachments)
        nodes.push(new ManifestNode(this, this.place, attachment.descriptor, 'referrer', this.ctx, attachment));
      if (failure) nodes.push(failure);
      if (cut) nodes.push(new MessageNode(this, `Only the first ${referrers.length} referrers are shown: the registry lists more.`));
      return nodes;
    } catch (err) {
      const message = this.ctx.describe(err, `listing referrers of ${this.subject}`);
      this.ctx.registryFailed(this.place.host, err);
      return [new MessageNode(this, message, 'error')];
    }
  }
}

function manifestChildren(
  node: ExplorerNode & { readonly place: RepositoryPlace },
  parsed: ParsedManifest,
  ctx: TreeContext,
): ExplorerNode[] {
  const { isAttestationEntry, isFileManifest, isLayerMediaType, titleOf } = core();
  const nodes: ExplorerNode[] = [];
  if (parsed.kind === 'index') {
    for (const entry of parsed.index.manifests) {
      const role = isAttestationEntry(entry) ? 'attestation' : entry.platform ? 'platform' : 'child';
      nodes.push(new ManifestNode(node, node.place, entry, role, ctx));
    }
  } else {
    // An artifact, or a manifest of files without a tar layer (BuildKit's attestation manifests).
    const artifact = isFileManifest(parsed);
    nodes.push(new BlobNode(node, node.place, parsed.manifest.config, 'config', 0, ctx));
    parsed.manifest.layers.forEach((layer, i) => {
      const isFile = artifact && (titleOf(layer) !== undefined || !isLayerMediaType(layer.mediaType));
      nodes.push(new BlobNode(node, node.place, layer, isFile ? 'file' : 'layer', i, ctx));
    });
  }
  nodes.push(new ReferrersNode(node, node.place, parsed.descriptor.digest, ctx));
  return nodes;
}

function appendDescriptor(md: vscode.MarkdownString, d: Descriptor, fromHead = false): void {
  const { kindName } = core();
  // A HEAD names the manifest's media type only: an OCI manifest may be an image or an artifact.
  if (!fromHead) md.appendMarkdown('\n\n').appendText(kindName(d.mediaType, d.artifactType));
  // Registry-controlled text goes through appendText (escaped), never inside Markdown code spans.
  md.appendMarkdown('\n\nDigest: ').appendText(d.digest);
  md.appendMarkdown('\n\nMedia type: ').appendText(d.mediaType);
  if (d.artifactType) md.appendMarkdown('\n\nArtifact type: ').appendText(d.artifactType);
  const exact = exactBytes(d.size);
  md.appendMarkdown(core().manifestKindOf(d.mediaType) ? '\n\nManifest size: ' : '\n\nSize: ').appendText(
    exact ? `${formatBytes(d.size)} (${exact})` : formatBytes(d.size),
  );
}

function idOf(node: ExplorerNode): string {
  const id = node.treeItem().id;
  return id ?? 'node';
}
