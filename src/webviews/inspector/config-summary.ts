/**
 * An image config for people: what runs (entrypoint, cmd), as whom and where, its environment,
 * ports, volumes and labels. The config is registry data of any shape, so every field is checked
 * before it is used and every string is clipped.
 */
import type { ClippedText, ConfigSummary, Fact } from './protocol';
import { clip, httpUrl, isRecord, isStringArray } from './text';

/** Lists longer than this (env, labels, ports) are cut, with a last row saying how many were left out. */
export const MAX_LIST = 1000;

export function configSummary(config: unknown): ConfigSummary | undefined {
  if (!isRecord(config)) return undefined;
  const run = isRecord(config.config) ? config.config : {};
  const summary: ConfigSummary = {
    facts: configFacts(config, run),
    env: capped(
      isStringArray(run.Env) ? run.Env : [],
      (line) => envPair(line),
      (n) => ({ name: { text: `(${n} more)` }, value: { text: '' } }),
    ),
    ports: capped(
      isRecord(run.ExposedPorts) ? Object.keys(run.ExposedPorts) : [],
      (p) => clip(p, 256),
      (n) => ({ text: `(${n} more)` }),
    ),
    volumes: capped(
      isRecord(run.Volumes) ? Object.keys(run.Volumes) : [],
      (v) => clip(v),
      (n) => ({ text: `(${n} more)` }),
    ),
    labels: labelFacts(isRecord(run.Labels) ? run.Labels : {}),
  };
  if (isStringArray(run.Entrypoint) && run.Entrypoint.length) summary.entrypoint = clip(commandLine(run.Entrypoint));
  if (isStringArray(run.Cmd) && run.Cmd.length) summary.cmd = clip(commandLine(run.Cmd));
  return summary;
}

function configFacts(config: Record<string, unknown>, run: Record<string, unknown>): Fact[] {
  const facts: Fact[] = [];
  const add = (label: string, value: unknown): void => {
    if (typeof value === 'string' && value !== '') facts.push({ label, value: clip(value) });
  };
  const platform = [config.os, config.architecture, config.variant].filter((p): p is string => typeof p === 'string' && p !== '').join('/');
  add('Platform', platform);
  add('OS version', config['os.version']);
  add('Created', config.created);
  add('Author', config.author);
  add('User', run.User);
  add('Working directory', run.WorkingDir);
  add('Stop signal', run.StopSignal);
  if (isStringArray(run.Shell) && run.Shell.length) add('Shell', commandLine(run.Shell));
  if (isRecord(run.Healthcheck) && isStringArray(run.Healthcheck.Test)) add('Health check', commandLine(run.Healthcheck.Test));
  return facts;
}

/** Labels and annotations: key → value, with a link when the value is an http(s) URL. */
export function labelFacts(record: Record<string, unknown>): Fact[] {
  const pairs = Object.entries(record).filter((pair): pair is [string, string] => typeof pair[1] === 'string');
  return capped(
    pairs,
    ([key, value]) => {
      const fact: Fact = { label: clipLabel(key), value: clip(value) };
      const url = httpUrl(value);
      if (url) fact.url = url;
      return fact;
    },
    (n) => ({ label: `(${n} more)`, value: { text: '' } }),
  );
}

export function clipLabel(key: string): string {
  const clipped = clip(key, 256);
  return clipped.omitted ? `${clipped.text}…` : clipped.text;
}

function envPair(line: string): { name: ClippedText; value: ClippedText } {
  const eq = line.indexOf('=');
  return eq < 0 ? { name: clip(line, 256), value: { text: '' } } : { name: clip(line.slice(0, eq), 256), value: clip(line.slice(eq + 1)) };
}

/** Arguments as a shell would take them back: words with spaces or quotes are single-quoted. */
export function commandLine(args: readonly string[]): string {
  return args.map((arg) => (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function capped<T, R>(items: readonly T[], map: (item: T) => R, more: (left: number) => R): R[] {
  const shown = items.slice(0, MAX_LIST).map(map);
  if (items.length > MAX_LIST) shown.push(more(items.length - MAX_LIST));
  return shown;
}
