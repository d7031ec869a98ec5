/**
 * The emulator's closed defaults against a real browser (headless chromium through playwright-core):
 * a page on another site cannot use it through CORS, and a DNS-rebinding page (a name of its own
 * pointed at 127.0.0.1, simulated with chromium's host resolver rules) is refused by the Host check.
 * A page on a loopback origin is the control.
 */
import { createServer, type Server } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startEmulator, type Emulator } from 'runpod-rx/emulator';
import { CHROMIUM_ARGS, findChromium } from '../helpers/chromium';

const API_KEY = 'origins-key';
/** The attacker's site name; chromium resolves it to 127.0.0.1. */
const EVIL = 'evil.example';

let emulator: Emulator | undefined;
let site: Server | undefined;
let sitePort = 0;
let browser: Browser | undefined;

beforeAll(async () => {
  const { executablePath } = await findChromium();
  emulator = await startEmulator({ apiKey: API_KEY });
  // Any site: an empty page, whatever name it is reached by.
  site = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>site</title>');
  });
  await new Promise<void>((resolve) => site!.listen(0, '127.0.0.1', () => resolve()));
  const address = site.address();
  sitePort = typeof address === 'object' && address ? address.port : 0;
  browser = await chromium.launch({
    executablePath,
    args: [...CHROMIUM_ARGS, '--no-proxy-server', `--host-resolver-rules=MAP ${EVIL} 127.0.0.1`],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
  await emulator?.close();
});

/** Runs a keyed `POST /run` from inside `page`; resolves with the status or the fetch error's text. */
function runFrom(page: Page, url: string): Promise<number | string> {
  return page.evaluate(
    async ({ target, key }) => {
      try {
        const res = await fetch(target, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ input: { mock_return: 'from the page' } }),
        });
        return res.status;
      } catch (err) {
        return String(err);
      }
    },
    { target: url, key: API_KEY },
  );
}

describe('emulator origins in a real browser', () => {
  it('a loopback page may call it; a page on another site is blocked by CORS and creates no job', async () => {
    const page = await browser!.newPage();
    const created = emulator!.stats().jobsCreated;
    try {
      await page.goto(`http://localhost:${sitePort}/`);
      expect(await runFrom(page, `${emulator!.baseUrl}/ep/run`)).toBe(200);
      expect(emulator!.stats().jobsCreated).toBe(created + 1);

      await page.goto(`http://${EVIL}:${sitePort}/`);
      const blocked = await runFrom(page, `${emulator!.baseUrl}/ep/run`);
      expect(blocked).toMatch(/TypeError/);
      expect(emulator!.stats().jobsCreated).toBe(created + 1);
      expect(emulator!.stats().requests.refused).toBeGreaterThanOrEqual(1);
    } finally {
      await page.close();
    }
  });

  it('a DNS-rebinding page (its own name on the emulator port) is refused with 403', async () => {
    const page = await browser!.newPage();
    const created = emulator!.stats().jobsCreated;
    try {
      const answer = await page.goto(`http://${EVIL}:${emulator!.port}/v2/ep/health`);
      expect(answer?.status()).toBe(403);
      // Same-origin for the page, so no CORS stands in the way: only the Host check does.
      expect(await runFrom(page, `http://${EVIL}:${emulator!.port}/v2/ep/run`)).toBe(403);
      expect(emulator!.stats().jobsCreated).toBe(created);
    } finally {
      await page.close();
    }
  });
});
