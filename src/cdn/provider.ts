// The one interface every CDN (and self-hosted cache) implements for `perfkit cdn invalidate`. The core
// (cdn/invalidate.ts) gathers and normalizes the items, asks the provider to plan batches, previews them
// for --dry-run, sends them with retries, waits for completion and reports. A provider module knows its
// API: limits, request shapes, auth, errors, completion. Provider modules live in connectors/cdn/.

/** What can be purged. `url`: an absolute URL; `path`: /a/b (CloudFront); `tag`: a cache tag or surrogate
 *  key; `prefix`: host/path (Cloudflare); `host`: a hostname; `cpcode`: an Akamai CP code; `ban`: a
 *  Varnish ban regex; `all`: everything. */
export type ItemKind = 'url' | 'path' | 'tag' | 'prefix' | 'host' | 'cpcode' | 'ban' | 'all';

export interface PurgeItem {
  kind: ItemKind;
  value: string;
}

export interface Batch {
  /** One kind per batch: every API takes one kind per request. */
  kind: ItemKind;
  items: PurgeItem[];
  /** Batches of one wave may be in flight together; the next wave starts when the provider allows
   *  (CloudFront: in-flight path and wildcard limits). Most providers put everything in wave 0. */
  wave: number;
}

/** An exact request as it would be sent, with secrets replaced by '***'. */
export interface RequestPreview {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface BatchResult {
  /** The provider's id for the request: invalidation id, purge id, support id. */
  providerId?: string;
  httpStatus?: number;
  /** Akamai: how long the provider says completion takes. */
  estimatedSeconds?: number;
  /** The provider's status word: InProgress, Completed, ok, … */
  status?: string;
  note?: string;
}

/** A failure worth retrying (429, 5xx, throttling, a dropped connection). */
export class TransientError extends Error {
  constructor(
    message: string,
    readonly opts: { retryAfterMs?: number; httpStatus?: number; code?: string } = {},
  ) {
    super(message);
  }
}

/** A failure of this batch that retrying will not fix (a 4xx other than 429, an invalid path). */
export class BatchError extends Error {
  constructor(
    message: string,
    readonly opts: { httpStatus?: number; code?: string } = {},
  ) {
    super(message);
  }
}

export interface WaitOptions {
  signal: AbortSignal;
  timeoutMs: number;
  onProgress(text: string): void;
  /** Injected so tests need not wait real seconds. */
  sleep(ms: number): Promise<void>;
}

export interface CdnProvider {
  readonly name: ProviderName;
  /** The item kinds this provider can purge. */
  readonly supports: readonly ItemKind[];
  /** Normalizes items (CloudFront path encoding, URL → path, …); items it cannot purge come back rejected with why. */
  normalize(items: PurgeItem[]): { items: PurgeItem[]; rejected: Array<{ item: PurgeItem; why: string }> };
  /** Splits items into batches within the per-request limits, in waves within the in-flight limits. */
  plan(items: PurgeItem[]): Batch[];
  /** The exact request(s) one batch sends, secrets redacted. */
  preview(batch: Batch): RequestPreview[];
  /** Fails (connectError, exit 3) when a needed credential or setting is missing, naming it, never its value.
   *  No network. */
  checkCredentials(): Promise<void>;
  /** Sends one batch. Throws TransientError (retried by the core), BatchError (this batch failed), or a
   *  PerfkitError connectError for wrong credentials (the run stops, exit 3). */
  send(batch: Batch, signal: AbortSignal): Promise<BatchResult>;
  /** Only for asynchronous providers: waits until what was sent is complete. */
  waitFor?(sent: Array<{ batch: Batch; result: BatchResult }>, o: WaitOptions): Promise<void>;
  /** CloudFront: before a wave, wait until the in-flight limits leave room for it. */
  beforeWave?(wave: number, o: WaitOptions): Promise<void>;
  /** CloudFront: what the request costs. */
  estimateCost?(items: PurgeItem[]): { billablePaths: number; estimatedCostUsd: number; note: string };
  /** CloudFront --collapse: proposes wildcards where they cost less than the paths they cover. */
  collapse?(items: PurgeItem[]): { items: PurgeItem[]; replaced: Array<{ wildcard: string; covers: number }> };
}

export type ProviderName = 'cloudfront' | 'cloudflare' | 'fastly' | 'akamai' | 'varnish' | 'nginx';
export const PROVIDERS: readonly ProviderName[] = ['cloudfront', 'cloudflare', 'fastly', 'akamai', 'varnish', 'nginx'];

/** What a provider module gets: the command's flags merged over the config's `cdn.<provider>` section,
 *  the environment (credentials), and where relative files are. */
export interface ProviderSettings {
  /** Provider-specific settings (flags over config), e.g. distributionId, zoneId, serviceId, edgerc,
   *  section, network, soft, server, purgeMethod, banMethod, banHeader, purgeLocation, endpoint. */
  options: Record<string, string | boolean | undefined>;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Registers a secret to be redacted everywhere (tokens, keys). */
  secret(value: string | undefined): void;
  /** Per-request timeout. */
  timeoutMs: number;
}

export type ProviderModule = { createProvider(s: ProviderSettings): CdnProvider };
