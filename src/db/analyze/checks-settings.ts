// The `settings` health check: memory and planner settings that are off relative to the machine —
// shared_buffers, work_mem × max_connections, effective_cache_size, random_page_cost, max_connections.
// PostgreSQL does not report the machine's RAM: with ctx.machine.memoryBytes the rules use it, without it
// they fall back to what the settings say about each other and to the defaults nobody tuned.
import type { Finding, Severity } from '../../report/model.js';
import { bytes, count, finding, settingBytes, settingNumber, type HealthCheck, type SettingValue } from './check-model.js';

const NAMES = ['shared_buffers', 'work_mem', 'maintenance_work_mem', 'effective_cache_size', 'random_page_cost', 'seq_page_cost', 'max_connections'];
const MB = 1024 * 1024;
const GB = 1024 * MB;

/** A memory size as postgresql.conf writes it: '4GB', '512MB'. */
export function confSize(n: number): string {
  return n >= GB && n % GB === 0 ? `${n / GB}GB` : `${Math.max(1, Math.round(n / MB))}MB`;
}

export const settings: HealthCheck = {
  id: 'settings',
  section: 'health',
  title: 'Settings relative to the machine',
  sql: `/* perfkit */ SELECT name, setting, unit, source FROM pg_settings WHERE name IN (${NAMES.map((n) => `'${n}'`).join(', ')}) ORDER BY name`,
  evaluate(rows, ctx) {
    const s: Record<string, SettingValue> = { ...ctx.settings };
    for (const r of rows) s[String(r.name)] = { setting: String(r.setting), unit: r.unit === null || r.unit === undefined ? null : String(r.unit) };
    const ram = ctx.machine?.memoryBytes ?? null;
    const out: Finding[] = [];
    const add = (name: string, severity: Severity, message: string, fix: string, evidence: Record<string, unknown>) =>
      out.push(finding('settings', severity, `Setting ${name}`, message, { location: `setting ${name}`, evidence: { setting: name, ...evidence, machineMemoryBytes: ram }, fix }));

    const sb = settingBytes(s, 'shared_buffers');
    const wm = settingBytes(s, 'work_mem');
    const ecs = settingBytes(s, 'effective_cache_size');
    const maxConn = settingNumber(s, 'max_connections');
    const rpc = settingNumber(s, 'random_page_cost');
    const spc = settingNumber(s, 'seq_page_cost') ?? 1;

    if (sb !== null) {
      if (ram && (sb < ram * 0.15 || sb > ram * 0.4)) {
        add('shared_buffers', 'warn', `shared_buffers is ${bytes(sb)}, ${Math.round((sb / ram) * 100)}% of the machine's ${bytes(ram)}; about 25% is the usual starting point (15–40%).`,
          `ALTER SYSTEM SET shared_buffers = '${confSize(Math.floor(ram / 4 / MB) * MB)}'; and restart PostgreSQL.`, { sharedBuffersBytes: sb });
      } else if (!ram && sb <= 128 * MB) {
        add('shared_buffers', 'warn', `shared_buffers is ${bytes(sb)}, the default sized for a tiny machine; most servers want about 25% of RAM.`,
          `ALTER SYSTEM SET shared_buffers = '<25% of RAM, e.g. 4GB on 16GB>'; and restart PostgreSQL.`, { sharedBuffersBytes: sb });
      }
    }
    if (wm !== null && maxConn !== null) {
      const worst = wm * maxConn;
      const budget = ram ?? ecs;
      if (budget && worst > budget) {
        add('work_mem', 'warn', `work_mem ${bytes(wm)} × max_connections ${count(maxConn)} = ${bytes(worst)}, more than ${ram ? `the machine's ${bytes(ram)} of RAM` : `effective_cache_size (${bytes(budget)}, taken as the memory available)`}; every sort or hash node may use work_mem, so a busy moment can run the server out of memory.`,
          `Lower work_mem globally (ALTER SYSTEM SET work_mem = '${confSize(Math.max(4 * MB, Math.floor(budget / 4 / maxConn / MB) * MB))}'; SELECT pg_reload_conf();) and raise it per session for the big reports (SET work_mem = '256MB'), or lower max_connections behind a pooler.`,
          { workMemBytes: wm, maxConnections: maxConn, worstCaseBytes: worst, budgetBytes: budget });
      }
    }
    if (ecs !== null) {
      if (sb !== null && ecs < sb) {
        add('effective_cache_size', 'warn', `effective_cache_size (${bytes(ecs)}) is below shared_buffers (${bytes(sb)}); it should count shared_buffers plus the OS cache, so the planner now underrates index scans.`,
          `ALTER SYSTEM SET effective_cache_size = '${ram ? confSize(Math.floor((ram * 0.75) / MB) * MB) : confSize(sb * 3)}'; SELECT pg_reload_conf();`, { effectiveCacheSizeBytes: ecs, sharedBuffersBytes: sb });
      } else if (ram && ecs < ram * 0.5) {
        add('effective_cache_size', 'info', `effective_cache_size is ${bytes(ecs)}, ${Math.round((ecs / ram) * 100)}% of the machine's ${bytes(ram)}; 50–75% matches what the OS can cache.`,
          `ALTER SYSTEM SET effective_cache_size = '${confSize(Math.floor((ram * 0.75) / MB) * MB)}'; SELECT pg_reload_conf();`, { effectiveCacheSizeBytes: ecs });
      }
    }
    if (rpc !== null) {
      if (rpc < spc) {
        add('random_page_cost', 'warn', `random_page_cost (${rpc}) is below seq_page_cost (${spc}): random reads are never cheaper than sequential ones.`,
          `ALTER SYSTEM SET random_page_cost = ${Math.max(1.1, spc)}; SELECT pg_reload_conf();`, { randomPageCost: rpc, seqPageCost: spc });
      } else if (rpc >= 4) {
        add('random_page_cost', 'info', `random_page_cost is ${rpc}, the default for spinning disks; on SSD or cloud storage (and when the data fits in RAM) random reads cost about the same as sequential ones, and the planner shies away from index scans.`,
          `On SSD: ALTER SYSTEM SET random_page_cost = 1.1; SELECT pg_reload_conf();`, { randomPageCost: rpc, seqPageCost: spc });
      }
    }
    if (maxConn !== null && maxConn > ctx.thresholds.connectionsTotal) {
      add('max_connections', 'warn', `max_connections is ${count(maxConn)} (over ${count(ctx.thresholds.connectionsTotal)}): each backend costs memory and contends for locks; hundreds of connections are better served by a pooler.`,
        `Put PgBouncer (transaction mode) in front and lower max_connections (ALTER SYSTEM SET max_connections = 200; restart).`, { maxConnections: maxConn, threshold: ctx.thresholds.connectionsTotal });
    }
    return out;
  },
};

export function settingsByName(rows: Array<Record<string, unknown>>): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  for (const r of rows) out[String(r.name)] = { setting: String(r.setting), unit: r.unit === null || r.unit === undefined ? null : String(r.unit) };
  return out;
}
