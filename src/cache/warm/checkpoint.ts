// The warm checkpoint: how many records of which source are settled (written, skipped or failed), with
// the counts so far, so `--resume` continues after the last settled record. Written atomically.
import { createHash } from 'node:crypto';
import { mkdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { inputError, usageError } from '../../cli/errors.js';
import { writeFileAtomically } from '../../util/write-file.js';

export interface Counts {
  written: number;
  skipped: number;
  failed: number;
}

export interface Checkpoint extends Counts {
  version: 1;
  source: { label: string; size?: number; mtimeMs?: number };
  /** What must match for a resume to be the same job. */
  job: string;
  /** Records 1..settled are done. */
  settled: number;
  errors: Array<{ line: number; n: number; message: string }>;
  savedAt: string;
}

/** Where a file source's checkpoint lives when --checkpoint does not say: .perfkit/warm/<hash>.json in the cwd. */
export function defaultCheckpointPath(cwd: string, source: string): string {
  const id = createHash('sha1').update(path.resolve(cwd, source)).digest('hex').slice(0, 16);
  return path.join(cwd, '.perfkit', 'warm', `${id}.json`);
}

export async function loadCheckpoint(file: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw inputError(`--checkpoint ${file}: cannot read (${(e as NodeJS.ErrnoException).code})`, 'check the path and its permissions');
  }
  let cp: Checkpoint;
  try {
    cp = JSON.parse(text) as Checkpoint;
  } catch {
    throw inputError(`--checkpoint ${file}: not a perfkit checkpoint (not JSON)`, 'delete it to start over, or name another file');
  }
  if (cp?.version !== 1 || typeof cp.settled !== 'number') throw inputError(`--checkpoint ${file}: not a perfkit cache warm checkpoint`, 'delete it to start over, or name another file');
  return cp;
}

/** A resume must be the same job over the same, unchanged source. */
export function checkResumable(cp: Checkpoint, job: string, source: Checkpoint['source'], file: string): void {
  if (cp.job !== job) throw usageError(`--resume: ${file} was written for another job (${cp.job})`, 'run with the same --from, target, --mode and --type, or drop --resume to start over');
  if (cp.source.size !== source.size || cp.source.mtimeMs !== source.mtimeMs) {
    throw usageError(`--resume: ${source.label} changed since the checkpoint (${cp.savedAt})`, 'drop --resume to warm it from the start');
  }
}

export async function saveCheckpoint(file: string, cp: Checkpoint): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomically(file, `${JSON.stringify(cp)}\n`, '--checkpoint');
}

export async function removeCheckpoint(file: string): Promise<void> {
  await unlink(file).catch(() => {});
}
