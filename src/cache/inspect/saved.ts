// --compare: a saved `cache inspect` report (from --save or --format json), read back and checked.
import path from 'node:path';
import { inputError } from '../../cli/errors.js';
import { readTextInput } from '../../util/read-input.js';
import type { Snapshot } from './compare.js';

export async function loadSnapshot(file: string, cwd: string): Promise<Snapshot> {
  const text = await readTextInput(path.resolve(cwd, file), 'saved cache inspect report', '--compare');
  let doc: { command?: string; savedAt?: string; summary?: Record<string, number>; data?: { namespaces?: unknown; bigKeys?: unknown } };
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw inputError(`--compare ${file}: not JSON (${(e as Error).message})`, 'give a file written by perfkit cache inspect --save, or its --format json output');
  }
  if (doc?.command !== 'cache inspect' || !Array.isArray(doc.data?.namespaces)) {
    throw inputError(`--compare ${file}: not a perfkit cache inspect report${doc?.command ? ` (it is from '${doc.command}')` : ''}`, 'give a file written by perfkit cache inspect --save, or its --format json output');
  }
  return { savedAt: doc.savedAt, summary: doc.summary ?? {}, namespaces: doc.data.namespaces as Snapshot['namespaces'], bigKeys: (doc.data.bigKeys as Snapshot['bigKeys']) ?? [] };
}
