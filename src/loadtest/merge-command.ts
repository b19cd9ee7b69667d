// `perfkit loadtest merge shard-*.json`: the shards' reports (--format json) merged exactly — histograms
// added, counters summed, seconds lined up — and the thresholds evaluated again on the whole.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandContext, CommandOutcome } from '../cli/context.js';
import { inputError, usageError } from '../cli/errors.js';
import { mergeSnapshots } from './merge.js';
import type { Snapshot } from './recorder.js';
import { loadFindings, summaryOf } from './summary.js';
import { loadView, type LoadData } from './view.js';

export async function runMerge(ctx: CommandContext, files: string[]): Promise<CommandOutcome<LoadData>> {
  if (files.length < 1) throw usageError('loadtest merge needs the shard reports to merge', 'write e.g. perfkit loadtest merge shard-1.json shard-2.json');
  const docs: LoadData[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(path.resolve(ctx.io.cwd, f), 'utf8');
    } catch (e) {
      throw inputError(`loadtest merge: cannot read ${f} (${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as NodeJS.ErrnoException).code})`, 'check the paths of the shard reports');
    }
    let doc: { command?: string; data?: LoadData };
    try {
      doc = JSON.parse(text);
    } catch {
      throw inputError(`loadtest merge: ${f} is not JSON`, 'give the files written by perfkit loadtest --format json -o shard-N.json');
    }
    if (doc?.command !== 'loadtest' || !doc.data?.latency?.encoded) {
      throw inputError(`loadtest merge: ${f} is not a perfkit loadtest report${doc?.command ? ` (it is from '${doc.command}')` : ''}`, 'give the files written by perfkit loadtest --format json -o shard-N.json');
    }
    docs.push(doc.data);
  }
  const targets = [...new Set(docs.map((d) => d.target))];
  if (targets.length > 1) ctx.note(`merging runs against different targets: ${targets.join(', ')}`);
  const snapshot: Snapshot = mergeSnapshots(docs);
  const first = docs[0];
  const invalid = docs.find((d) => d.generator && !d.generator.valid);
  const data: LoadData = {
    ...first,
    ...snapshot,
    settings: { ...first.settings, connections: docs.reduce((s, d) => s + d.settings.connections, 0), shard: { index: 0, of: docs.length } },
    generator: first.generator
      ? {
          ...first.generator,
          sendLagP99Ms: Math.max(...docs.map((d) => d.generator?.sendLagP99Ms ?? 0)),
          sendLagMaxMs: Math.max(...docs.map((d) => d.generator?.sendLagMaxMs ?? 0)),
          queued: docs.reduce((s, d) => s + (d.generator?.queued ?? 0), 0),
          cpuPct: Math.max(...docs.map((d) => d.generator?.cpuPct ?? 0)),
          valid: !invalid,
          invalidReason: invalid?.generator?.invalidReason ?? null,
        }
      : null,
    abortedBy: docs.map((d) => d.abortedBy).find(Boolean) ?? null,
    elapsedMs: Math.max(...docs.map((d) => d.elapsedMs)),
  };
  return {
    result: {
      command: 'loadtest',
      target: { url: targets.join(', '), merged: files.length },
      environment: { model: first.model, shards: files.length },
      summary: summaryOf(snapshot, data.generator),
      findings: loadFindings(data),
      data,
    },
    view: loadView,
  };
}
