// `perfkit db slow merge a.json b.json …`: merges saved results exactly. Each input is a report written by
// `perfkit db slow --format json` (its `data.state` carries the serialized aggregate: histograms as compressed
// base64, totals in integer µs), a `--state` file, or a bare aggregate. Inputs are merged in the order given.
import { readFile } from 'node:fs/promises';
import { inputError } from '../../cli/errors.js';
import { Aggregator, type AggregateState } from './aggregate.js';

function stateOf(doc: unknown): AggregateState | undefined {
  const d = doc as { data?: { state?: AggregateState }; aggregate?: AggregateState; version?: number; queries?: unknown };
  const s = d?.data?.state ?? d?.aggregate ?? (d?.version !== undefined && Array.isArray(d?.queries) ? (d as AggregateState) : undefined);
  return s && typeof s === 'object' ? s : undefined;
}

export async function readSavedAggregate(file: string): Promise<Aggregator> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw inputError(`${file}: cannot read the saved result (${(e as NodeJS.ErrnoException).code})`, 'check the path');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw inputError(`${file}: not a JSON report`, 'give reports written by perfkit db slow --format json');
  }
  const state = stateOf(doc);
  if (!state) {
    throw inputError(`${file}: no saved aggregate (data.state) in it`, 'only perfkit db slow --format json reports from log files, and --state files, can be merged');
  }
  try {
    return Aggregator.fromJSON(state);
  } catch (e) {
    throw inputError(`${file}: the saved aggregate cannot be read (${(e as Error).message})`, 'was it written by another perfkit version? re-run perfkit db slow on the logs');
  }
}

/** One aggregate from saved results, merged in the order given (the first's examples win ties). */
export async function mergeSavedResults(files: string[]): Promise<Aggregator> {
  if (files.length === 0) throw inputError('no saved results to merge', 'give two or more files: perfkit db slow merge a.json b.json');
  const [first, ...rest] = await Promise.all(files.map(readSavedAggregate));
  for (const a of rest) first.merge(a);
  return first;
}
