#!/usr/bin/env node
// Trims full Lighthouse results (LHR JSON) to the part perfkit reads, for fixtures/lighthouse:
//
//   node scripts/trim-lhr.mjs <out-dir> <lhr.json>...     # writes <out-dir>/<same file name>
//
// Kept: version, URLs, fetch time, warnings, runtime error, the settings that matter, category scores,
// and for every audit its id, title, score, display mode and numeric value; table items only for
// resource-summary and network-requests (the latter cut to url, transferSize, resourceType,
// statusCode, entity).
import fs from 'node:fs';
import path from 'node:path';

const AUDIT_FIELDS = ['id', 'title', 'score', 'scoreDisplayMode', 'numericValue', 'numericUnit', 'displayValue'];
const REQUEST_FIELDS = ['url', 'transferSize', 'resourceType', 'statusCode', 'entity'];

const pick = (obj, keys) => Object.fromEntries(keys.filter((k) => obj?.[k] !== undefined).map((k) => [k, obj[k]]));

export function trimLhr(lhr) {
  const audits = {};
  for (const [id, a] of Object.entries(lhr.audits ?? {})) {
    const t = pick(a, AUDIT_FIELDS);
    if (id === 'resource-summary' && a.details?.items) t.details = { type: a.details.type, items: a.details.items };
    if (id === 'network-requests' && a.details?.items) t.details = { type: a.details.type, items: a.details.items.map((i) => pick(i, REQUEST_FIELDS)) };
    audits[id] = t;
  }
  const s = lhr.configSettings ?? {};
  return {
    ...pick(lhr, ['lighthouseVersion', 'requestedUrl', 'finalDisplayedUrl', 'mainDocumentUrl', 'fetchTime', 'runWarnings', 'runtimeError']),
    configSettings: { formFactor: s.formFactor, throttlingMethod: s.throttlingMethod, onlyCategories: s.onlyCategories ?? null },
    categories: Object.fromEntries(Object.entries(lhr.categories ?? {}).map(([id, c]) => [id, pick(c, ['id', 'title', 'score'])])),
    audits,
  };
}

const [outDir, ...files] = process.argv.slice(2);
if (!outDir || !files.length) {
  console.error('usage: node scripts/trim-lhr.mjs <out-dir> <lhr.json>...');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });
for (const f of files) {
  const out = path.join(outDir, path.basename(f));
  const text = JSON.stringify(trimLhr(JSON.parse(fs.readFileSync(f, 'utf8'))), null, 1) + '\n';
  fs.writeFileSync(out, text);
  console.log(`${out}: ${(text.length / 1024).toFixed(1)} KB`);
}
