import { chromium, type Browser, type Page } from 'playwright-core';

export interface Workbench {
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/** Debian's Chromium, headless, with the flags this closed network needs (no background calls home). */
export async function openWorkbench(): Promise<Workbench> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  return { browser, page, close: () => browser.close().catch(() => undefined) };
}
