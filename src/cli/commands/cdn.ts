// The `cdn` commands: invalidate (alias purge).
import type { Command } from 'commander';
import { collect, examples, type Action } from './common.js';

export function registerCdn(program: Command, action: Action): void {
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
    .action(action('cdn invalidate', () => import('../../cdn/command.js')));
}
