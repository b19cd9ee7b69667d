// The thread that runs Lighthouse: it imports Lighthouse once (while Chromium starts), then audits the
// URLs it is sent against the Chromium on the given port. A run that hangs is ended by terminating this
// thread, which takes Lighthouse's sockets and timers with it.
import { parentPort } from 'node:worker_threads';

export interface AuditJob {
  url: string;
  port: number;
  preset: 'mobile' | 'desktop';
  throttling: 'simulate' | 'devtools' | 'none';
  onlyCategories: string[] | null;
  maxWaitForLoadMs: number;
  /** Also return Lighthouse's own JSON and HTML reports (for --save-reports). */
  reports: boolean;
  logLevel: 'silent' | 'info';
}

export type AuditReply =
  | { ok: true; lhr: unknown; json?: string; html?: string }
  | { ok: false; error: string; code?: string };

type LighthouseFn = (url: string, flags: Record<string, unknown>, config?: unknown) => Promise<{ lhr: unknown; report: string | string[] } | undefined>;
interface LighthouseModule {
  default: LighthouseFn;
  desktopConfig: unknown;
}

// A variable specifier keeps tsc from type-checking Lighthouse's own declarations.
const specifier = 'lighthouse';
const loading = import(specifier) as Promise<LighthouseModule>;
loading.then(
  () => parentPort?.postMessage({ ready: true }),
  (e: Error) => parentPort?.postMessage({ ready: false, error: e.message }),
);

parentPort?.on('message', async (job: AuditJob) => {
  try {
    const lh = await loading;
    const flags: Record<string, unknown> = {
      port: job.port,
      logLevel: job.logLevel === 'info' ? 'info' : 'silent',
      output: job.reports ? ['json', 'html'] : 'json',
      maxWaitForLoad: job.maxWaitForLoadMs,
      throttlingMethod: job.throttling === 'none' ? 'provided' : job.throttling,
      ...(job.onlyCategories ? { onlyCategories: job.onlyCategories } : {}),
    };
    const result = await lh.default(job.url, flags, job.preset === 'desktop' ? lh.desktopConfig : undefined);
    if (!result) return reply({ ok: false, error: 'Lighthouse returned no result' });
    const [json, html] = Array.isArray(result.report) ? result.report : [undefined, undefined];
    reply({ ok: true, lhr: result.lhr, ...(job.reports ? { json, html } : {}) });
  } catch (e) {
    const err = e as Error & { code?: string; friendlyMessage?: string };
    reply({ ok: false, error: err.friendlyMessage ?? err.message, code: err.code });
  }
});

function reply(r: AuditReply): void {
  parentPort?.postMessage(r);
}
