// The commander tree. Each command's module is imported only when that command runs.
import { Command, Option } from 'commander';
import type { Io } from './io.js';
import type { CommandModule } from './context.js';
import { version } from './version.js';

export interface Selection {
  name: string;
  load: () => Promise<CommandModule>;
  args: string[];
  options: Record<string, unknown>;
  globals: Record<string, unknown>;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

function dbOptions(cmd: Command): Command {
  return cmd
    .option('--db <url>', "PostgreSQL URL, or 'embedded' for the built-in demo server (env: PERFKIT_DB_URL, DATABASE_URL, PG*)")
    .option('--statement-timeout <duration>', 'statement_timeout for perfkit’s session (default 30s)')
    .option('--lock-timeout <duration>', 'lock_timeout for perfkit’s session (default 5s)')
    .option('--connect-timeout <duration>', 'how long to wait for a connection (default 10s)');
}

export function createProgram(io: Io, select: (s: Selection) => void): Command {
  const program = new Command('perfkit');
  program
    .description('One performance toolkit for PostgreSQL, Redis, CDNs, HTTP load and Lighthouse, with one report format and one budget file.')
    .version(version(), '-V, --version', 'print the version')
    .addOption(new Option('--format <format>', 'report format on stdout').choices(['table', 'json', 'markdown', 'junit', 'html']))
    .option('-o, --output <file>', 'also write the report to a file (format from --format, or from the extension)')
    .option('--config <file>', 'config file (default: perfkit.config.{json,yaml,yml,mjs} found upward)')
    .option('--budget <file>', 'budget file (YAML or JSON) evaluated against the report summary')
    .option('--threshold <expr>', 'inline budget, e.g. "executionMs<200" (repeatable)', collect)
    .addOption(new Option('--fail-on <level>', 'finding severity that fails the run').choices(['error', 'warn', 'never']))
    .option('--no-color', 'no colours (NO_COLOR and FORCE_COLOR are honoured too)')
    .option('-q, --quiet', 'no progress or notes on stderr')
    .option('--verbose', 'notes, timings and stack traces on stderr')
    .showHelpAfterError(false)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} })
    .exitOverride()
    .addHelpText('after', examples([
      'perfkit demo                                   # the main job on an embedded PostgreSQL, no server needed',
      'perfkit db explain "SELECT * FROM orders WHERE customer_id = 42" --analyze --db postgres://localhost/shop',
      'perfkit db explain --plan plan.json --format markdown >> "$GITHUB_STEP_SUMMARY"',
      'perfkit doctor',
    ]));

  const action = (name: string, load: () => Promise<CommandModule>) =>
    function (this: Command, ...args: unknown[]) {
      const cmd = this;
      const positional = args.slice(0, cmd.registeredArguments.length).flat().filter((a): a is string => typeof a === 'string');
      select({ name, load, args: positional, options: cmd.opts(), globals: cmd.optsWithGlobals() });
    };

  const db = program.command('db').description('PostgreSQL: explain plans, index advice, slow queries, health').exitOverride();
  dbOptions(
    db
      .command('explain')
      .description('run EXPLAIN safely, or lint a saved plan offline; diagnostics by rule')
      .argument('[sql]', 'one SQL statement (or use --file / --plan)')
      .option('--file <file>', 'read the statement from a .sql file')
      .option('--plan <file>', "lint a saved plan offline: EXPLAIN's JSON or text output ('-' for stdin)")
      .option('--analyze', 'EXPLAIN ANALYZE with BUFFERS, inside a transaction that is always rolled back')
      .option('--params <values>', 'values for $1, $2…: a JSON array or a comma-separated list')
      .option('--allow-writes', 'allow --analyze of INSERT/UPDATE/DELETE/MERGE (still rolled back)')
      .option('--compare <plan>', 'diff against a saved plan (the "before"), node by node')
      .option('--save-plan <file>', 'write the captured plan as EXPLAIN JSON, for a later --compare'),
  )
    .addHelpText('after', examples([
      'perfkit db explain "SELECT * FROM orders WHERE status = \'open\' ORDER BY created_at" --db postgres://app@db/shop',
      'perfkit db explain --file slow.sql --analyze --save-plan before.json',
      'perfkit db explain "SELECT * FROM orders WHERE customer_id = $1" --params 42 --analyze',
      'perfkit db explain --plan plan.json                  # offline: no database needed',
      'psql -XAtc "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ..." | perfkit db explain --plan -',
      'perfkit db explain --file slow.sql --analyze --compare before.json --threshold "executionMs<50"',
    ]))
    .action(action('db explain', () => import('../db/explain/command.js')));

  dbOptions(
    db
      .command('analyze')
      .description('the database health report: slow queries, plan diagnostics, index advice and health, health checks, one score')
      .option('--top <n>', 'how many pg_stat_statements queries to report', '20')
      .option('--slow-ms <ms>', 'a query is slow from this mean time (pghero: 20)', '20')
      .option('--slow-calls <n>', '… and this many calls', '1')
      .option('--plans <n>', 'lint the generic plans of this many of the slowest queries', '5')
      .option('--method <method>', 'index costing: auto, hypopg, trial or heuristic', 'auto'),
  )
    .addHelpText('after', examples([
      'perfkit db analyze --db postgres://app@db/shop',
      'perfkit db analyze --format markdown >> "$GITHUB_STEP_SUMMARY"',
      'perfkit db analyze --threshold "score>=80" --threshold "cacheHitRatio>=0.99"',
      'perfkit db analyze --verbose --format json     # evidence includes the SQL behind each check',
    ]))
    .action(action('db analyze', () => import('../db/analyze/command.js')));

  dbOptions(
    db
      .command('indexes')
      .description('index recommendations for a workload (HypoPG, trial or heuristic costing) and index health')
      .option('--query <sql>', 'a query to analyse (repeatable); default: the top of pg_stat_statements', collect)
      .option('--file <file>', 'a .sql file of queries separated by ;')
      .option('--top <n>', 'how many pg_stat_statements queries to analyse, by total time', '100')
      .option('--min-calls <n>', 'only pg_stat_statements queries called at least this often', '1')
      .option('--min-mean-ms <ms>', 'only pg_stat_statements queries at least this slow on average', '0')
      .option('--method <method>', 'costing: auto, hypopg, trial or heuristic (auto: trial on --trial-db or the embedded server, else HypoPG when created, else heuristic)', 'auto')
      .option('--trial-db <url>', 'a disposable copy to build trial indexes on (takes locks and builds real indexes there)')
      .option('--min-saving <pct>', 'a recommendation must cut a query’s cost by this much (default 50)')
      .option('--min-cost <n>', 'queries cheaper than this planner cost are not worth an index (default 100)')
      .option('--min-rows <n>', 'tables smaller than this are not worth an index (default 1000)')
      .option('--max-columns <n>', 'widest multi-column candidate (default 3)')
      .option('--max-indexes <n>', 'recommend at most this many indexes')
      .option('--replica <url>', 'also read index usage on this replica before calling an index unused (repeatable)', collect)
      .option('--unused-min-size <size>', 'report unused indexes from this size (default 10MB)')
      .option('--create', 'build the recommended indexes with CREATE INDEX CONCURRENTLY, one at a time')
      .option('--yes', 'with --create: do not ask for confirmation'),
  )
    .addHelpText('after', examples([
      'perfkit db indexes --db postgres://app@db/shop                      # top queries of pg_stat_statements',
      'perfkit db indexes --query "SELECT * FROM orders WHERE customer_id = 42" --query "SELECT …"',
      'perfkit db indexes --file workload.sql --method heuristic           # hosted PostgreSQL without HypoPG',
      'perfkit db indexes --trial-db postgres://app@scratch/shop_copy      # cost with real indexes on a copy',
      'perfkit db indexes --replica postgres://app@replica1/shop --format json',
      'perfkit db indexes --create --yes --threshold "recommendations==0"',
    ]))
    .action(action('db indexes', () => import('../db/indexes/command.js')));

  dbOptions(
    db
      .command('slow')
      .description('slow-query analysis from PostgreSQL logs or pg_stat_statements; `db slow merge a.json b.json` merges saved results')
      .argument('[merge...]', '"merge" followed by saved results (perfkit db slow --format json) to merge exactly')
      .option('--log <file|glob|->', 'a PostgreSQL log: stderr, csvlog or jsonlog, plain or gzip, or - for stdin (repeatable)', collect)
      .option('--prefix <log_line_prefix>', 'the log_line_prefix of stderr logs (default: SHOW log_line_prefix with --db, else inferred)')
      .option('--log-format <format>', 'stderr, csvlog, jsonlog or auto (default: detected)')
      .option('--top <n>', 'how many queries to report', '20')
      .option('--sort <key>', 'logs: total, mean, calls, max, p95, p99, stddev; pg_stat_statements: total, mean, calls, stddev, rows, io', 'total')
      .option('--interval <duration>', 'pg_stat_statements: two snapshots this far apart, and what ran between them')
      .option('--state <file>', 'logs: remember how far each file was read; the next run reads only new lines')
      .option('--threads <n>', 'logs: worker threads (default: the cores, when the input is large enough)'),
  )
    .addHelpText('after', examples([
      "perfkit db slow --db postgres://app@db/shop                          # pg_stat_statements, top 20 by total time",
      'perfkit db slow --db postgres://app@db/shop --interval 60s --sort mean   # what is slow right now',
      "perfkit db slow --log /var/log/postgresql/postgresql-15-main.log --prefix '%m [%p] %q%u@%d '",
      "perfkit db slow --log 'logs/postgresql-*.csv.gz' --format json -o monday.json",
      'zcat old.log.gz | perfkit db slow --log - --sort p95',
      'perfkit db slow --log /var/log/postgresql/pg.log --state /var/lib/perfkit/slow.state   # incremental',
      'perfkit db slow merge monday.json tuesday.json --top 50',
    ]))
    .action(action('db slow', () => import('../db/slow/command.js')));

  const cache = program.command('cache').description('Redis: cache effectiveness, memory by namespace, big and cold keys').exitOverride();
  cache
    .command('inspect')
    .description('how well a Redis cache works (hit ratio, evictions, memory, fragmentation) and what its keyspace holds, by SCAN: namespaces, big and cold keys, TTLs; one server or every cluster master')
    .option('--redis <url>', 'Redis URL (env: PERFKIT_REDIS_URL, REDIS_URL; config redis.url; default redis://127.0.0.1:6379)')
    .option('--cluster', 'the URL is a Redis Cluster node: scan every master and merge')
    .option('--pattern <glob>', 'only keys matching this SCAN MATCH pattern, e.g. "user:*"')
    .option('--type <type>', 'only keys of this type (string, list, set, zset, hash, stream)')
    .option('--sample <n>', 'scan about n keys and scale up, with the margin stated (default: a full scan)')
    .option('--top <n>', 'how many big and cold keys to list', '20')
    .option('--samples <n>', 'MEMORY USAGE SAMPLES for collections (0: exact, slower on big keys)', '5')
    .option('--delimiter <chars>', 'characters that separate namespace segments', ':')
    .option('--cold-after <duration>', 'a key is cold when idle this long (LRU policies), e.g. 6h, 7d', '24h')
    .option('--big-key-bytes <n>', 'a key this big is reported as a big key', String(1024 * 1024))
    .option('--interval <duration>', 'also sample INFO twice this far apart: ops/s, hits/s, misses/s, evictions/s now')
    .option('--max-latency-ms <ms>', 'slow the scan down to keep the server’s response time (PING probe) under this')
    .option('--count <n>', 'SCAN COUNT per page (the throttle lowers it)', '500')
    .option('--cursor <cursor>', 'resume a scan where perfkit said it stopped (host:port=cursor,… for a cluster)')
    .option('--elements <mode>', 'count elements of every key (all), of the biggest only (top), none, or auto: all unless it would disturb LRU/LFU eviction', 'auto')
    .option('--no-scan', 'effectiveness only (INFO, SLOWLOG, LATENCY): no SCAN')
    .option('--save <file>', 'also keep this report as JSON, for a later --compare')
    .option('--compare <file>', 'show what grew or shrank per namespace since a saved report')
    .option('--connect-timeout <duration>', 'how long to wait for a connection (default 10s)')
    .addHelpText('after', examples([
      'perfkit cache inspect --redis redis://cache.internal:6379',
      'perfkit cache inspect --interval 10s --no-scan                  # hit ratio and evictions right now',
      'perfkit cache inspect --redis redis://10.0.0.5:7000 --cluster   # every master, merged',
      'perfkit cache inspect --sample 100000 --max-latency-ms 2        # gentle on a busy production server',
      'perfkit cache inspect --save before.json && deploy && perfkit cache inspect --compare before.json',
      'perfkit cache inspect --format json | jq \'.data.bigKeys[:5]\'',
      'perfkit cache inspect --threshold "hitRatio>=0.9" --threshold "fragmentationRatio<1.5"',
    ]))
    .action(action('cache inspect', () => import('../cache/inspect/command.js')));

  dbOptions(
    cache
      .command('warm')
      .description('fill Redis (from NDJSON, CSV or SQL) or an HTTP cache (from a URL list or sitemap) ahead of traffic, resumably, with evidence')
      .option('--from <source>', 'items.ndjson | items.csv | "sql:SELECT … AS key, … AS value FROM …" | urls.txt | sitemap.xml | https://…/sitemap.xml | - (stdin)')
      .option('--input-format <format>', 'ndjson, csv, urls or sitemap, when the name does not say (e.g. stdin)')
      .option('--dry-run', 'read and validate everything, write or request nothing')
      .option('--concurrency <n>', 'Redis: batches in flight (default 4); HTTP: requests in flight (default 8)')
      .option('--rate <n>', 'at most this many items (Redis) or requests (HTTP) per second, evenly spaced')
      .option('--retries <n>', 'Redis: reconnect attempts after a dropped connection (default 5); HTTP: per request (default 2)')
      .option('--on-error <mode>', 'a bad record or URL line: continue (count it as failed) or stop', 'continue')
      .option('--redis <url>', 'Redis URL (env: PERFKIT_REDIS_URL, REDIS_URL; config redis.url; default redis://127.0.0.1:6379)')
      .option('--cluster', 'Redis Cluster: write each key to its master, grouped by node')
      .option('--type <type>', 'value type of records without "type": string, hash, set, zset or list', 'string')
      .option('--ttl <duration>', 'TTL for records without "ttl", e.g. 1h')
      .option('--ttl-jitter <pct>', 'spread TTLs by ± this share so keys do not expire at once, e.g. 10%')
      .option('--mode <mode>', 'nx: only where absent (default); xx: only where present; set: overwrite', 'nx')
      .option('--batch <n>', 'records per pipelined batch (default 1000)')
      .option('--checkpoint <file>', 'where to keep progress (default for files: .perfkit/warm/<hash>.json)')
      .option('--no-checkpoint', 'keep no checkpoint')
      .option('--resume', 'continue after the last settled record of an earlier run (same command)')
      .option('--verify [n]', 'Redis: read back a sample of n written keys (default 100) and compare')
      .option('--no-verify', 'HTTP: skip the verification pass')
      .option('--method <method>', 'HTTP: GET (default) or HEAD')
      .option('--variant <headers>', 'HTTP: a header set that makes a cache variant, e.g. "Accept-Encoding: br" (repeatable)', collect)
      .option('--header <header>', 'HTTP: a header for every request, "Name: value" (repeatable)', collect)
      .option('--timeout <duration>', 'HTTP: per request (default 10s)')
      .option('--base-url <url>', 'HTTP: the site root every URL goes to: paths are put under it, absolute URLs take its scheme, host and port (warm staging or one cache node from production’s sitemap)')
      .option('--order <order>', 'HTTP sitemaps: lastmod (newest first, the default), priority or none; URL lists keep their order')
      .option('--limit <n>', 'HTTP: only the first n URLs')
  )
    .addHelpText('after', examples([
      'perfkit cache warm --from products.ndjson --redis redis://cache:6379 --ttl 1h --ttl-jitter 10%',
      'perfkit cache warm --from "sql:SELECT \'product:\' || id AS key, row_to_json(p) AS value FROM products p" --db postgres://app@db/shop --ttl 6h',
      'perfkit cache warm --from sessions.csv --mode set --verify 500',
      'perfkit cache warm --from products.ndjson --resume             # after a failure: continue where it stopped',
      'perfkit cache warm --from https://www.example.com/sitemap.xml --variant "Accept-Encoding: br" --variant "Accept-Encoding: gzip"',
      'perfkit cache warm --from urls.txt --base-url https://cdn.example.com --concurrency 16 --rate 50',
    ]))
    .action(action('cache warm', () => import('../cache/warm/command.js')));

  const cdn = program.command('cdn').description('CDN and HTTP cache purges: CloudFront, Cloudflare, Fastly, Akamai, Varnish, nginx').exitOverride();
  cdn
    .command('invalidate')
    .alias('purge')
    .description('purge paths, URLs, tags, prefixes or everything on any CDN: planned, batched, retried, waited for, and warmed again')
    .argument('[items...]', 'paths (/a/b, /c/*), URLs (https://…), #tags, or - for a list on stdin')
    .option('--provider <name>', 'cloudfront, cloudflare, fastly, akamai, varnish or nginx (config: cdn.provider)')
    .option('--from-file <file>', 'paths, URLs or #tags, one per line (- for stdin)')
    .option('--changed-since <git-ref>', 'purge what changed in --dir since this commit (a deploy)')
    .option('--dir <build-dir>', 'with --changed-since: the folder whose files are served')
    .option('--base-url <url>', 'makes paths into URLs (for providers that purge URLs, --changed-since and --then-warm)')
    .option('--tag <tag>', 'a cache tag / surrogate key (repeatable)', collect)
    .option('--prefix <host/path>', 'a prefix (Cloudflare; repeatable)', collect)
    .option('--host <host>', 'a hostname (Cloudflare; repeatable)', collect)
    .option('--cpcode <n>', 'a CP code (Akamai; repeatable)', collect)
    .option('--ban <regex>', 'a ban expression (Varnish; repeatable)', collect)
    .option('--all', 'purge everything (asks for confirmation; --yes in CI)')
    .option('--yes', 'do not ask before --all')
    .option('--dry-run', 'print the exact requests, send nothing')
    .option('--wait', 'wait until the provider reports completion (CloudFront polls; Akamai waits its estimate)')
    .option('--wait-timeout <duration>', 'give up waiting after this long (default 30m)')
    .option('--then-warm', 'after the purge (and --wait), warm the purged URLs with cache warm’s HTTP warmer')
    .option('--variant <headers>', 'with --then-warm: a header set per cache variant (repeatable)', collect)
    .option('--collapse', 'CloudFront: replace paths by wildcards where that costs less')
    .option('--soft', 'Fastly: soft purge (mark stale instead of removing)')
    .option('--delete', 'Akamai: delete instead of invalidate')
    .option('--network <network>', 'Akamai: production (default) or staging')
    .option('--retries <n>', 'retries of a batch after 429, 5xx or throttling (default 5)')
    .option('--concurrency <n>', 'requests in flight (default 4)')
    .option('--timeout <duration>', 'per request (default 30s)')
    .option('--distribution-id <id>', 'CloudFront distribution (config: cdn.cloudfront.distributionId)')
    .option('--zone <id>', 'Cloudflare zone id (config: cdn.cloudflare.zone); token in CLOUDFLARE_API_TOKEN')
    .option('--service-id <id>', 'Fastly service (config: cdn.fastly.serviceId); token in FASTLY_API_TOKEN')
    .option('--edgerc <file>', 'Akamai credentials (default ~/.edgerc)')
    .option('--section <name>', 'Akamai .edgerc section (default ccu)')
    .option('--server <url>', 'Varnish/nginx: where to send PURGE and BAN (default: each URL’s own host)')
    .option('--purge-method <method>', 'Varnish/nginx: the purge method the config expects (default PURGE)')
    .option('--ban-method <method>', 'Varnish: the ban method (default BAN)')
    .option('--ban-header <name>', 'Varnish: the header carrying the ban regex (default X-Ban-Url)')
    .option('--purge-location <prefix>', 'nginx: a separate purge location, e.g. /purge (GET /purge/<path>)')
    .option('--endpoint <url>', 'the provider API’s base URL (proxies, tests)')
    .addHelpText('after', examples([
      "perfkit cdn invalidate --provider cloudfront --distribution-id E2ABC /index.html '/assets/*' --wait",
      'perfkit cdn invalidate --provider cloudflare --zone 023e1… https://www.example.com/a --tag product-42',
      'perfkit cdn invalidate --provider fastly --service-id SU1Z… --tag product-42 --soft',
      'perfkit cdn invalidate --provider akamai --network staging https://www.example.com/a --wait',
      'perfkit cdn invalidate --provider varnish --server http://127.0.0.1:6081 /products/42 --ban "^/search"',
      'perfkit cdn invalidate --provider cloudfront --changed-since origin/main --dir public --dry-run --collapse',
      'perfkit cdn purge --provider varnish --from-file urls.txt --then-warm --variant "Accept-Encoding: gzip"',
    ]))
    .action(action('cdn invalidate', () => import('../cdn/command.js')));

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
    .action(action('loadtest', () => import('../loadtest/command.js')));

  program
    .command('demo')
    .description('the main job end to end on an embedded PostgreSQL seeded with a demo shop: no server needed')
    .option('--keep', 'leave the embedded server listening and print its URL')
    .option('--top <n>', 'how many of the slowest queries to explain', '5')
    .addHelpText('after', examples(['perfkit demo', 'perfkit demo --format markdown > demo.md', 'perfkit demo --keep']))
    .action(action('demo', () => import('../demo/command.js')));

  dbOptions(
    program
      .command('doctor')
      .description('what is available here (PostgreSQL, extensions, Redis, Chromium, credentials) and how to fix what is not')
      .option('--redis <url>', 'Redis URL (env: PERFKIT_REDIS_URL, REDIS_URL; default redis://127.0.0.1:6379)'),
  )
    .addHelpText('after', examples(['perfkit doctor', 'perfkit doctor --db postgres://app@db/shop --format json']))
    .action(action('doctor', () => import('../doctor/command.js')));

  program
    .command('init')
    .description('write a commented starter perfkit.config.yaml')
    .option('--force', 'overwrite an existing file')
    .addHelpText('after', examples(['perfkit init', 'perfkit init --force']))
    .action(action('init', () => import('../init/command.js')));

  return program;
}
