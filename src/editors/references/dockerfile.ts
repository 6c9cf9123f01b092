/**
 * Image references in Dockerfiles and Containerfiles: `FROM [--platform=…] image [AS name]`,
 * `COPY --from=image`, `RUN --mount=…,from=image`, and the `# syntax=` parser directive (the
 * frontend image BuildKit builds the file with, which may be pinned like any other). Stage names and stage numbers are not images;
 * `ARG` defaults are substituted where the file gives them (global ARGs in FROM lines, the stage's
 * ARGs and ENVs after it), and a reference that still holds a variable is left alone.
 *
 * The instructions come from dockerfile-ast (the parser behind the Dockerfile language server):
 * line continuations, the escape directive, comments inside continued lines and heredocs are its
 * business, and it gives every argument its range.
 */
import { type Copy, DockerfileParser, type Flag, type From, type Run } from 'dockerfile-ast';
import { LineIndex } from './line-index';
import { siteFrom } from './site';
import type { ReferenceSite, SiteContext } from './types';
import type { VariableLookup } from './variables';

interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** Past this many instructions a Dockerfile is generated (or hostile): its variables are not resolved, and what they make is left alone. */
const MAX_RESOLVED_INSTRUCTIONS = 1000;

export function findInDockerfile(text: string): ReferenceSite[] {
  const dockerfile = DockerfileParser.parse(text);
  const lines = new LineIndex(text);
  const escape = dockerfile.getEscapeCharacter();
  // FROM may name a stage defined above it; COPY --from and RUN --mount any stage of the file.
  const stages = new Set<string>();
  const allStages = new Set(
    dockerfile
      .getFROMs()
      .map((f) => f.getBuildStage()?.toLowerCase())
      .filter((s): s is string => !!s),
  );
  const sites: ReferenceSite[] = [];
  // dockerfile-ast looks a variable up through every instruction before the line, so a file of
  // thousands of instructions made of variables took minutes; a real one has dozens.
  const instructions = dockerfile.getInstructions();
  const resolvable = instructions.length <= MAX_RESOLVED_INSTRUCTIONS;
  const lookupAt =
    (line: number): VariableLookup =>
    (name) =>
      resolvable ? (dockerfile.resolveVariable(name, line) ?? undefined) : undefined;
  /** A stage by name (any letter case) or by number is the build's own, not an image. */
  const isStage = (value: string, known: Set<string>): boolean => known.has(value.toLowerCase()) || /^\d+$/.test(value);
  const add = (value: string | null, range: LspRange | null, context: SiteContext, platform?: string): void => {
    if (!value || !range) return;
    const site = siteFrom({
      text,
      start: lines.offsetAt(range.start.line, range.start.character),
      end: lines.offsetAt(range.end.line, range.end.character),
      value,
      context,
      lookup: lookupAt(range.start.line),
      escape,
      ...(platform ? { platform } : {}),
    });
    // A stage may be named through a variable (`FROM build-${MODE}`): BuildKit expands the name
    // before it looks among the stages, so the expanded name decides too.
    if (site && !isStage(site.reference, context === 'FROM' ? stages : allStages)) sites.push(site);
  };

  // The `# syntax=` directive names the BuildKit frontend image the build runs the file with.
  // It takes no variables (BuildKit reads it before any ARG): one with a `$` is no image it pulls.
  // (Nor may dockerfile-ast be asked for a variable outside an instruction: it recurses until the
  // stack overflows.)
  for (const directive of dockerfile.getDirectives())
    if (directive.getName().toLowerCase() === 'syntax' && !directive.getValue().includes('$'))
      add(directive.getValue(), directive.getValueRange(), 'syntax');

  for (const instruction of instructions) {
    const keyword = instruction.getKeyword().toUpperCase();
    if (keyword === 'FROM') {
      const from = instruction as From;
      const image = from.getImage();
      if (image && !isStage(image, stages)) add(image, from.getImageRange(), 'FROM', literalPlatform(from.getPlatformFlag()));
      const stage = from.getBuildStage();
      if (stage) stages.add(stage.toLowerCase());
    } else if (keyword === 'COPY') {
      // Not getFromFlag(): dockerfile-ast returns it only when --from is COPY's one flag, and
      // `COPY --link --from=… ` or `--from=… --chown=…` are everyday forms.
      const flag = (instruction as Copy).getFlags().find((f) => f.getName() === 'from');
      const value = flag?.getValue();
      if (flag && value && !isStage(value, allStages)) add(value, flag.getValueRange(), 'COPY --from');
    } else if (keyword === 'RUN') {
      for (const flag of (instruction as Run).getFlags()) {
        if (flag.getName() !== 'mount') continue;
        const from = flag.getOptions().find((o) => o.getName() === 'from');
        const value = from?.getValue();
        if (from && value && !isStage(value, allStages)) add(value, from.getValueRange(), 'RUN --mount');
      }
    }
  }
  return sites;
}

/** `--platform=linux/arm64` as written; a platform given by a variable (`$BUILDPLATFORM`) is not known here. */
function literalPlatform(flag: Flag | null): string | undefined {
  const value = flag?.getValue();
  return value && !value.includes('$') ? value : undefined;
}
