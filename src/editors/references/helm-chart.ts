/**
 * What a Helm chart's `Chart.yaml` says. For its values files: the `appVersion` its templates
 * print as an image's tag when the values leave the tag empty (`helm create` writes
 * `{{ .Values.image.tag | default .Chart.AppVersion }}`, and most charts follow it), and the keys
 * under which its dependencies take their values (each one's `alias`, else its `name`), whose
 * images default to their own chart's appVersion, not this one's. For the editor: the
 * dependencies pulled from an OCI registry (`repository: oci://host/path`), which Helm pulls as
 * `host/path/name:version`, a version's `+` written `_` in the tag (a tag cannot hold `+`). An
 * exact version names a tag; a range (`15.x.x`, `~1.2.0`, as Helm's guide advises) is resolved
 * by Helm against the repository's tags, its highest match pulled: such a site carries the range
 * (see shared/version-range.ts). Pure: text in, facts and sites out.
 */
import { partSiteFrom, rangeSiteFrom, type WrittenPart } from './site';
import type { ReferenceSite, SiteContext } from './types';
import { isMap, isSeq, mapGet, parseYaml, scalarSpan, scalarText, type YamlDocument, uniqueSites } from './yaml-nodes';

export interface ChartFacts {
  /** As Helm reads it: a string field, so an unquoted `1.20` is the number's text, `1.2`. */
  appVersion?: string;
  /** What the chart's templates print before the appVersion in an image's tag (see {@link appVersionTagPrefix}). */
  tagPrefix?: string;
  /**
   * The values keys of the images whose tag the templates print it before (`image`,
   * `controller.image`; see {@link appVersionTagPrefixImages}); absent when they do not say, and
   * then every image's tag gets it.
   */
  tagPrefixImages?: readonly string[];
  /** The top-level keys of the values that belong to a dependency. */
  subcharts: readonly string[];
}

/** The facts of a Chart.yaml's text; a file that does not parse says nothing. */
export function readChartFacts(text: string): ChartFacts {
  const doc = parseYaml(text)[0];
  if (!doc) return { subcharts: [] };
  const appVersion = scalarSpan(doc, mapGet(doc, doc.contents, 'appVersion'), 'as-parsed')?.value.trim();
  const dependencies = mapGet(doc, doc.contents, 'dependencies');
  const subcharts = isSeq(dependencies)
    ? dependencies.items.flatMap((item) => {
        const key = (scalarText(doc, mapGet(doc, item, 'alias')) || scalarText(doc, mapGet(doc, item, 'name')))?.trim();
        return key ? [key] : [];
      })
    : [];
  return { ...(appVersion ? { appVersion } : {}), subcharts };
}

/**
 * An image tag defaulted to the appVersion with a `v` before it, as some charts' templates print it
 * (external-dns, metrics-server): `printf "v%s" .Chart.AppVersion`, `print "v" .Chart.AppVersion`
 * or `v{{ .Chart.AppVersion }}`, on a line that speaks of an image or a tag (a label such as
 * `app.kubernetes.io/version: v{{ .Chart.AppVersion }}` is not the image's tag).
 */
const V_BEFORE_APP_VERSION =
  /printf\s*\(?\s*["']v%s["']\s*\.Chart\.AppVersion|print\s*\(?\s*["']v["']\s*\.Chart\.AppVersion|v\{\{-?\s*\.Chart\.AppVersion\b/;
const SPEAKS_OF_IMAGE = /image|tag/i;

/**
 * The tag a chart's templates make of its appVersion for the image under `image` in the values
 * (its key path): the prefix they print, unless it is there already or they print it for other
 * images only.
 */
export function appVersionTag(chart: ChartFacts, image?: string): string | undefined {
  const { appVersion, tagPrefix, tagPrefixImages } = chart;
  const prefixed = tagPrefix && !(tagPrefixImages && image !== undefined && !tagPrefixImages.includes(image));
  return appVersion && prefixed && !appVersion.startsWith(tagPrefix) ? `${tagPrefix}${appVersion}` : appVersion;
}

/** `v` when the chart's templates print the appVersion in an image's tag with a `v` before it. */
export function appVersionTagPrefix(templates: readonly string[]): string | undefined {
  return prefixLines(templates).length > 0 ? 'v' : undefined;
}

/** The values of an image a template line names: `.Values.controller.image.tag` names `controller.image`. */
const IMAGE_VALUES = /\.Values\.((?:[A-Za-z_][\w-]*\.)*?[A-Za-z_][\w-]*)\.(?:tag|repository|registry|digest)\b/g;

/**
 * The values keys of the images whose tag the templates print the appVersion's `v` before, read
 * on the lines that print it (`.Values.image.tag | default (printf "v%s" .Chart.AppVersion)`
 * names `image`); `undefined` when a line that prints it names no image's values (a helper that
 * takes the image as a parameter), so that it may be any image's.
 */
export function appVersionTagPrefixImages(templates: readonly string[]): string[] | undefined {
  const images = new Set<string>();
  for (const line of prefixLines(templates)) {
    const named = [...line.matchAll(IMAGE_VALUES)].map((match) => match[1]!);
    if (named.length === 0) return undefined;
    for (const image of named) images.add(image);
  }
  return images.size > 0 ? [...images] : undefined;
}

/** The template lines that print the appVersion with a `v` before it in an image's tag. */
function prefixLines(templates: readonly string[]): string[] {
  return templates.flatMap((template) =>
    template.split('\n').filter((line) => V_BEFORE_APP_VERSION.test(line) && SPEAKS_OF_IMAGE.test(line)),
  );
}

export const OCI_SCHEME = 'oci://';
/** SemVer 2 (which Helm requires of a chart's version), exact: a range or a wildcard is no tag. */
const EXACT_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
/** The same with a `v` before it, as `helm pull --version` takes one as the tag itself (cert-manager's `v1.16.2`). */
const PULLED_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** The charts a Chart.yaml depends on from OCI registries, each at its version's text. */
export function findInChartYaml(docs: readonly YamlDocument[], text: string): ReferenceSite[] {
  const sites: (ReferenceSite | undefined)[] = [];
  for (const doc of docs.slice(0, 1)) {
    const dependencies = mapGet(doc, doc.contents, 'dependencies');
    if (!isSeq(dependencies)) continue;
    for (const dependency of dependencies.items)
      sites.push(
        ociChartSite(doc, text, dependency, {
          repository: scalarText(doc, mapGet(doc, dependency, 'repository')),
          context: 'dependencies',
        }),
      );
  }
  return uniqueSites(sites);
}

/**
 * A chart pulled from an OCI registry (`repository`: `oci://host/path`), named by a mapping's
 * `name:` at its `version:` (or the keys given), as Helm pulls it: placed on the version's text.
 * An exact version is the tag; a range is resolved against the tags as Helm's registry client
 * reads them (strict SemVer, `_` for `+`). Where the tool runs `helm pull --version` (Kustomize,
 * Argo CD), a version with a `v` before it is the tag as written too; a Chart.yaml dependency's
 * and a Flux chart's are checked against the tags, which have none (`pulled: false`).
 */
export function ociChartSite(
  doc: YamlDocument,
  text: string,
  entry: unknown,
  where: { repository: string | undefined; nameKey?: string; versionKey?: string; pulled?: boolean; context: SiteContext },
): ReferenceSite | undefined {
  if (!isMap(entry)) return undefined;
  return ociChartVersionSite({
    text,
    repository: where.repository,
    name: scalarText(doc, mapGet(doc, entry, where.nameKey ?? 'name')),
    version: scalarSpan(doc, mapGet(doc, entry, where.versionKey ?? 'version'), 'as-parsed'),
    ...(where.pulled ? { pulled: true } : {}),
    context: where.context,
  });
}

/** The site of chart `name` in `repository` (`oci://host/path`) at `version`, wherever the file writes them (see ociChartSite). */
export function ociChartVersionSite(input: {
  text: string;
  repository: string | undefined;
  name: string | undefined;
  version: WrittenPart | undefined;
  pulled?: boolean;
  context: SiteContext;
}): ReferenceSite | undefined {
  const { text, version, context } = input;
  const repository = input.repository?.trim();
  const name = input.name?.trim();
  if (!repository?.startsWith(OCI_SCHEME) || !name || !version) return undefined;
  const base = repository.slice(OCI_SCHEME.length).replace(/\/+$/, '');
  if (!(input.pulled ? PULLED_VERSION : EXACT_VERSION).test(version.value.trim()))
    return rangeSiteFrom({ text, name: `${base}/${name}`, range: version, reading: 'helm', context });
  // With a `+`, the tag differs from the text, so no lens writes a tag over it.
  const tag = { ...version, value: version.value.trim().replace('+', '_') };
  return partSiteFrom({ text, name: `${base}/${name}`, tag, context });
}
