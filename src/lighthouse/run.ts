// One Lighthouse run at a time: a fresh Chromium (and profile) per run, Lighthouse in a worker thread that
// is kept across runs, and a wall-clock limit per run. A run that passes its limit, or is interrupted,
// ends with Chromium's process group killed and the worker terminated: nothing is left running.
import { Worker } from 'node:worker_threads';
import { launchChrome } from '../connectors/chrome.js';
import type { AuditJob, AuditReply } from './worker.js';
import type { Lhr } from './model.js';

export interface AuditorSettings {
  chromePath: string;
  env: Record<string, string | undefined>;
  preset: AuditJob['preset'];
  throttling: AuditJob['throttling'];
  onlyCategories: string[] | null;
  maxWaitForLoadMs: number;
  /** The whole run: Chromium's start, the audit and the report. */
  timeoutMs: number;
  reports: boolean;
  verbose: boolean;
}

export type Attempt =
  | { ok: true; lhr: Lhr; json?: string; html?: string; wallMs: number; chromeVersion?: string }
  | { ok: false; error: string; timedOut: boolean; wallMs: number };

export class Auditor {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;

  constructor(private readonly s: AuditorSettings) {}

  /** Starts importing Lighthouse in the background; the first run also calls it. */
  warm(): void {
    this.spawn();
  }

  async audit(url: string, signal: AbortSignal): Promise<Attempt> {
    const started = Date.now();
    const elapsed = () => Date.now() - started;
    // Lighthouse loads while Chromium starts.
    const ready = this.spawn();
    const chrome = await launchChrome({ chromePath: this.s.chromePath, env: this.s.env, startTimeoutMs: Math.min(30_000, this.s.timeoutMs) });
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      const job: AuditJob = {
        url,
        port: chrome.port,
        preset: this.s.preset,
        throttling: this.s.throttling,
        onlyCategories: this.s.onlyCategories,
        maxWaitForLoadMs: this.s.maxWaitForLoadMs,
        reports: this.s.reports,
        logLevel: this.s.verbose ? 'info' : 'silent',
      };
      const limit = new Promise<'timeout' | 'abort'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(0, this.s.timeoutMs - elapsed()));
        onAbort = () => resolve('abort');
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
      const version = chrome.version();
      const outcome = await Promise.race([ready.then(() => this.send(job)), limit]);
      if (outcome === 'timeout' || outcome === 'abort') {
        await this.kill();
        return { ok: false, error: outcome === 'timeout' ? `did not finish within ${Math.round(this.s.timeoutMs / 1000)} s` : 'interrupted', timedOut: outcome === 'timeout', wallMs: elapsed() };
      }
      if (!outcome.ok) return { ok: false, error: outcome.code ? `${outcome.code}: ${outcome.error}` : outcome.error, timedOut: false, wallMs: elapsed() };
      const lhr = outcome.lhr as Lhr;
      if (lhr.runtimeError?.code) return { ok: false, error: `${lhr.runtimeError.code}: ${lhr.runtimeError.message}`, timedOut: false, wallMs: elapsed() };
      return { ok: true, lhr, json: outcome.json, html: outcome.html, wallMs: elapsed(), chromeVersion: await version };
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
      await chrome.close();
    }
  }

  async close(): Promise<void> {
    await this.kill();
  }

  private spawn(): Promise<void> {
    if (this.worker && this.ready) return this.ready;
    const w = new Worker(new URL('./worker.js', import.meta.url), { stdout: !this.s.verbose, stderr: !this.s.verbose });
    this.worker = w;
    this.ready = new Promise<void>((resolve, reject) => {
      w.once('message', (m: { ready: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(`Lighthouse could not be loaded: ${m.error}`))));
      w.once('error', reject);
    });
    this.ready.catch(() => undefined);
    return this.ready;
  }

  private send(job: AuditJob): Promise<AuditReply> {
    const w = this.worker as Worker;
    return new Promise<AuditReply>((resolve) => {
      const onExit = (code: number) => resolve({ ok: false, error: `Lighthouse's thread stopped (exit ${code})` });
      w.once('exit', onExit);
      w.once('message', (m: AuditReply) => {
        w.off('exit', onExit);
        resolve(m);
      });
      w.postMessage(job);
    });
  }

  private async kill(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    if (w) await w.terminate();
  }
}
