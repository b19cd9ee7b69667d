// The `loadtest` commands: loadtest and loadtest merge.
import type { Command } from 'commander';
import { collect, examples, type Action } from './common.js';

export function registerLoadtest(program: Command, action: Action): void {
  program
    .command('loadtest')
    .description('HTTP load test against an explicit target: closed model (connections) or open model (--rate/--phases, latency from the planned send), thresholds, shards and an exact merge; `loadtest merge a.json b.json` merges shard reports')
    .argument('[target...]', 'the URL to load (or loadtest.target in the config); or "merge" followed by shard reports')
    .option('-c, --connections <n>', 'closed: connections (default 10); open: most requests in flight (default 100)')
    .option('-p, --pipelining <n>', 'closed: requests in flight per connection (default 1)')
    .option('-d, --duration <duration>', 'how long to measure (default 10s)')
    .option('-a, --amount <n>', 'closed: stop after this many requests instead of a duration')
    .option('-w, --workers <n>', 'closed: worker threads, for several cores (default 1)')
    .option('--warmup <duration>', 'load before measuring; excluded from the statistics')
    .option('-R, --rate <req/s>', 'open model: this many requests a second, evenly spaced')
    .option('--phases <spec>', 'open model: ramps and steady states, e.g. "10s:0->200,60s:200,10s:200->0"')
    .option('--max-lag <duration>', 'open: a request that cannot leave this long after its planned time is dropped (default 1s)')
    .option('-m, --method <method>', 'HTTP method (default GET, or POST with a body)')
    .option('-H, --header <header>', '"Name: value" (repeatable)', collect)
    .option('-b, --body <text|@file>', 'request body (@file reads a file)')
    .option('--json <json>', 'a JSON body (sets content-type)')
    .option('--har <file>', 'replay the requests of a HAR file (those to the target’s origin), in order')
    .option('--expect-status <codes>', 'check: the status is one of these, e.g. 200,204')
    .option('--expect-body <text>', 'check: the body contains this')
    .option('--expect-json <path=value>', 'check: a JSON path equals a value, e.g. \'$.ok=true\' (repeatable)', collect)
    .option('--timeout <duration>', 'per request (default 10s)')
    .option('--abort-on-fail', 'check the thresholds every 2 s and stop as soon as one fails')
    .option('--shard <i/N>', 'run the i-th of N equal shares of the rate (open) or connections (closed)')
    .option('--emit <what>', 'print a manifest instead of running: k8s-job (a Kubernetes Indexed Job of --shards shards)')
    .option('--shards <n>', 'with --emit k8s-job: how many shards (default 2)')
    .addHelpText('after', examples([
      'perfkit loadtest http://127.0.0.1:3000/api/items -c 50 -d 30s',
      'perfkit loadtest http://127.0.0.1:3000/api/items --rate 200 -d 60s --threshold "latency.p95<50" --threshold "errorRate<0.001"',
      'perfkit loadtest http://127.0.0.1:3000/ --phases "10s:0->200,60s:200,10s:200->0" --abort-on-fail --threshold "latency.p99<200"',
      'perfkit loadtest http://127.0.0.1:3000/api/orders -m POST --json \'{"sku":42}\' --expect-status 201',
      'perfkit loadtest https://staging.example.com/ --har session.har -c 20 -d 1m --format html -o load.html',
      'perfkit loadtest http://svc:8080/ --rate 2000 -d 5m --shard 2/4 --format json -o shard-2.json',
      'perfkit loadtest merge shard-*.json --threshold "rps>1900"',
      'perfkit loadtest http://svc:8080/ --rate 2000 -d 5m --emit k8s-job --shards 4 > job.yaml',
    ]))
    .action(action('loadtest', () => import('../../loadtest/command.js')));
}
