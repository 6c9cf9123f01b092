/**
 * What a Helm chart's `Chart.yaml` says that its values files do not: the `appVersion` its
 * templates print as an image's tag when the values leave the tag empty (`helm create` writes
 * `{{ .Values.image.tag | default .Chart.AppVersion }}`, and most charts follow it), and the keys
 * under which its dependencies take their values (each one's `alias`, else its `name`), whose
 * images default to their own chart's appVersion, not this one's. Pure: text in, facts out.
 */
import { isSeq, mapGet, parseYaml, scalarSpan, scalarText } from './yaml-nodes';

export interface ChartFacts {
  /** As Helm reads it: a string field, so an unquoted `1.20` is the number's text, `1.2`. */
  appVersion?: string;
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
