/**
 * What the reference finders report: an image reference written in a file, where it is (offsets
 * into the text, end exclusive), what it resolves to once the file's own variables are substituted,
 * and what kind of line holds it. Pure data: the finders never import vscode or the registry core's
 * session, so they are unit-tested on plain text.
 */
import type { Reference } from '../../core/name/reference';
import type { ShortNameReading } from '../../core/name/short-names';
import type { TagReading } from '../../shared/version-range';

/** The kinds of files the finders read. */
export type FileKind =
  | 'dockerfile'
  | 'circleci'
  | 'image-keys'
  | 'azure-pipelines'
  | 'compose'
  | 'kubernetes'
  | 'devcontainer'
  | 'github-actions'
  | 'github-action'
  | 'gitlab-ci'
  | 'helm-values'
  | 'helm-chart'
  | 'kustomization'
  | 'quadlet'
  | 'ecs-task-definition'
  | 'cloud-build'
  | 'bake'
  | 'terraform'
  | 'terraform-vars'
  | 'nomad'
  | 'helmfile'
  | 'jenkinsfile';

/** What holds the reference: the instruction or key, as a person would name it. */
export type SiteContext =
  | 'syntax'
  | 'FROM'
  | 'COPY --from'
  | 'RUN --mount'
  | 'image'
  | 'container'
  | 'service'
  | 'model'
  | 'uses'
  | 'docker'
  | 'feature'
  | 'containers'
  | 'initContainers'
  | 'ephemeralContainers'
  | 'volumes'
  | 'package'
  | 'steps'
  | 'sidecars'
  | 'stepTemplate'
  | 'script'
  | 'dependencies'
  | 'helmCharts'
  | 'chart'
  | 'ref'
  | 'source'
  | 'images'
  | 'Image'
  | 'ImageUri'
  | 'ImageIdentifier'
  | 'contexts'
  | 'additional_contexts'
  | 'build-contexts'
  | 'storageUri';

/** Where a digest is written, or would be: `text.slice(start, end)` is replaced by `before` and the digest. */
export interface DigestSlot {
  start: number;
  end: number;
  before: string;
  /** Only the digest's hex goes there (a chart's `sha:`, printed after `@sha256:`). */
  hexOnly?: true;
}

export interface ReferenceSite {
  /** The reference as a registry is asked about it: variables substituted, as written otherwise. */
  reference: string;
  /** {@link reference} parsed (Docker Hub names normalised: `alpine` → `docker.io/library/alpine`). */
  parsed: Reference;
  /** Where the reference is written: `text.slice(start, end)` is {@link written}. */
  start: number;
  end: number;
  written: string;
  /**
   * Whether the written text is the reference itself (no variables, quotes or line breaks inside),
   * or for a {@link part}, that part itself: only then may a lens edit it in place. A short name
   * read through Podman's aliases ({@link shortName}) stays literal: the lenses edit the text
   * written, which the engine reads through the same alias.
   */
  literal: boolean;
  /**
   * Set when the written text is one part of the reference, the rest written under other keys
   * (Helm values' `repository:` and `tag:`, a Kustomization's `newName:` and `newTag:`): the tag,
   * which a lens may move to a newer one and completion offers the repository's tags for, or the
   * digest, which is only looked up.
   */
  part?: 'tag' | 'digest';
  /**
   * For a tag written on its own, where a lens writes its digest when it pins or updates it: the
   * range replaced and what goes before the digest (a space after a bare `digest:`, or a new
   * `digest:` line). Absent where the tool reads no digest from the file (a chart whose values
   * have no `digest:`, which its templates would not print).
   */
  digestSlot?: DigestSlot;
  /**
   * Set when the file does not write the tag: a chart's `appVersion` (in its Chart.yaml), which its
   * templates print when the values leave the tag empty. The site is then the text of the
   * repository, which is not the reference, so nothing edits it; and since a chart's templates may
   * print the version otherwise (with a `v` before it, say), a tag that does not exist is said in the
   * hover, not warned about.
   */
  tagFrom?: 'appVersion';
  /**
   * Set when the written text's variables were filled in with values written in other files,
   * which the tool may be given others for: the `.env` beside a Compose file (the shell's
   * variables come first), or what Terraform takes without `-var` options (the auto-loaded
   * `.tfvars` files, else the defaults). The hover says so.
   */
  filledIn?: 'compose-env' | 'terraform-values';
  /**
   * Set when a short name is read as Podman and Buildah read it (see short-names.ts): the name as
   * written, what it stands for, and the file that says so. `reference` is the name it stands for.
   */
  shortName?: ShortNameReading & { written: string };
  /**
   * Set when the file writes a version range where the tag goes (a chart dependency's `~1.2.0`, a
   * Flux source's `semver:`): the tool pulls the highest tag the range matches, each tag read as a
   * version the way {@link VersionRangeSite.reading} says. The reference then names the repository
   * alone, and which tag the range picks is a fact looked up (see `factsKey`). Nothing writes a tag
   * over the range.
   */
  versionRange?: VersionRangeSite;
  context: SiteContext;
  /** `FROM --platform=linux/arm64`: the platform the file asks for, when it is written out. */
  platform?: string;
  /** An image this file builds (Compose `image:` beside `build:`): it may not be in a registry yet. */
  builds?: boolean;
}

/** A version range written where a tag goes, as a site carries it (by value; parsed where it is used). */
export interface VersionRangeSite {
  /** The range as written (trimmed). */
  text: string;
  reading: TagReading;
  /**
   * A Go regular expression the tool matches each tag against before reading the range (Flux's
   * `semverFilter`), as written: only the tags it matches count. Set only when Go
   * reads it (see shared/go-regexp.ts).
   */
  tagFilter?: string;
}

/**
 * Where an image's repository is written on its own (a chart's `repository:`, a Kustomization's
 * `newName:`): completion offers a registry's repositories there.
 */
export interface NameField {
  /** `text.slice(start, end)` is the field's value (inside its quotes). */
  start: number;
  end: number;
  /** The registry written under a key of its own (`registry:`, or `global.imageRegistry` in its place): the field is then the repository alone. */
  registry?: string;
}

/** A finder: the references in one file's text. Never throws on malformed input; finds what it can. */
export type Finder = (text: string) => ReferenceSite[];
