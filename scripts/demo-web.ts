/**
 * `npm run demo:web`: the browser demo, ready to click. Starts an emulator (CORS included), bundles
 * docs/demo/ and serves it, then prints the page's address. Ctrl-C stops everything.
 *
 * Environment: EMULATOR_PORT (default 8787), DEMO_PORT (default 8080), DEMO_API_KEY (default
 * "demo-key").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from 'runpod-rx/emulator';
import { bundleDemo } from './browser-bundle';
import { serveStatic } from './static-server';

async function main(): Promise<void> {
  const apiKey = process.env.DEMO_API_KEY ?? 'demo-key';
  const emulator = await startEmulator({ apiKey, port: Number(process.env.EMULATOR_PORT ?? 8787) });
  const outdir = mkdtempSync(join(tmpdir(), 'runpod-rx-demo-'));
  await bundleDemo(outdir, true);
  const site = await serveStatic(outdir, Number(process.env.DEMO_PORT ?? 8080));
  const query = new URLSearchParams({ baseUrl: emulator.baseUrl, key: apiKey, endpoint: 'demo' });
  process.stdout.write(`emulator: ${emulator.baseUrl}\nopen:     ${site.url}/?${query.toString()}\n`);
  const stop = async () => {
    await Promise.all([site.close(), emulator.close()]);
    rmSync(outdir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
