// The `lighthouse` command.
import type { Command } from 'commander';
import { collect, examples, type Action } from './common.js';

export function registerLighthouse(program: Command, action: Action): void {
  program
    .command('lighthouse')
    .description('Lighthouse audits on Chromium, repeated and aggregated: the median run, per-metric medians and spread, budget.json and Lighthouse CI–style assertions, and audits under a background load test')
    .argument('[urls...]', 'pages to audit (or lighthouse.urls in the config); with --static-dir, paths in the folder')
    .option('-n, --runs <n>', 'runs per URL; values are the medians (default 3)')
    .option('--retries <n>', 'failed runs retried per URL, in all (default 2)')
    .option('--preset <preset>', 'mobile or desktop (default mobile)')
    .option('--throttling <method>', 'simulate, devtools or none (default simulate)')
    .option('--only-categories <list>', 'e.g. performance,accessibility (default: performance, accessibility, best-practices, seo)')
    .option('--max-wait-for-load <duration>', 'how long Lighthouse waits for the page to load (default 45s)')
    .option('--timeout <duration>', 'per run, Chromium start to report; past it the run is killed and retried (default load wait + 60s)')
    .option('--budget-path <file>', "Lighthouse's budget.json (resourceSizes, resourceCounts, timings, path globs), evaluated by perfkit")
    .option('--assert <assertion>', 'Lighthouse CI–style assertion, e.g. "categories.performance>=90", "largest-contentful-paint<=2500:warn" (repeatable)', collect)
    .option('--assertions <file>', "a lighthouserc file (.json/.yaml): its ci.assert assertions and assertMatrix")
    .option('--static-dir <dir>', "serve this folder (a static build) on 127.0.0.1 and audit its pages: the paths given, or index.html and up to 4 more")
    .option('--save-reports <dir>', "write Lighthouse's own HTML and JSON report for every URL and run")
    .option('--under-load <loadtest options>', 'audit again while a bounded loadtest runs against the same origin, e.g. "--rate 50" or "-c 10 /api/items"; reports how TTFB, LCP and TBT moved')
    .addHelpText('after', examples([
      'perfkit lighthouse http://127.0.0.1:3000/',
      'perfkit lighthouse http://127.0.0.1:3000/ http://127.0.0.1:3000/pricing --runs 5 --preset desktop',
      'perfkit lighthouse http://127.0.0.1:3000/ --assert "categories.performance>=90" --assert "largest-contentful-paint<=2500:warn"',
      'perfkit lighthouse http://127.0.0.1:3000/ --budget-path budget.json --format junit -o lighthouse.xml',
      'perfkit lighthouse http://127.0.0.1:3000/ --assertions lighthouserc.json --save-reports .lighthouse',
      'perfkit lighthouse --static-dir dist --runs 3 --assert "categories.performance>=90"',
      'perfkit lighthouse http://127.0.0.1:3000/ --under-load "--rate 50 /api/items" --threshold "underLoad.ttfb.delta<200"',
    ]))
    .action(action('lighthouse', () => import('../../lighthouse/command.js')));
}
