// The human view of a purge: each request with its status and the provider's id, what was rejected or
// collapsed, the cost estimate, the wait, and the hit ratio after --then-warm.
import type { Section } from '../report/model.js';
import { formatNumber } from '../util/units.js';
import type { InvalidateData } from './invalidate.js';

export interface CdnData extends InvalidateData {
  warm: null | { urls: number; summary: Record<string, number> | null; data?: unknown; skipped?: string };
}

const pct = (x: number | undefined) => (x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);

export function invalidateView(d: CdnData): Section[] {
  const out: Section[] = [];
  const title = d.dryRun
    ? `Dry run: ${d.requests.length} ${d.provider} request${d.requests.length === 1 ? '' : 's'} would be sent for ${formatNumber(d.items)} items (nothing was sent)`
    : `${d.provider}: ${formatNumber(d.items)} items in ${d.requests.length} request${d.requests.length === 1 ? '' : 's'}${d.waves > 1 ? ` over ${d.waves} waves` : ''}`;
  out.push({
    title,
    kind: 'table',
    columns: ['batch', 'wave', 'kind', 'items', 'status', 'attempts', 'provider id', 'first items'],
    align: ['right', 'right', 'left', 'right', 'left', 'right', 'left', 'left'],
    rows: d.requests.map((r) => [
      r.batch,
      r.wave + 1,
      r.kind,
      formatNumber(r.items),
      r.status === 'failed' ? `failed: ${r.error ?? ''}`.slice(0, 80) : [r.status, r.providerStatus, r.estimatedSeconds !== undefined ? `~${r.estimatedSeconds} s` : undefined].filter(Boolean).join(', '),
      r.attempts,
      r.providerId ?? '–',
      r.sample.slice(0, 3).join(' ') + (r.items > 3 ? ' …' : ''),
    ]),
  });
  if (d.dryRun && d.previews.length) {
    const lines = d.previews.flatMap((reqs, i) =>
      reqs.map((r) => [`# batch ${i + 1}`, `${r.method} ${r.url}`, ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`), ...(r.body ? ['', r.body.length > 2000 ? `${r.body.slice(0, 2000)}…` : r.body] : [])].join('\n')),
    );
    out.push({ title: 'Requests that would be sent (secrets shown as ***)', kind: 'text', text: lines.slice(0, 10).join('\n\n') + (lines.length > 10 ? `\n\n… and ${lines.length - 10} more` : '') });
  }
  const facts: string[] = [];
  if (d.collapsed.length) facts.push(`--collapse replaced paths by ${d.collapsed.length} wildcard${d.collapsed.length === 1 ? '' : 's'}: ${d.collapsed.slice(0, 5).map((c) => `${c.wildcard} (${c.covers} paths)`).join(', ')}`);
  if (d.cost) facts.push(`cost: ${d.cost.billablePaths} billable paths, about $${d.cost.estimatedCostUsd.toFixed(2)} (${d.cost.note})`);
  if (d.retries) facts.push(`${d.retries} retr${d.retries === 1 ? 'y' : 'ies'} after transient errors`);
  if (d.waitError) facts.push(`waiting for completion failed: ${d.waitError}`);
  if (d.secondsToComplete !== null) facts.push(`${d.waited ? 'completed' : 'acknowledged'} ${d.secondsToComplete} s after the first request`);
  else if (!d.dryRun) facts.push('not waited for: add --wait to poll until the provider reports completion');
  if (facts.length) out.push({ title: 'Notes', kind: 'text', text: facts.map((f) => `- ${f}`).join('\n') });
  if (d.warm) {
    const s = d.warm.summary;
    out.push({
      title: '--then-warm',
      kind: 'table',
      columns: ['urls', 'requests', 'hit ratio before', 'hit ratio after', 'errors'],
      rows: s ? [[d.warm.urls, s.requests ?? 0, pct(s.hitRatioBefore), pct(s.hitRatioAfter), s.errors ?? 0]] : [[0, 0, '–', '–', d.warm.skipped ?? '']],
    });
  }
  return out;
}
