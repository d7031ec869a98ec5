import { readFile } from 'node:fs/promises';
import { UsageError, type CliIo } from './io.js';

/** Reads all of `stdin` as UTF-8 text. */
async function readAll(stdin: AsyncIterable<string | Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of stdin) text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** The text `--input` names: the value itself, a file (`@path`) or stdin (`-`). */
async function inputText(value: string, io: CliIo): Promise<{ text: string; label: string }> {
  if (value === '-') {
    if (io.stdin === undefined) throw new UsageError('--input - reads stdin, but this caller provides none');
    return { text: await readAll(io.stdin), label: '--input - (stdin)' };
  }
  if (value.startsWith('@')) {
    const path = value.slice(1);
    try {
      return { text: await readFile(path, 'utf8'), label: `--input ${value}` };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new UsageError(`--input cannot read the file ${path} (${code})`);
    }
  }
  return { text: value, label: '--input' };
}

/**
 * The job input given by `--input`: inline JSON, `@file.json` or `-` for stdin. It must be a JSON
 * object, as a RunPod worker's `job["input"]` is.
 */
export async function readJobInput(value: string, io: CliIo): Promise<Record<string, unknown>> {
  const { text, label } = await inputText(value, io);
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    throw new UsageError(`${label} is not valid JSON`);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const kind = input === null ? 'null' : Array.isArray(input) ? 'an array' : `a ${typeof input}`;
    throw new UsageError(`--input must be a JSON object, e.g. '{"prompt":"hi"}', not ${kind}`);
  }
  return input as Record<string, unknown>;
}
