#!/usr/bin/env node
// Lighthouse benchmark: the wall time of one audit by `perfkit lighthouse --runs 1` and by Lighthouse's own
// CLI (`lighthouse`, the same 12.8 package, the same Chromium and flags, mobile preset, simulated
// throttling) on the same fixture page, interleaved in one run so that machine noise hits both alike.
// Reports medians and the ratio perfkit ÷ CLI; exits 1 when the ratio exceeds the floor (1.1).
//
//   npm run build && node bench/lighthouse.mjs [--rounds 3] [--page /heavy.html] [--max-ratio 1.1] [--json]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWebFixture } from '../fixtures/web/serve.mjs';
import { median } from './lib/common.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../bin/perfkit.js', import.meta.url));
const lhCli = fileURLToPath(new URL('../node_modules/lighthouse/cli/index.js', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const rounds = Number(opt('--rounds', 3));
const page = opt('--page', '/heavy.html');
const maxRatio = Number(opt('--max-ratio', 1.1));
const asJson = args.includes('--json');

if (!existsSync(new URL('../dist/cli/main.js', import.meta.url))) {
  console.error('bench/lighthouse: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const chrome = process.env.CHROME_PATH ?? '/usr/bin/chromium';
if (!existsSync(chrome)) {
  console.error(`bench/lighthouse: no Chromium at ${chrome}; apt-get install chromium or set CHROME_PATH`);
  process.exit(2);
}

// The flags perfkit passes (src/connectors/chrome.ts), so both launch the same browser the same way.
const flags = ['--headless=new', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions', '--no-first-run', '--no-default-browser-check', '--mute-audio', ...(os.userInfo().uid === 0 ? ['--no-sandbox'] : [])];
const env = { ...process.env, NO_COLOR: '1', CHROME_PATH: chrome };
delete env.NODE_OPTIONS;

const site = await startWebFixture();
const url = `${site.url}${page}`;
const out = mkdtempSync(path.join(os.tmpdir(), 'perfkit-bench-lh-'));

const cases = [
  { name: 'lighthouse CLI', argv: [lhCli, url, `--chrome-path=${chrome}`, `--chrome-flags=${flags.join(' ')}`, '--output=json', `--output-path=${path.join(out, 'cli.json')}`, '--quiet'], perf: (f) => JSON.parse(readFileSync(f, 'utf8')).categories.performance.score * 100, file: path.join(out, 'cli.json') },
  { name: 'perfkit lighthouse', argv: [bin, 'lighthouse', url, '--runs', '1', '--format', 'json', '-o', path.join(out, 'perfkit.json')], perf: (f) => JSON.parse(readFileSync(f, 'utf8')).summary.performance, file: path.join(out, 'perfkit.json') },
];

// Asynchronous: the fixture site is served from this process and must keep answering during the run.
async function once(c) {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, c.argv, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (code !== 0) throw new Error(`${c.name} exited ${code}: ${stderr.slice(0, 500)}`);
  return { ms, perf: c.perf(c.file) };
}

const times = Object.fromEntries(cases.map((c) => [c.name, []]));
const scores = Object.fromEntries(cases.map((c) => [c.name, []]));
try {
  for (let i = 0; i < rounds; i++) {
    // Alternate the order each round so neither always runs on a warmer machine.
    for (const c of i % 2 ? [...cases].reverse() : cases) {
      const r = await once(c);
      times[c.name].push(r.ms);
      scores[c.name].push(r.perf);
    }
  }
} finally {
  await site.close();
  rmSync(out, { recursive: true, force: true });
}

const cli = median(times['lighthouse CLI']);
const pk = median(times['perfkit lighthouse']);
const ratio = pk / cli;
const result = {
  page,
  rounds,
  chromium: chrome,
  cpus: os.cpus().length,
  medianMs: { lighthouseCli: Math.round(cli), perfkit: Math.round(pk) },
  performanceScores: scores,
  ratio: Math.round(ratio * 100) / 100,
  floor: maxRatio,
  ok: ratio <= maxRatio,
};
if (asJson) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`one audit of ${page} (${rounds} rounds, medians): lighthouse CLI ${(cli / 1000).toFixed(2)} s, perfkit ${(pk / 1000).toFixed(2)} s`);
  console.log(`performance scores: CLI ${scores['lighthouse CLI'].join(', ')}; perfkit ${scores['perfkit lighthouse'].join(', ')}`);
  console.log(`ratio perfkit ÷ CLI = ${result.ratio} (floor ≤ ${maxRatio}): ${result.ok ? 'ok' : 'MISSED'}`);
}
process.exit(result.ok ? 0 : 1);
