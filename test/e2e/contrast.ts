// Readable text in the webviews, measured as drawn: the WCAG contrast of each piece of text against
// the page behind it, in the theme the workbench shows, and picking VS Code's default themes from
// the palette as a person does.
import { strict as assert } from 'node:assert';
import type { Frame, Page } from 'playwright-core';
import { runCommand, shoot } from './ui';

/** One element's own text and how it reads against what is behind it. */
export interface TextContrast {
  /** The element, as tag.class, and the start of its text: for the log. */
  element: string;
  text: string;
  ratio: number;
  /** WCAG AA: 4.5:1 for text, 3:1 for large text (24 px, or 18.66 px bold). */
  required: number;
  /** The text's and the page's colours as drawn. */
  colours: string;
}

/**
 * The contrast of every visible element matching `selector` that holds text of its own (not only
 * its children's); disabled controls are left out, as WCAG leaves them. The text's colour is laid
 * over the page with its alpha and the opacity of it and its ancestors; the page is the first
 * opaque background above it, with any translucent ones between laid over it.
 */
export async function textContrasts(frame: Frame, selector = '*'): Promise<TextContrast[]> {
  return frame.evaluate((selector) => {
    const rgba = (css: string): number[] => (css.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = (rgb: number[]): number => {
      const [lr, lg, lb] = rgb.map((c) => {
        const v = c / 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * lr! + 0.7152 * lg! + 0.0722 * lb!;
    };
    const pageBehind = (from: Element): number[] => {
      const layers: number[][] = [];
      for (let e: Element | null = from; e; e = e.parentElement) {
        const colour = rgba(getComputedStyle(e).backgroundColor);
        if ((colour[3] ?? 1) > 0) layers.push(colour);
        if ((colour[3] ?? 1) >= 1) break;
      }
      let page = [255, 255, 255];
      for (const [r, g, b, a = 1] of layers.reverse()) page = [r!, g!, b!].map((v, i) => v * a + page[i]! * (1 - a));
      return page;
    };
    const measured: TextContrast[] = [];
    for (const element of Array.from(document.body.querySelectorAll(selector))) {
      const ownText = Array.from(element.childNodes).some(
        (node) => node.nodeType === Node.TEXT_NODE && (node.textContent ?? '').trim() !== '',
      );
      if (!ownText || element.getClientRects().length === 0 || (element as HTMLButtonElement).disabled) continue;
      const style = getComputedStyle(element);
      if (style.visibility === 'hidden') continue;
      let opacity = 1;
      for (let e: Element | null = element; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
      const page = pageBehind(element);
      const [r, g, b, a = 1] = rgba(style.color);
      const text = [r!, g!, b!].map((v, i) => v * a * opacity + page[i]! * (1 - a * opacity));
      const [hi, lo] = [luminance(text), luminance(page)].sort((x, y) => y - x);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      measured.push({
        element: `${element.tagName.toLowerCase()}${element.classList.length ? `.${Array.from(element.classList).join('.')}` : ''}`,
        text: (element.textContent ?? '').trim().slice(0, 40),
        ratio: (hi! + 0.05) / (lo! + 0.05),
        required: large ? 3 : 4.5,
        colours: `${style.color} on rgb(${page.map(Math.round).join(', ')})`,
      });
    }
    return measured;
  }, selector);
}

/**
 * VS Code's built-in themes the checks pick, by the name the palette shows, with the id a webview's
 * body carries in `data-vscode-theme-id`: waiting for the id, not the body's light or dark class,
 * tells two light themes apart.
 */
const THEMES = {
  'Light 2026': 'Light 2026',
  'Dark 2026': 'Dark 2026',
  'Light Modern': 'Light Modern',
  'Dark Modern': 'Dark Modern',
  'Dark High Contrast': 'Default High Contrast',
} as const;
type ThemeName = keyof typeof THEMES;

/** The default themes every page is read in: this VS Code's own (2026) and the ones before them (Modern). */
const READ_IN: readonly ThemeName[] = ['Dark 2026', 'Light 2026', 'Dark Modern', 'Light Modern'];
/** The theme each page is shot in: the workbench's default light theme. */
const SHOT_IN: ThemeName = 'Light 2026';

/** Picks a colour theme from the palette by its name, as a person does. */
export async function chooseColorTheme(page: Page, theme: ThemeName): Promise<void> {
  const input = await runCommand(page, 'Preferences: Color Theme');
  await input.fill(theme);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: theme }).first().waitFor({ timeout: 30_000 });
  await input.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 10_000 });
}

/** Picks `theme` and waits until the webview `frame` is drawn in it. */
export async function showIn(page: Page, frame: Frame, theme: ThemeName): Promise<void> {
  await chooseColorTheme(page, theme);
  await frame.waitForFunction((id) => document.body.dataset['vscodeThemeId'] === id, THEMES[theme], { timeout: 30_000 });
}

/** The theme the webview `frame` is drawn in, by its palette name; one the checks do not know is an error. */
async function themeOf(frame: Frame): Promise<ThemeName> {
  const id = await frame.evaluate(() => document.body.dataset['vscodeThemeId'] ?? '');
  const name = (Object.keys(THEMES) as ThemeName[]).find((theme) => THEMES[theme] === id);
  assert.ok(name, `the webview names a theme the checks know (it says "${id}")`);
  return name;
}

/** The texts on the page that do not reach WCAG AA in the theme shown, as log lines. */
export async function unreadableTexts(frame: Frame, theme: string): Promise<string[]> {
  return (await textContrasts(frame)).filter((t) => t.ratio < t.required).map((t) => contrastLine(theme, t));
}

const contrastLine = (theme: string, t: TextContrast): string => `${theme} ${t.element} "${t.text}" ${t.ratio.toFixed(2)}:1 (${t.colours})`;

/**
 * Picks each of VS Code's default themes in turn (its 2026 ones and the Modern ones before them),
 * and in each requires every text on the webview's page to read against what is behind it
 * (WCAG AA), logging the figures of the `featured` elements (the badges a change is about) when
 * given; shoots the page in the default light theme, then picks again, by name, the theme the path
 * began in (the full run's later paths run in Dark High Contrast, which the inspector path picks).
 */
export async function assertReadableInThemes(
  page: Page,
  frame: Frame,
  shot: { screenshots: string; name: string },
  featured?: { selector: string; what: string },
): Promise<void> {
  const before = await themeOf(frame);
  const figures: string[] = [];
  const unreadable: string[] = [];
  for (const theme of READ_IN) {
    await showIn(page, frame, theme);
    if (featured) {
      const shown = await textContrasts(frame, featured.selector);
      assert.ok(shown.length > 0, `the page shows a ${featured.what}`);
      figures.push(...shown.map((t) => contrastLine(theme, t)));
    }
    unreadable.push(...(await unreadableTexts(frame, theme)));
    if (theme === SHOT_IN) await shoot(page, shot.screenshots, shot.name);
  }
  if (featured) console.log(`[e2e] ${featured.what} contrast: ${figures.join('; ')}`);
  assert.deepEqual(unreadable, [], `every text on the page reads against what is behind it (WCAG AA): ${shot.name}`);
  await showIn(page, frame, before);
}
