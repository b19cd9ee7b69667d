#!/usr/bin/env node
// EXPLAIN lint benchmark: parse + lint of a ~5 MB plan, made by repeating a captured fixture under an
// Append node, against its anchor in the same run: JSON.parse of the same text (the least any JSON
// reader must do). The text format is timed too, built the same way. Reports medians, and exits 1
// when parse + lint of the JSON plan, or the whole `perfkit db explain --plan` run on it, takes longer
// than the limit (1000 ms).
//
// Needs a build first:   npm run build && node bench/explain-lint.mjs [--mb 5] [--runs 7] [--max-ms 1000] [--json]
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { median } from './lib/common.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};
const targetMb = flag('--mb', 5);
const runs = flag('--runs', 7);
const maxMs = flag('--max-ms', 1000);
const asJson = args.includes('--json');

const dist = new URL('../dist/db/explain/', import.meta.url);
if (!existsSync(new URL('parse.js', dist))) {
  console.error('bench/explain-lint: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const { parsePlanInput } = await import(new URL('parse.js', dist).href);
const { lintPlan } = await import(new URL('lint.js', dist).href);
const { planToData } = await import(new URL('data.js', dist).href);

const fixture = (name) => fileURLToPath(new URL(`../fixtures/pg/plans/${name}`, import.meta.url));
const FIXTURE = 'cte-subplan';

/** [{Plan: Append of N copies of the fixture's plan}], pretty-printed as PostgreSQL does, ≥ targetMb. */
function bigJsonPlan() {
  const doc = JSON.parse(readFileSync(fixture(`${FIXTURE}.json`), 'utf8'))[0];
  const member = { ...doc.Plan, 'Parent Relationship': 'Member' };
  const t = doc.Plan['Actual Total Time'];
  const build = (copies) => {
    const plan = {
      'Node Type': 'Append', 'Parallel Aware': false, 'Async Capable': false,
      'Startup Cost': 0, 'Total Cost': doc.Plan['Total Cost'] * copies, 'Plan Rows': doc.Plan['Plan Rows'] * copies, 'Plan Width': doc.Plan['Plan Width'],
      'Actual Startup Time': 0, 'Actual Total Time': t * copies, 'Actual Rows': doc.Plan['Actual Rows'] * copies, 'Actual Loops': 1,
      Plans: Array.from({ length: copies }, () => member),
    };
    return JSON.stringify([{ ...doc, Plan: plan, 'Execution Time': t * copies }], null, 2);
  };
  const perCopy = build(2).length - build(1).length;
  return build(Math.ceil((targetMb * 1024 * 1024 - build(0).length) / perCopy));
}

/** The same for text, ≥ targetMb: the fixture's node lines, indented under an Append root. */
function bigTextPlan() {
  const lines = readFileSync(fixture(`${FIXTURE}.txt`), 'utf8').split('\n');
  const nodeLines = lines.filter((l) => l.startsWith(' ') || /\(cost=/.test(l));
  const tail = lines.filter((l) => !l.startsWith(' ') && !/\(cost=/.test(l) && l.trim() !== '');
  const block = nodeLines.map((l, i) => (i === 0 ? `  ->  ${l}` : `      ${l}`)).join('\n');
  const copies = Math.ceil((targetMb * 1024 * 1024) / block.length);
  const out = [`Append  (cost=0.00..1.00 rows=1 width=4) (actual time=0.001..1.000 rows=1 loops=1)`];
  for (let i = 0; i < copies; i++) out.push(block);
  return [...out, ...tail].join('\n');
}

function time(fn) {
  const t0 = process.hrtime.bigint();
  const out = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, out };
}

const json = bigJsonPlan();
const first = parsePlanInput(json, 'bench.json');
const text = bigTextPlan();

const cases = [
  { name: 'JSON.parse (anchor)', fn: () => JSON.parse(json), anchor: true },
  { name: 'parse JSON plan', fn: () => parsePlanInput(json, 'bench.json') },
  { name: 'parse + lint JSON plan', fn: () => lintPlan(parsePlanInput(json, 'bench.json')), gate: true },
  { name: 'parse + lint + planToData JSON', fn: () => { const p = parsePlanInput(json, 'bench.json'); lintPlan(p); return planToData(p); } },
  { name: 'parse + lint text plan', fn: () => lintPlan(parsePlanInput(text, 'bench.txt')) },
];

for (const c of cases) c.fn(); // warm-up
const samples = new Map(cases.map((c) => [c.name, []]));
for (let i = 0; i < runs; i++) {
  for (const c of i % 2 ? [...cases].reverse() : cases) samples.get(c.name).push(time(c.fn).ms);
}

// End to end, as a user runs it: the whole CLI (start-up, read, parse, lint, render JSON) on the file.
const dir = mkdtempSync(path.join(os.tmpdir(), 'perfkit-bench-'));
const planFile = path.join(dir, 'big-plan.json');
writeFileSync(planFile, json);
const bin = fileURLToPath(new URL('../bin/perfkit.js', import.meta.url));
const cli = [];
for (let i = 0; i < Math.max(3, Math.min(runs, 5)); i++) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, 'db', 'explain', '--plan', planFile, '--format', 'json', '--fail-on', 'never'], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`perfkit db explain failed: ${r.stderr}`);
  cli.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
rmSync(dir, { recursive: true, force: true });

const anchor = median(samples.get(cases[0].name));
const results = cases.map((c) => ({
  name: c.name,
  medianMs: Math.round(median(samples.get(c.name)) * 10) / 10,
  ratio: Math.round((median(samples.get(c.name)) / anchor) * 10) / 10,
}));
results.push({ name: 'perfkit db explain --plan (CLI, wall)', medianMs: Math.round(median(cli)), ratio: Math.round((median(cli) / anchor) * 10) / 10, cli: true });
const gate = results.find((r) => cases.find((c) => c.name === r.name)?.gate);
const cliResult = results.find((r) => r.cli);
const report = {
  bench: 'explain-lint',
  input: { fixture: FIXTURE, jsonMb: Math.round((json.length / 1024 / 1024) * 100) / 100, textMb: Math.round((text.length / 1024 / 1024) * 100) / 100, nodes: first.nodes.length, textNodes: parsePlanInput(text, 'bench.txt').nodes.length },
  runs,
  environment: { node: process.version, cpu: os.cpus()[0]?.model, cpus: os.cpus().length, platform: `${os.platform()} ${os.arch()}` },
  results,
  limitMs: maxMs,
  pass: gate.medianMs <= maxMs && cliResult.medianMs <= maxMs,
};

if (asJson) console.log(JSON.stringify(report, null, 2));
else {
  console.log(`explain-lint: ${report.input.jsonMb} MB JSON (${report.input.nodes} nodes) / ${report.input.textMb} MB text (${report.input.textNodes} nodes), median of ${runs} runs (${report.environment.node}, ${report.environment.cpu})`);
  for (const r of results) console.log(`  ${r.name.padEnd(34)} ${String(r.medianMs).padStart(8)} ms   ${r.ratio}× anchor`);
  console.log(`  ${report.pass ? 'ok' : 'FAIL'}: parse + lint of the JSON plan (${gate.medianMs} ms) and the whole CLI run (${cliResult.medianMs} ms) ${report.pass ? '≤' : '>'} ${maxMs} ms`);
}
process.exit(report.pass ? 0 : 1);
