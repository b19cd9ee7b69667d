// The `cache` commands: inspect and warm.
import type { Command } from 'commander';
import { collect, dbOptions, examples, type Action } from './common.js';

export function registerCache(program: Command, action: Action): void {
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
    .action(action('cache inspect', () => import('../../cache/inspect/command.js')));

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
    .action(action('cache warm', () => import('../../cache/warm/command.js')));
}
