// Files perfkit writes for the user (reports, saved plans, state, configs): a temporary file next to
// the target, then a rename, so a reader never sees half a file and a failed write leaves the old one.
import { randomUUID } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inputError } from '../cli/errors.js';

/** `label` names the input in the error, e.g. "--save-plan". */
export async function writeFileAtomically(file: string, text: string, label: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw inputError(`${label}: cannot write ${file} (${code})`, 'check that the folder exists and is writable', e);
  }
}
