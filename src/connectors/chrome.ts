// Chromium discovery for Lighthouse: CHROME_PATH, then /usr/bin/chromium, then chromium-browser and
// google-chrome on PATH. Finds the binary only; launching belongs to the Lighthouse runner.
import { isExecutable, which } from '../util/which.js';

export const CHROME_NAMES = ['chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The Chromium to use, or undefined when none is installed. A CHROME_PATH that is not executable is ignored. */
export function findChrome(env: Record<string, string | undefined>): string | undefined {
  if (env.CHROME_PATH && isExecutable(env.CHROME_PATH)) return env.CHROME_PATH;
  if (isExecutable('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const name of ['chromium', ...CHROME_NAMES]) {
    const found = which(name, env);
    if (found) return found;
  }
  return undefined;
}
