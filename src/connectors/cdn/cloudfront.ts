// AWS CloudFront for `perfkit cdn invalidate`: path encoding, cache tags (#tag), batches in waves within the
// in-flight limits (3,000 paths and 15 wildcards per distribution), an idempotent CreateInvalidation,
// completion polling, a cost estimate and --collapse. The AWS SDK is imported only when a request is sent.
//
// Settings (flags over config cdn.cloudfront): distributionId (required), endpoint (API base URL, for proxies
// and tests), runId (makes CallerReference reproducible; default: one per run). Credentials: the AWS default
// chain read from settings.env — AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), else
// AWS_PROFILE, else ~/.aws files, web identity, container or instance roles.
import { retryAfterMs as parseRetryAfterHeader } from '../../util/retry.js';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectError, PerfkitError, runtimeError, usageError } from '../../cli/errors.js';
import {
  BatchError,
  TransientError,
  type Batch,
  type BatchResult,
  type CdnProvider,
  type ProviderSettings,
  type RequestPreview,
  type WaitOptions,
} from '../../cdn/provider.js';

export * from './cloudfront-paths.js';
import { CLOUDFRONT_API_VERSION, CLOUDFRONT_DEFAULT_ENDPOINT, CLOUDFRONT_LIMITS, POLL, callerReference, collapsePaths, estimateCloudFrontCost, inflightUse, invalidationBatchXml, normalizeItems, planWaves, wirePath } from './cloudfront-paths.js';

/** Waits with backoff until check() says done, o.timeoutMs passes (onTimeout), or o.signal aborts. A
 *  transient failure of a check only delays the next one. Time counts what was slept, so an injected
 *  fast sleep still reaches the timeout. */
export async function pollUntil(o: WaitOptions, check: () => Promise<{ done: boolean; text: string }>, onTimeout: () => Error, rand: () => number = Math.random): Promise<void> {
  const start = Date.now();
  let slept = 0;
  let delay: number = POLL.firstMs;
  for (;;) {
    if (o.signal.aborted) throw interrupted();
    let r: { done: boolean; text: string };
    try {
      r = await check();
    } catch (e) {
      if (!(e instanceof TransientError)) throw e;
      r = { done: false, text: `CloudFront: ${e.message}` };
    }
    if (r.done) return;
    const left = o.timeoutMs - Math.max(Date.now() - start, slept);
    if (left <= 0) throw onTimeout();
    const wait = Math.max(1, Math.min(left, Math.round(delay * (0.8 + 0.4 * rand()))));
    o.onProgress(`${r.text}; next check in ${seconds(wait)}`);
    await o.sleep(wait);
    slept += wait;
    delay = Math.min(POLL.maxMs, delay * 2);
  }
}

const seconds = (ms: number) => (ms >= 60_000 ? `${Math.round(ms / 6_000) / 10} min` : `${Math.round(ms / 100) / 10} s`);
const interrupted = () => new PerfkitError('interrupted', 'interrupted while talking to CloudFront', 'invalidations already sent continue on their own; run again for the rest');

// ---- credentials (offline) ------------------------------------------------------------------------------

/** Where the credentials come from, in words that name no value. */
export function credentialSource(env: Record<string, string | undefined>): string {
  if (env.AWS_ACCESS_KEY_ID) return env.AWS_SESSION_TOKEN ? 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN' : 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY';
  if (env.AWS_PROFILE) return `AWS profile '${env.AWS_PROFILE}' (AWS_PROFILE)`;
  return 'the AWS default credential chain';
}

function awsFiles(env: Record<string, string | undefined>): { credentials: string; config: string } {
  const home = env.HOME || env.USERPROFILE || os.homedir();
  return {
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'),
    config: env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config'),
  };
}

const readText = (f: string) => {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return undefined;
  }
};

/** An EC2 instance (its role comes from the metadata service), recognised from local files only. */
function onEc2(env: Record<string, string | undefined>): boolean {
  if (env.AWS_EC2_METADATA_DISABLED === 'true') return false;
  const vendor = readText('/sys/class/dmi/id/sys_vendor') ?? '';
  const uuid = readText('/sys/hypervisor/uuid') ?? '';
  return /amazon/i.test(vendor) || /^ec2/i.test(uuid);
}

/** Fails only when clearly nothing is configured, or a configured piece is missing; never opens a socket. */
export function checkAwsCredentials(env: Record<string, string | undefined>): void {
  const hint = 'export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE=<profile> (aws configure / aws sso login); the identity needs cloudfront:CreateInvalidation, and GetInvalidation + ListInvalidations for --wait and waves';
  if (env.AWS_ACCESS_KEY_ID && !env.AWS_SECRET_ACCESS_KEY) throw connectError('AWS_SECRET_ACCESS_KEY is not set (AWS_ACCESS_KEY_ID is)', hint);
  if (env.AWS_SECRET_ACCESS_KEY && !env.AWS_ACCESS_KEY_ID) throw connectError('AWS_ACCESS_KEY_ID is not set (AWS_SECRET_ACCESS_KEY is)', hint);
  if (env.AWS_ACCESS_KEY_ID) return;
  const files = awsFiles(env);
  if (env.AWS_PROFILE) {
    const p = env.AWS_PROFILE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const inCreds = new RegExp(`^\\s*\\[\\s*${p}\\s*\\]`, 'm').test(readText(files.credentials) ?? '');
    const inConfig = new RegExp(`^\\s*\\[\\s*(profile\\s+)?${p}\\s*\\]`, 'm').test(readText(files.config) ?? '');
    if (!inCreds && !inConfig) throw connectError(`AWS_PROFILE '${env.AWS_PROFILE}' is in neither ${files.credentials} nor ${files.config}`, 'check the profile name (aws configure list-profiles)');
    return;
  }
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return;
  if (existsSync(files.credentials) || existsSync(files.config) || onEc2(env)) return;
  throw connectError(`no AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and AWS_PROFILE are not set, and there is no ${files.credentials} or ${files.config}`, hint);
}

// ---- errors ---------------------------------------------------------------------------------------------

const TRANSIENT_CODES = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'ServiceUnavailable', 'InternalError', 'InternalFailure', 'RequestTimeout', 'RequestTimeoutException', 'TooManyInvalidationsInProgress', 'SlowDown', 'TimeoutError']);
const AUTH_CODES = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException', 'InvalidAccessKeyId', 'IncompleteSignature', 'MissingAuthenticationToken', 'AuthFailure', 'InvalidToken']);
const EXPIRED_CODES = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
const DENIED_CODES = new Set(['AccessDenied', 'AccessDeniedException', 'NotAuthorized']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED', 'ESOCKETTIMEDOUT', 'UND_ERR_SOCKET']);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

/** Maps what the SDK threw to TransientError, BatchError or a catalogue error. */
export function describeCloudFrontError(e: unknown, ctx: { op: string; distributionId: string; source: string; endpoint: string; aborted: boolean }): Error {
  if (e instanceof PerfkitError || e instanceof TransientError || e instanceof BatchError) return e;
  const err = (e ?? {}) as SdkError;
  const code = err.name && err.name !== 'Error' ? err.name : (err.code ?? 'Error');
  const msg = err.message ?? String(e);
  const status = err.$metadata?.httpStatusCode;
  const what = `${code}${msg && msg !== code ? `: ${msg}` : ''}`;
  if (ctx.aborted || code === 'AbortError') return interrupted();
  if (code === 'CredentialsProviderError') return connectError(`no usable AWS credentials from ${ctx.source} (${msg})`, 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE');
  if (AUTH_CODES.has(code)) return connectError(`CloudFront refused the credentials from ${ctx.source} (${status ?? ''} ${what})`.replace('( ', '('), 'check the access key id and secret (or the profile); keys are case-sensitive');
  if (EXPIRED_CODES.has(code)) return connectError(`the credentials from ${ctx.source} have expired (${what})`, 'refresh them (aws sso login, or a new AWS_SESSION_TOKEN)');
  if (DENIED_CODES.has(code)) return connectError(`CloudFront denied ${ctx.op} on distribution ${ctx.distributionId} to the identity from ${ctx.source} (${what})`, `grant cloudfront:${ctx.op} on that distribution`);
  if (err.code === 'ENOTFOUND') return connectError(`cannot reach the CloudFront API at ${ctx.endpoint}: host not found`, 'check --endpoint and the network');
  const retryAfterMs = parseRetryAfterHeader(err.$response?.headers?.['retry-after']);
  if (TRANSIENT_CODES.has(code) || (status !== undefined && (status === 429 || status >= 500))) {
    // Room in flight comes back only as invalidations complete, which takes minutes.
    const fallback = code === 'TooManyInvalidationsInProgress' ? 30_000 : undefined;
    return new TransientError(`${ctx.op}: ${what}`, { retryAfterMs: retryAfterMs ?? fallback, httpStatus: status, code });
  }
  if (NETWORK_CODES.has(err.code ?? '') || NETWORK_CODES.has(code) || (status === undefined && /socket|network|timed? ?out/i.test(msg))) {
    return new TransientError(`${ctx.op}: ${err.code ?? code} talking to ${ctx.endpoint}`, { code: err.code ?? code });
  }
  if (code === 'NoSuchDistribution') return new BatchError(`distribution ${ctx.distributionId} does not exist or is not visible to these credentials (NoSuchDistribution)`, { httpStatus: status, code });
  return new BatchError(`${ctx.op}: ${what}`, { httpStatus: status, code });
}

// ---- the provider ---------------------------------------------------------------------------------------

type Sdk = typeof import('@aws-sdk/client-cloudfront');

export function createProvider(settings: ProviderSettings): CdnProvider {
  const env = settings.env;
  const opt = settings.options;
  const endpoint = typeof opt.endpoint === 'string' && opt.endpoint ? opt.endpoint.replace(/\/+$/, '') : undefined;
  const runId = typeof opt.runId === 'string' && opt.runId ? opt.runId : `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const source = credentialSource(env);
  for (const k of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID']) settings.secret(env[k]);

  const distributionId = (): string => {
    const id = typeof opt.distributionId === 'string' ? opt.distributionId.trim() : '';
    if (!id) throw usageError('CloudFront needs a distribution id', 'add --distribution-id E2ABC… (or cdn.cloudfront.distributionId in the config)');
    if (!/^[A-Z0-9]+$/.test(id)) throw usageError(`--distribution-id '${id}': not a CloudFront distribution id`, 'ids look like E2QWRUHAPOMQZL (aws cloudfront list-distributions)');
    return id;
  };
  const requestFor = (batch: Batch) => {
    const DistributionId = distributionId();
    const paths = batch.items.map(wirePath);
    return { DistributionId, InvalidationBatch: { CallerReference: callerReference(DistributionId, paths, runId), Paths: { Quantity: paths.length, Items: paths } } };
  };

  let sdkClient: Promise<{ sdk: Sdk; client: InstanceType<Sdk['CloudFrontClient']> }> | undefined;
  const client = () =>
    (sdkClient ??= import('@aws-sdk/client-cloudfront').then((sdk) => {
      // Built from settings.env, not process.env: keys win, then the profile, then the SDK's own chain.
      const credentials = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined } : undefined;
      const c = new sdk.CloudFrontClient({
        region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
        endpoint,
        maxAttempts: 1, // the core retries, visibly
        ...(credentials ? { credentials } : env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {}),
        requestHandler: { requestTimeout: settings.timeoutMs, connectionTimeout: settings.timeoutMs },
      });
      return { sdk, client: c };
    }));
  const fail = (e: unknown, op: string, signal?: AbortSignal) =>
    describeCloudFrontError(e, { op, distributionId: distributionId(), source, endpoint: endpoint ?? CLOUDFRONT_DEFAULT_ENDPOINT, aborted: Boolean(signal?.aborted) });

  // What this run created, and what each in-flight invalidation holds (paths never change).
  const mine = new Map<string, { done: boolean }>();
  const use = new Map<string, { paths: number; wildcards: number }>();
  const waveNeeds = new Map<number, { paths: number; wildcards: number }>();

  const getInvalidation = async (id: string, signal: AbortSignal) => {
    const { sdk, client: c } = await client();
    try {
      const out = await c.send(new sdk.GetInvalidationCommand({ DistributionId: distributionId(), Id: id }), { abortSignal: signal });
      const inv = out.Invalidation;
      if (!use.has(id) && inv?.InvalidationBatch?.Paths?.Items) use.set(id, inflightUse(inv.InvalidationBatch.Paths.Items));
      if (inv?.Status === 'Completed' && mine.has(id)) mine.get(id)!.done = true;
      return inv?.Status ?? 'unknown';
    } catch (e) {
      throw fail(e, 'GetInvalidation', signal);
    }
  };

  /** The invalidations in progress on the distribution (anyone's), and what they hold. */
  const inFlight = async (signal: AbortSignal) => {
    const { sdk, client: c } = await client();
    const status = new Map<string, string>();
    try {
      let marker: string | undefined;
      for (let page = 0; page < 10; page++) {
        const out = await c.send(new sdk.ListInvalidationsCommand({ DistributionId: distributionId(), Marker: marker, MaxItems: 100 }), { abortSignal: signal });
        const list = out.InvalidationList;
        for (const s of list?.Items ?? []) if (s.Id) status.set(s.Id, s.Status ?? '');
        // Newest first: a page with nothing in progress means the older ones are done too.
        if (!list?.IsTruncated || !list.NextMarker || !(list.Items ?? []).some((s) => s.Status === 'InProgress')) break;
        marker = list.NextMarker;
      }
    } catch (e) {
      const err = fail(e, 'ListInvalidations', signal);
      // Without ListInvalidations, count only what this run created.
      if (!(err instanceof PerfkitError && err.kind === 'connect' && DENIED_CODES.has((e as SdkError).name ?? ''))) throw err;
    }
    for (const [id, m] of mine) if (!m.done && !status.has(id)) status.set(id, await getInvalidation(id, signal));
    const ids = [...status].filter(([, s]) => s === 'InProgress').map(([id]) => id);
    for (const [id, m] of mine) if (status.get(id) === 'Completed') m.done = true;
    let paths = 0;
    let wildcards = 0;
    for (const id of ids) {
      if (!use.has(id)) await getInvalidation(id, signal);
      paths += use.get(id)?.paths ?? 0;
      wildcards += use.get(id)?.wildcards ?? 0;
    }
    return { paths, wildcards, ids };
  };

  return {
    name: 'cloudfront',
    supports: ['url', 'path', 'tag', 'all'],
    normalize: normalizeItems,
    plan(items) {
      const batches = planWaves(items);
      waveNeeds.clear();
      for (const b of batches) {
        const u = inflightUse(b.items.map(wirePath));
        const w = waveNeeds.get(b.wave) ?? { paths: 0, wildcards: 0 };
        waveNeeds.set(b.wave, { paths: w.paths + u.paths, wildcards: w.wildcards + u.wildcards });
      }
      return batches;
    },
    preview(batch): RequestPreview[] {
      const req = requestFor(batch);
      const base = endpoint ?? CLOUDFRONT_DEFAULT_ENDPOINT;
      return [
        {
          method: 'POST',
          url: `${base}/${CLOUDFRONT_API_VERSION}/distribution/${encodeURIComponent(req.DistributionId)}/invalidation`,
          headers: { 'Content-Type': 'application/xml', Authorization: '***' },
          body: invalidationBatchXml(req.InvalidationBatch.CallerReference, req.InvalidationBatch.Paths.Items),
        },
      ];
    },
    async checkCredentials() {
      distributionId();
      checkAwsCredentials(env);
    },
    async send(batch, signal): Promise<BatchResult> {
      const req = requestFor(batch);
      const { sdk, client: c } = await client();
      try {
        const out = await c.send(new sdk.CreateInvalidationCommand(req), { abortSignal: signal });
        const id = out.Invalidation?.Id;
        if (!id) throw new BatchError('CreateInvalidation answered without an invalidation id');
        mine.set(id, { done: out.Invalidation?.Status === 'Completed' });
        use.set(id, inflightUse(req.InvalidationBatch.Paths.Items));
        return { providerId: id, httpStatus: out.$metadata.httpStatusCode, status: out.Invalidation?.Status };
      } catch (e) {
        throw fail(e, 'CreateInvalidation', signal);
      }
    },
    async beforeWave(wave, o) {
      if (wave === 0) return;
      const need = waveNeeds.get(wave) ?? { paths: CLOUDFRONT_LIMITS.inflightPaths, wildcards: CLOUDFRONT_LIMITS.inflightWildcards };
      let last = { paths: 0, wildcards: 0, ids: [] as string[] };
      await pollUntil(
        o,
        async () => {
          last = await inFlight(o.signal);
          const fits = last.paths + need.paths <= CLOUDFRONT_LIMITS.inflightPaths && last.wildcards + need.wildcards <= CLOUDFRONT_LIMITS.inflightWildcards;
          return { done: fits, text: `wave ${wave + 1} (${need.paths} paths, ${need.wildcards} wildcards) waits for room: ${last.paths} paths and ${last.wildcards} wildcards in flight in ${last.ids.length} invalidation${last.ids.length === 1 ? '' : 's'}` };
        },
        () =>
          runtimeError(
            `CloudFront: wave ${wave + 1} was not sent: ${last.ids.length} invalidation${last.ids.length === 1 ? ' was' : 's were'} still in progress after ${seconds(o.timeoutMs)} (${last.paths} paths, ${last.wildcards} wildcards of 3,000 and 15)`,
            `the sent waves continue on their own; check with: aws cloudfront list-invalidations --distribution-id ${distributionId()}; then run again for the rest, or raise --wait-timeout`,
          ),
      );
    },
    async waitFor(sent, o) {
      const ids = [...new Set(sent.filter((s) => s.result.providerId && s.result.status !== 'Completed').map((s) => s.result.providerId!))];
      const pending = new Set(ids);
      await pollUntil(
        o,
        async () => {
          for (const id of [...pending]) {
            try {
              if ((await getInvalidation(id, o.signal)) === 'Completed') pending.delete(id);
            } catch (e) {
              if (!(e instanceof TransientError)) throw e instanceof BatchError ? runtimeError(`CloudFront: cannot follow invalidation ${id}: ${e.message}`, 'check it in the console or with aws cloudfront get-invalidation') : e;
            }
          }
          const list = [...pending];
          return { done: !list.length, text: `${ids.length - list.length} of ${ids.length} invalidation${ids.length === 1 ? '' : 's'} completed; waiting on ${list.slice(0, 3).join(', ')}${list.length > 3 ? ' …' : ''}` };
        },
        () => {
          const list = [...pending];
          return runtimeError(
            `CloudFront: ${list.length} invalidation${list.length === 1 ? ' is' : 's are'} still InProgress after ${seconds(o.timeoutMs)}: ${list.join(', ')}`,
            `they complete on their own; check with: aws cloudfront get-invalidation --distribution-id ${distributionId()} --id ${list[0]}${list.length > 1 ? ' (and the other ids)' : ''}, or raise --wait-timeout`,
          );
        },
      );
    },
    estimateCost: estimateCloudFrontCost,
    collapse: (items) => collapsePaths(items),
  };
}
