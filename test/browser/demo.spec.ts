/**
 * The browser demo (docs/demo/) end to end: bundled for the browser with the Node built-in guard,
 * served from one loopback origin, talking to an emulator on another (CORS), driven in headless
 * Chromium through playwright-core. The browser is CHROMIUM_PATH, else the system chromium, else
 * the one shipped in the npm package @sparticuz/chromium (test/helpers/chromium.ts), so `npm test`
 * needs nothing installed by hand. The bundle and type checks need no browser.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startEmulator, type Emulator } from 'runpod-rx/emulator';
import { bundleDemo, bundleForBrowser, isNodeBuiltin } from '../../scripts/browser-bundle';
import { serveStatic, type StaticServer } from '../../scripts/static-server';
import { CHROMIUM_ARGS, findChromium } from '../helpers/chromium';
import { ROOT, typeCheck } from '../helpers/type-check';

const API_KEY = 'browser-demo-key';

let outdir: string;
let emulator: Emulator | undefined;
let site: StaticServer | undefined;
let browser: Browser | undefined;
let bundledInputs: string[] = [];

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'runpod-rx-demo-'));
  const [emu, bundle] = await Promise.all([startEmulator({ apiKey: API_KEY }), bundleDemo(outdir)]);
  emulator = emu;
  bundledInputs = Object.keys(bundle.metafile.inputs);
  site = await serveStatic(outdir);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await emulator?.close();
  if (outdir !== undefined) rmSync(outdir, { recursive: true, force: true });
});

/** Opens the demo on a fresh page, wired to the emulator; page errors fail the test. */
async function openDemo(query: Record<string, string> = { baseUrl: emulator!.baseUrl, key: API_KEY }): Promise<{
  page: Page;
  pageErrors: string[];
}> {
  const page = await browser!.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${site!.url}/?${new URLSearchParams({ endpoint: 'browser-e2e', ...query }).toString()}`);
  await page.waitForSelector('body[data-phase]');
  return { page, pageErrors };
}

async function submit(page: Page, input: unknown): Promise<void> {
  await page.fill('#input', JSON.stringify(input));
  await page.click('#submit');
}

/** Polls the emulator until job `id` has `status`, or fails after `withinMs`. */
async function emulatorStatus(id: string, status: string, withinMs = 5_000): Promise<string | undefined> {
  const until = Date.now() + withinMs;
  let seen = emulator!.job(id)?.status;
  while (seen !== status && Date.now() < until) {
    await new Promise((done) => setTimeout(done, 50));
    seen = emulator!.job(id)?.status;
  }
  return seen;
}

describe('the browser demo (docs/demo)', () => {
  it('is a browser bundle: runpod-rx, rxjs, io-ts, fp-ts and the browser build of cross-fetch, no Node built-in', () => {
    const packages = new Set(
      bundledInputs.flatMap((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? []),
    );
    expect([...packages].sort()).toEqual(expect.arrayContaining(['cross-fetch', 'fp-ts', 'io-ts', 'rxjs']));
    expect(bundledInputs).toContain('node_modules/cross-fetch/dist/browser-ponyfill.js');
    expect(bundledInputs.filter((input) => /node-fetch|whatwg-url|tr46|webidl/.test(input))).toEqual([]);
    expect(bundledInputs.filter((input) => input.startsWith('src/emulator/') || input.startsWith('src/cli/'))).toEqual(
      [],
    );
    expect(bundledInputs.filter(isNodeBuiltin)).toEqual([]);
  });

  it('the bundle guard fails the build when a Node built-in would reach the browser', async () => {
    await expect(
      bundleForBrowser({
        entry: 'uses-emulator.ts',
        contents: "import { startEmulator } from 'runpod-rx/emulator';\nconsole.log(startEmulator);\n",
        outfile: join(outdir, 'never.js'),
        tsconfig: join(ROOT, 'tsconfig.json'),
      }),
    ).rejects.toThrow(/Node built-in "node:(crypto|http|net|https|stream)" imported by src\/emulator\//);
  });

  it('type-checks docs/demo/main.ts under strict mode with the DOM library', () => {
    const problems = typeCheck([join(ROOT, 'docs/demo/main.ts')], { types: [] });
    expect(problems).toEqual([]);
  });

  describe('in headless Chromium', () => {
    beforeAll(async () => {
      const { executablePath } = await findChromium();
      browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
    }, 60_000);

    it('submits a job, shows its status transitions and its chunks as they arrive, in order, then COMPLETED', async () => {
      const { page, pageErrors } = await openDemo();
      try {
        // Record what the page shows after every DOM change, to prove chunks appear while the job runs.
        await page.evaluate(() => {
          const w = window as unknown as { frames$: { chunks: number; status: string }[] };
          w.frames$ = [];
          const record = () =>
            w.frames$.push({
              chunks: document.querySelectorAll('#chunks li').length,
              status: document.getElementById('status')!.textContent ?? '',
            });
          new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
        });
        const words = ['alpha', 'beta', 'gamma', 'delta'];
        await submit(page, { mock_return: words, mock_delay: 0.25 });
        await page.waitForSelector('body[data-phase="done"]', { timeout: 10_000 });

        expect(await page.locator('#chunks li').allTextContents()).toEqual(words);
        expect(await page.textContent('#status')).toBe('COMPLETED');
        const transitions = await page.locator('#transitions li').allTextContents();
        expect(transitions[0]).toBe('IN_QUEUE');
        expect(transitions.at(-1)).toBe('COMPLETED');
        expect(await page.textContent('#error')).toBe('');

        const frames = await page.evaluate(
          () => (window as unknown as { frames$: { chunks: number; status: string }[] }).frames$,
        );
        const live = frames.filter((frame) => frame.chunks > 0 && frame.chunks < words.length);
        expect(live.length).toBeGreaterThan(0);
        expect(live.every((frame) => frame.status !== 'COMPLETED')).toBe(true);
        const counts = frames.map((frame) => frame.chunks);
        expect(counts).toEqual([...counts].sort((a, b) => a - b)); // chunks only ever added, one by one

        const id = (await page.textContent('#job-id'))!;
        expect(emulator!.job(id)?.status).toBe('COMPLETED');
        expect(pageErrors).toEqual([]);
      } finally {
        await page.close();
      }
    });

    it('Cancel unsubscribes, and the client cancels the job on the emulator', async () => {
      const { page, pageErrors } = await openDemo();
      try {
        await submit(page, { mock_return: ['first', 'never shown'], mock_delay: 30 });
        await page.waitForSelector('#chunks li');
        expect(await page.locator('#chunks li').allTextContents()).toEqual(['first']);
        const id = (await page.textContent('#job-id'))!;
        expect(emulator!.job(id)?.status).toBe('IN_PROGRESS');

        await page.click('#cancel');
        expect(await emulatorStatus(id, 'CANCELLED')).toBe('CANCELLED');
        await page.waitForFunction(() => document.getElementById('log')!.textContent!.includes('/cancel/'));
        expect(await page.textContent('#log')).toContain(`POST /browser-e2e/cancel/${id}`);
        expect(await page.textContent('#phase')).toBe('cancelled');
        expect(await page.isEnabled('#submit')).toBe(true);
        expect(pageErrors).toEqual([]);
      } finally {
        await page.close();
      }
    });

    it('shows the ConfigError when the address carries no key', async () => {
      const { page, pageErrors } = await openDemo({ baseUrl: emulator!.baseUrl });
      try {
        expect(await page.textContent('#error')).toMatch(/^ConfigError: /);
        expect(await page.isDisabled('#submit')).toBe(true);
        expect(pageErrors).toEqual([]);
      } finally {
        await page.close();
      }
    });
  });
});
