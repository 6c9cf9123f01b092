/** A repository row: its tags, paged, filtered and ordered (natural, alphabetical or by creation date). */
import * as vscode from 'vscode';
import { core } from '../../common/core-loader';
import type { Repository, RepositoryDetails } from '../../core/index';
import { repositoryNote, repositoryTooltipLines } from '../provider-rows';
import { lastSegment } from '../repository-folders';
import { sortTags, sortTagsByCreated } from '../tag-order';
import { TagNode } from './content-nodes';
import { CONTEXT, withWebPages } from './context-values';
import type { ExplorerNode, RegistryPlace, RepositoryPlace, TreeContext } from './node-base';
import { PagedNode } from './paged-node';
import type { Page } from '../pager';

export class RepositoryNode extends PagedNode {
  protected readonly noun = 'tags';
  /** Batches of creation dates being fetched for the `created` order. */
  private datesLoading = 0;

  /** Where this repository is, by value: what its tags and manifests carry down. */
  readonly place: RepositoryPlace;
  /** What the registry's provider says of it (last push, visibility, description), when it lists it. */
  details: RepositoryDetails | undefined;

  constructor(
    parent: ExplorerNode,
    registry: RegistryPlace,
    readonly name: string,
    ctx: TreeContext,
    /** Under a folder the label is the last segment only (the folder says the rest). */
    private readonly underFolder = false,
  ) {
    super(parent, ctx);
    this.place = {
      registryId: registry.id,
      host: registry.host,
      client: registry.client,
      name,
      reference: `${registry.host}/${name}`,
      ...(registry.webPages ? { webPages: true } : {}),
    };
  }

  protected get host(): string {
    return this.place.host;
  }

  get id(): string {
    return `repository:${this.place.registryId}/${this.name}`;
  }

  get reference(): string {
    return this.place.reference;
  }

  treeItem(): vscode.TreeItem {
    // Under a folder, the folder already says the rest of the path.
    const label = this.underFolder ? lastSegment(this.name) : this.name;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('repo');
    item.contextValue = withWebPages(this.filter ? CONTEXT.repositoryFiltered : CONTEXT.repository, this.place.webPages);
    item.description =
      [this.filterNote(), this.countNote('tag'), this.datesLoading > 0 ? 'sorting by date…' : undefined, repositoryNote(this.details)]
        .filter((p) => p)
        .join(' · ') || undefined;
    const md = new vscode.MarkdownString().appendMarkdown('Repository ').appendText(this.reference);
    // The vendor's words are untrusted: appended as text, never as Markdown.
    for (const line of repositoryTooltipLines(this.details)) md.appendMarkdown('\n\n').appendText(line);
    if (this.filter) md.appendMarkdown('\n\nFilter: ').appendText(this.filter.text);
    item.tooltip = md;
    return item;
  }

  protected override get listingLabel(): string {
    return this.reference;
  }

  protected countRequests(): void {
    this.ctx.countRequests(this.place.host, this.name);
  }

  protected listing(): AsyncIterator<Page<string>> {
    return this.place.client.tagPages(this.name, { pageSize: this.ctx.pageSize() });
  }

  /**
   * The repository's own tags in the chosen order, then the tags named after a digest (referrers
   * indexes, cosign's signatures, attestations and SBOMs), which would otherwise sit among them.
   */
  protected override orderForDisplay(names: readonly string[]): readonly string[] {
    const { digestTagOf } = core();
    const own: string[] = [];
    const attached: string[] = [];
    for (const name of names) (digestTagOf(name) ? attached : own).push(name);
    const order = this.ctx.tagSortOrder();
    const sorted =
      order !== 'created'
        ? sortTags(own, order)
        : sortTagsByCreated(own, (tag) => (this.shownChild(tag) as TagNode | undefined)?.createdTime);
    return attached.length ? [...sorted, ...sortTags(attached, 'alphabetical')] : sorted;
  }

  protected override nodesFor(names: readonly string[]): ExplorerNode[] {
    const nodes = super.nodesFor(names);
    if (this.ctx.tagSortOrder() === 'created') this.fetchDates(nodes.filter((n): n is TagNode => n instanceof TagNode));
    return nodes;
  }

  /**
   * Creation dates for the tags on this page only (a few requests at a time through the tree's
   * background queue); when a batch is in, the node redraws once in date order.
   */
  private fetchDates(tags: TagNode[]): void {
    const missing = tags.filter((t) => !t.createdRequested);
    if (missing.length === 0) return;
    this.datesLoading++;
    void Promise.allSettled(missing.map((t) => t.loadCreated())).then(() => {
      this.datesLoading--;
      this.ctx.changed(this);
    });
  }

  protected childFor(tag: string): ExplorerNode {
    return new TagNode(this, this.place, tag, this.ctx);
  }

  /** The core's handle on this repository (manifests, blobs, tags, referrers). */
  get repository(): Repository {
    return this.ctx.repository(this.place.client, this.name);
  }
}
