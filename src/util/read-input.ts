// Reads a user-named text file (SQL, plan, list) with one clear error per way it can be wrong.
import { readFile } from 'node:fs/promises';
import { inputError } from '../cli/errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

export async function readTextInput(file: string, what: string, flag: string): Promise<string> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : code === 'EACCES' ? 'permission denied' : code;
    throw inputError(`${flag} ${file}: cannot read the ${what} (${why})`, `check the path given to ${flag}`);
  }
  return decodeText(buf, `${flag} ${file}`, what);
}

/** Rejects empty and binary content; returns the text. */
export function decodeText(buf: Buffer, label: string, what: string): string {
  if (buf.length === 0 || !buf.toString('utf8').trim()) {
    throw inputError(`${label}: the ${what} is empty`, `give a file that holds the ${what}`);
  }
  if (buf.subarray(0, 8192).includes(0)) {
    throw inputError(`${label}: the ${what} is a binary file, not text`, `give a text file that holds the ${what}`);
  }
  try {
    return decoder.decode(buf);
  } catch {
    throw inputError(`${label}: the ${what} is not valid UTF-8 text`, `save the ${what} as UTF-8 text`);
  }
}
