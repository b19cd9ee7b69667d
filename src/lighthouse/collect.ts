// N runs of one URL: each on a fresh Chromium, a failed run retried (up to --retries in all), Lighthouse's
// own reports saved per run with --save-reports, and each run reduced to its metrics at once so that the
// full results never pile up in memory.
import path from 'node:path';
import type { CommandContext } from '../cli/context.js';
import { writeFileAtomically } from '../util/write-file.js';
import { runMetrics } from './metrics.js';
import type { Lhr, RunMetrics } from './model.js';
import type { Auditor } from './run.js';

export interface CollectPlan {
  runs: number;
  retries: number;
  valueKeys: string[];
  firstPartyHostnames?: string[];
  /** Directory for Lighthouse's own HTML and JSON, per run. */
  saveDir?: string;
  /** Names the saved files and the progress line. */
  label: string;
  /** 'loaded' for the audits under --under-load. */
  phase: 'idle' | 'loaded';
}

export interface Collected {
  runs: RunMetrics[];
  failedAttempts: Array<{ attempt: number; error: string }>;
  saved: string[];
  lighthouseVersion?: string;
  chromeVersion?: string;
}

export async function collectUrl(ctx: CommandContext, auditor: Auditor, url: string, plan: CollectPlan): Promise<Collected> {
  const out: Collected = { runs: [], failedAttempts: [], saved: [] };
  let attempt = 0;
  while (out.runs.length < plan.runs && out.failedAttempts.length <= plan.retries && !ctx.signal.aborted) {
    attempt++;
    const run = out.runs.length + 1;
    ctx.progress.update(`lighthouse${plan.phase === 'loaded' ? ' under load' : ''}: ${plan.label} run ${run}/${plan.runs}${attempt > run ? ` (retry ${attempt - run})` : ''}`);
    const a = await auditor.audit(url, ctx.signal);
    if (!a.ok) {
      if (ctx.signal.aborted) break;
      out.failedAttempts.push({ attempt, error: a.error });
      ctx.note(`lighthouse: ${url} attempt ${attempt} failed: ${a.error}`);
      continue;
    }
    out.lighthouseVersion ??= a.lhr.lighthouseVersion;
    out.chromeVersion ??= a.chromeVersion ?? chromeVersionOf(a.lhr);
    out.runs.push(runMetrics(a.lhr, { run, attempt, wallMs: a.wallMs, valueKeys: plan.valueKeys, firstPartyHostnames: plan.firstPartyHostnames }));
    if (plan.saveDir && a.json !== undefined && a.html !== undefined) {
      const base = path.join(plan.saveDir, `${slug(plan.label)}${plan.phase === 'loaded' ? '.loaded' : ''}.run-${run}.report`);
      await writeFileAtomically(`${base}.json`, a.json, '--save-reports');
      await writeFileAtomically(`${base}.html`, a.html, '--save-reports');
      out.saved.push(`${base}.html`, `${base}.json`);
    }
  }
  return out;
}

/** "HeadlessChrome/156.0.8078.79" in the user agent Lighthouse records. */
function chromeVersionOf(lhr: Lhr): string | undefined {
  const ua = (lhr as { environment?: { hostUserAgent?: string } }).environment?.hostUserAgent ?? '';
  return /(?:Headless)?Chrom(?:e|ium)\/([\d.]+)/.exec(ua)?.[1];
}

/** A file-name-safe form of a URL label: "/" → "root", "/blog/post?id=1" → "blog_post_id_1". */
export function slug(label: string): string {
  const s = label.replace(/^[a-z]+:\/\//i, '').replace(/[^A-Za-z0-9.-]+/g, '_').replace(/^_+|_+$/g, '');
  return s || 'root';
}
