// Chromium for Lighthouse: discovery (CHROME_PATH, then /usr/bin/chromium, then chromium-browser and
// google-chrome on PATH) and one launch per audit run, headless with the flags a container needs, a fresh
// user-data-dir, and a close that kills the whole process group and removes the profile: no orphans.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectError } from '../cli/errors.js';
import { isExecutable, which } from '../util/which.js';

export const CHROME_NAMES = ['chromium-browser', 'google-chrome', 'google-chrome-stable'];

export const CHROME_FIX = 'install Chromium (apt-get install chromium) or set CHROME_PATH to a Chrome or Chromium binary';

/** Headless, and quiet on a closed network: no background fetches that a sandboxed CI machine refuses. */
export const CHROME_FLAGS = [
  '--headless=new',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--no-first-run',
  '--no-default-browser-check',
  '--mute-audio',
];

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

/** Like findChrome, but a CHROME_PATH the user set and that cannot run is an error, not a silent fallback. */
export function requireChrome(env: Record<string, string | undefined>): string {
  if (env.CHROME_PATH && !isExecutable(env.CHROME_PATH)) {
    throw connectError(`CHROME_PATH=${env.CHROME_PATH} is not an executable file`, `point CHROME_PATH at Chromium (e.g. /usr/bin/chromium), or unset it; or ${CHROME_FIX}`);
  }
  const found = findChrome(env);
  if (!found) throw connectError('Chromium was not found (CHROME_PATH, /usr/bin/chromium, chromium-browser, google-chrome)', CHROME_FIX);
  return found;
}

export interface LaunchedChrome {
  port: number;
  pid: number;
  userDataDir: string;
  /** The browser's own version ("156.0.8078.79"), from its debugging endpoint; undefined if it does not say. */
  version(): Promise<string | undefined>;
  /** Kills Chromium and every process of its group, then removes the profile. Safe to call twice. */
  close(): Promise<void>;
}

export interface LaunchOptions {
  chromePath: string;
  /** Added after perfkit's flags (e.g. --window-size). */
  extraFlags?: string[];
  /** How long Chromium may take to open its debugging port. */
  startTimeoutMs?: number;
  env: Record<string, string | undefined>;
}

/** Starts Chromium with a fresh profile. As root, the sandbox cannot work and is switched off. */
export async function launchChrome(o: LaunchOptions): Promise<LaunchedChrome> {
  const { Launcher } = await import('chrome-launcher');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'perfkit-chrome-'));
  const flags = [...CHROME_FLAGS, ...(os.userInfo().uid === 0 ? ['--no-sandbox'] : []), ...(o.extraFlags ?? [])];
  const pollMs = 100;
  const launcher = new Launcher({
    chromePath: o.chromePath,
    chromeFlags: flags,
    userDataDir,
    handleSIGINT: false,
    logLevel: 'silent',
    connectionPollInterval: pollMs,
    maxConnectionRetries: Math.ceil((o.startTimeoutMs ?? 30_000) / pollMs),
    envVars: { ...o.env, HOME: o.env.HOME ?? os.homedir() } as Record<string, string>,
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    const child = launcher.chromeProcess;
    const exited = child && child.exitCode === null && child.signalCode === null ? new Promise<void>((r) => child.once('exit', () => r())) : Promise.resolve();
    if (child?.pid) {
      // The group, not the pid: Chromium's zygote and renderers are its children.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
    launcher.destroyTmp();
    fs.rmSync(userDataDir, { recursive: true, force: true, maxRetries: 5 });
  };
  try {
    await launchOrExit(launcher);
  } catch (e) {
    const log = readTail(path.join(userDataDir, 'chrome-err.log'));
    await close();
    const why = (e as { code?: string }).code === 'ECONNREFUSED' ? `its debugging port did not open within ${Math.round((o.startTimeoutMs ?? 30_000) / 1000)} s` : (e as Error).message;
    throw connectError(`Chromium at ${o.chromePath} did not start: ${why}${log ? ` (${log})` : ''}`, `check that ${o.chromePath} runs (${o.chromePath} --version); or ${CHROME_FIX}`, e);
  }
  if (!launcher.pid || !launcher.port) {
    await close();
    throw connectError(`Chromium at ${o.chromePath} did not start`, CHROME_FIX);
  }
  const port = launcher.port;
  return { port, pid: launcher.pid, userDataDir, close, version: () => browserVersion(port) };
}

/** GET /json/version: {"Browser": "HeadlessChrome/156.0.8078.79", ...}. The user agent Lighthouse records is reduced to 156.0.0.0. */
async function browserVersion(port: number): Promise<string | undefined> {
  const http = await import('node:http');
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/json/version', timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          resolve(/\/([\d.]+)$/.exec((JSON.parse(body) as { Browser?: string }).Browser ?? '')?.[1]);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** launcher.launch(), but a Chromium that exits while starting fails at once instead of after every poll. */
async function launchOrExit(launcher: import('chrome-launcher').Launcher): Promise<void> {
  let poll: NodeJS.Timeout | undefined;
  const launching = launcher.launch();
  const exited = new Promise<never>((_, reject) => {
    poll = setInterval(() => {
      const c = launcher.chromeProcess;
      if (c && (c.exitCode !== null || c.signalCode !== null)) reject(new Error(`it exited at once (${c.exitCode !== null ? `exit code ${c.exitCode}` : c.signalCode})`));
    }, 50);
  });
  try {
    await Promise.race([launching, exited]);
  } catch (e) {
    // Stop chrome-launcher's polling (its next poll gives up) and let it settle before the profile goes.
    (launcher as unknown as { maxConnectionRetries: number }).maxConnectionRetries = -1;
    await launching.catch(() => undefined);
    throw e;
  } finally {
    clearInterval(poll);
  }
}

function readTail(file: string): string {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    return lines.slice(-1)[0]?.slice(0, 200) ?? '';
  } catch {
    return '';
  }
}
