#!/usr/bin/env node
// Startup benchmark: wall time of `perfkit --version` and `perfkit --help` against its anchor, a bare
// `node -e 0`, measured in the same run with the runs interleaved so that machine noise hits all three
// alike. Reports medians and the ratio to the anchor, and exits 1 when a ratio exceeds the floor (2.0).
//
// Needs a build first:   npm run build && node bench/startup.mjs [--runs 15] [--max-ratio 2.0] [--json]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { median, pad } from './lib/common.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../bin/perfkit.js', import.meta.url));
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};
const runs = flag('--runs', 15);
const maxRatio = flag('--max-ratio', 2.0);
const asJson = args.includes('--json');

if (!existsSync(new URL('../dist/cli/main.js', import.meta.url))) {
  console.error('bench/startup: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

const cases = [
  { name: 'node -e 0', argv: ['-e', '0'], anchor: true },
  { name: 'perfkit --version', argv: [bin, '--version'] },
  { name: 'perfkit --help', argv: [bin, '--help'] },
];

// No colours, no config lookup surprises: run from the repo root with a plain environment.
const env = { ...process.env, NO_COLOR: '1' };
delete env.FORCE_COLOR;
delete env.NODE_OPTIONS;

function once(c) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, c.argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${r.stderr.toString().slice(0, 500)}`);
  return ms;
}

// One warm-up round (file cache), then `runs` rounds, each running every case once.
for (const c of cases) once(c);
const samples = new Map(cases.map((c) => [c.name, []]));
for (let i = 0; i < runs; i++) {
  const order = i % 2 ? [...cases].reverse() : cases;
  for (const c of order) samples.get(c.name).push(once(c));
}

const anchor = median(samples.get(cases.find((c) => c.anchor).name));
const rows = cases.map((c) => {
  const xs = samples.get(c.name);
  const med = median(xs);
  return { name: c.name, medianMs: +med.toFixed(1), minMs: +Math.min(...xs).toFixed(1), maxMs: +Math.max(...xs).toFixed(1), ratio: +(med / anchor).toFixed(2) };
});
const failed = rows.filter((r) => r.ratio > maxRatio);
const environment = { node: process.version, platform: `${os.platform()} ${os.release()}`, cpus: os.cpus().length, loadavg: os.loadavg().map((x) => +x.toFixed(2)), runs };

if (asJson) {
  console.log(JSON.stringify({ bench: 'startup', maxRatio, rows, environment, pass: failed.length === 0 }, null, 2));
} else {
  const num = (s, n) => String(s).padStart(n);
  console.log(`startup: median of ${runs} interleaved runs (node ${process.version}, ${environment.cpus} cpus, load ${environment.loadavg.join(' ')})`);
  console.log(`${pad('command', 20)}${num('median ms', 11)}${num('min', 9)}${num('max', 9)}${num('× node -e 0', 14)}`);
  for (const r of rows) console.log(`${pad(r.name, 20)}${num(r.medianMs, 11)}${num(r.minMs, 9)}${num(r.maxMs, 9)}${num(r.ratio.toFixed(2), 14)}`);
  console.log(failed.length ? `FAIL: ${failed.map((r) => `${r.name} is ${r.ratio}× node -e 0`).join('; ')} (floor ${maxRatio}×)` : `ok: every ratio ≤ ${maxRatio}×`);
}
process.exitCode = failed.length ? 1 : 0;
