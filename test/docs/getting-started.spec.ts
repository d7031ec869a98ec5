import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/type-check';

const page = () => readFileSync(join(ROOT, 'docs', 'getting-started.md'), 'utf8');

describe('docs/getting-started.md', () => {
  it('opens with the API key and the endpoint id, before installing anything', () => {
    const text = page();
    const key = text.indexOf('## Before you start: an API key and an endpoint id');
    expect(key).toBeGreaterThan(-1);
    expect(key).toBeLessThan(text.indexOf('## Install'));
    for (const fact of ['**Settings**', '**API Keys**', '**Serverless**', 'RUNPOD_API_KEY', 'RUNPOD_ENDPOINT_ID']) {
      expect(text.slice(key, text.indexOf('## Install'))).toContain(fact);
    }
  });

  it('lists exactly the variables scripts/demo-web.ts reads, with its defaults', () => {
    const script = readFileSync(join(ROOT, 'scripts', 'demo-web.ts'), 'utf8');
    const read = [...script.matchAll(/process\.env\.([A-Z_]+) \?\? '?([\w-]+)'?/g)].map(([, name, value]) => [
      name,
      value,
    ]);
    expect(read.length).toBeGreaterThanOrEqual(3);
    const section = page().slice(page().indexOf('## See it in a browser'));
    const documented = [...section.matchAll(/^\| `([A-Z_]+)` +\| `([\w-]+)` +\|/gm)].map(([, name, value]) => [
      name,
      value,
    ]);
    expect(documented.sort()).toEqual(read.sort());
  });
});
