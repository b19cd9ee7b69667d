// A local CloudFront API (2020-05-31, REST-XML) for tests that drive the real @aws-sdk/client-cloudfront:
// CreateInvalidation, GetInvalidation and ListInvalidations, with SigV4 verification (the access key must be
// known, the signature must match its secret), idempotent CallerReference, the in-flight limits (3,000
// paths, 15 wildcards → TooManyInvalidationsInProgress), completion after N polls or T ms, and injected
// failures (Throttling, 5xx, anything). Every request is recorded. Loopback only, a free port; stop() closes it.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** path and query, as sent */
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Date.now() when it arrived */
  at: number;
}

export interface Injected {
  status: number;
  code: string;
  message?: string;
  /** Retry-After header value */
  retryAfter?: string;
  /** how many matching requests fail (default 1) */
  times?: number;
  /** only this operation (default: any) */
  op?: 'CreateInvalidation' | 'GetInvalidation' | 'ListInvalidations';
}

export interface FakeInvalidation {
  id: string;
  distributionId: string;
  callerReference: string;
  paths: string[];
  createdAt: number;
  polls: number;
  status: 'InProgress' | 'Completed';
}

export interface FakeCloudFront {
  /** http://127.0.0.1:PORT — give it to the SDK as `endpoint` */
  url: string;
  requests: RecordedRequest[];
  invalidations: FakeInvalidation[];
  inject(f: Injected): void;
  /** Marks one invalidation, or all, Completed. */
  complete(id?: string): void;
  /** Someone else's invalidation, already in flight. */
  addInvalidation(distributionId: string, paths: string[], status?: 'InProgress' | 'Completed'): FakeInvalidation;
  stop(): Promise<void>;
}

export interface FakeCloudFrontOptions {
  /** access key id → secret access key */
  keys?: Record<string, string>;
  distributions?: string[];
  /** An invalidation turns Completed after this many status reads of it (GetInvalidation, or a
   *  ListInvalidations page that shows it; default 2)… */
  completeAfterPolls?: number;
  /** …or this long after it was created, whichever comes first (default: never by time). */
  completeAfterMs?: number;
  inflightPaths?: number;
  inflightWildcards?: number;
}

const NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unesc = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s).digest();
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Verifies AWS Signature Version 4 the way AWS does, for the keys given. */
function verifySigV4(req: RecordedRequest, keys: Record<string, string>): void {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) throw new ApiError(403, 'MissingAuthenticationToken', 'Missing Authentication Token');
  const [, akid, date, region, service, signed, signature] = m as unknown as string[];
  const secret = keys[akid!];
  if (secret === undefined) throw new ApiError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  const [rawPath, rawQuery = ''] = req.path.split('?');
  const query = [...new URLSearchParams(rawQuery)].map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).sort().join('&');
  const names = signed!.split(';');
  const canonicalHeaders = names.map((n) => `${n}:${(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const payload = req.headers['x-amz-content-sha256'] ?? sha256(req.body);
  if (req.headers['x-amz-content-sha256'] && req.headers['x-amz-content-sha256'] !== sha256(req.body)) {
    throw new ApiError(400, 'XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }
  const canonical = [req.method, rawPath, query, canonicalHeaders, signed, payload].join('\n');
  const amzDate = req.headers['x-amz-date'] ?? '';
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), 'aws4_request');
  if (createHmac('sha256', key).update(toSign).digest('hex') !== signature) {
    throw new ApiError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
  }
}

function invalidationXml(inv: FakeInvalidation): string {
  return (
    `<Id>${inv.id}</Id><Status>${inv.status}</Status><CreateTime>${new Date(inv.createdAt).toISOString()}</CreateTime>` +
    `<InvalidationBatch><Paths><Quantity>${inv.paths.length}</Quantity><Items>${inv.paths.map((p) => `<Path>${esc(p)}</Path>`).join('')}</Items></Paths>` +
    `<CallerReference>${esc(inv.callerReference)}</CallerReference></InvalidationBatch>`
  );
}

export async function startFakeCloudFront(opts: FakeCloudFrontOptions = {}): Promise<FakeCloudFront> {
  const keys = opts.keys ?? { AKIDFAKE0000EXAMPLE: 'fake-secret-key/EXAMPLEKEY' };
  const distributions = new Set(opts.distributions ?? ['E1']);
  const completeAfterPolls = opts.completeAfterPolls ?? 2;
  const maxPaths = opts.inflightPaths ?? 3_000;
  const maxWild = opts.inflightWildcards ?? 15;
  const requests: RecordedRequest[] = [];
  const invalidations: FakeInvalidation[] = [];
  const injected: Injected[] = [];

  const refresh = (inv: FakeInvalidation) => {
    if (inv.status === 'InProgress' && opts.completeAfterMs !== undefined && Date.now() - inv.createdAt >= opts.completeAfterMs) inv.status = 'Completed';
    return inv;
  };
  const inflight = (dist: string) => {
    const live = invalidations.filter((i) => i.distributionId === dist && refresh(i).status === 'InProgress');
    const paths = live.flatMap((i) => i.paths);
    const wild = paths.filter((p) => !p.startsWith('#') && p.endsWith('*')).length;
    return { paths: paths.length - wild, wild };
  };
  const add = (distributionId: string, paths: string[], callerReference: string, status: FakeInvalidation['status'] = 'InProgress') => {
    const inv: FakeInvalidation = { id: `I${randomBytes(7).toString('hex').toUpperCase()}`, distributionId, callerReference, paths, createdAt: Date.now(), polls: 0, status };
    invalidations.push(inv);
    return inv;
  };

  function handle(req: RecordedRequest): { status: number; body: string; headers?: Record<string, string> } {
    verifySigV4(req, keys);
    const [p, q = ''] = req.path.split('?');
    const m = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation(?:\/([^/]+))?$/.exec(p!);
    if (!m) throw new ApiError(404, 'NotFound', `no route ${req.method} ${p}`);
    const dist = decodeURIComponent(m[1]!);
    const id = m[2] && decodeURIComponent(m[2]);
    const op = req.method === 'POST' && !id ? 'CreateInvalidation' : req.method === 'GET' && id ? 'GetInvalidation' : req.method === 'GET' ? 'ListInvalidations' : undefined;
    if (!op) throw new ApiError(405, 'MethodNotAllowed', `${req.method} not allowed here`);
    const inj = injected.find((f) => !f.op || f.op === op);
    if (inj) {
      if (--inj.times! <= 0) injected.splice(injected.indexOf(inj), 1);
      throw new ApiError(inj.status, inj.code, inj.message ?? inj.code, inj.retryAfter ? { 'Retry-After': inj.retryAfter } : {});
    }
    if (!distributions.has(dist)) throw new ApiError(404, 'NoSuchDistribution', 'The specified distribution does not exist.');

    if (op === 'GetInvalidation') {
      const inv = invalidations.find((i) => i.id === id && i.distributionId === dist);
      if (!inv) throw new ApiError(404, 'NoSuchInvalidation', 'The specified invalidation does not exist.');
      inv.polls++;
      if (inv.status === 'InProgress' && inv.polls >= completeAfterPolls) inv.status = 'Completed';
      return { status: 200, body: `<?xml version="1.0" encoding="UTF-8"?><Invalidation xmlns="${NS}">${invalidationXml(refresh(inv))}</Invalidation>` };
    }
    if (op === 'ListInvalidations') {
      const params = new URLSearchParams(q);
      const max = Number(params.get('MaxItems') ?? 100);
      const all = invalidations.filter((i) => i.distributionId === dist).reverse();
      const from = params.get('Marker') ? all.findIndex((i) => i.id === params.get('Marker')) + 1 : 0;
      const page = all.slice(from, from + max);
      // A listing is a status read too: it counts as a poll of every invalidation it shows.
      for (const i of page) if (++i.polls >= completeAfterPolls && i.status === 'InProgress') i.status = 'Completed';
      const truncated = from + max < all.length;
      const items = page.map((i) => `<InvalidationSummary><Id>${i.id}</Id><CreateTime>${new Date(i.createdAt).toISOString()}</CreateTime><Status>${refresh(i).status}</Status></InvalidationSummary>`).join('');
      return {
        status: 200,
        body: `<?xml version="1.0" encoding="UTF-8"?><InvalidationList xmlns="${NS}"><Marker>${esc(params.get('Marker') ?? '')}</Marker>${truncated ? `<NextMarker>${page.at(-1)!.id}</NextMarker>` : ''}<MaxItems>${max}</MaxItems><IsTruncated>${truncated}</IsTruncated><Quantity>${page.length}</Quantity>${page.length ? `<Items>${items}</Items>` : ''}</InvalidationList>`,
      };
    }
    // CreateInvalidation
    const ref = /<CallerReference>([\s\S]*?)<\/CallerReference>/.exec(req.body)?.[1];
    const quantity = /<Quantity>(\d+)<\/Quantity>/.exec(req.body)?.[1];
    if (ref === undefined || quantity === undefined) throw new ApiError(400, 'MissingBody', 'This operation requires a body. Ensure that the body is present and the Content-Type header is set.');
    const paths = [...req.body.matchAll(/<Path>([\s\S]*?)<\/Path>/g)].map((x) => unesc(x[1]!));
    if (Number(quantity) !== paths.length) throw new ApiError(400, 'InconsistentQuantities', 'The value of Quantity and the size of Items don\'t match.');
    if (paths.length > 3_000) throw new ApiError(413, 'BatchTooLarge', 'Invalidation batch specified is too large.');
    for (const path of paths) {
      const bad = path.startsWith('#')
        ? path.length > 257 || !/^#[\x21-\x2b\x2d-\x7e]+$/.test(path) || path.includes('*')
        : !path.startsWith('/') || path.length > 4_000 || /[^\x21-\x7e]/.test(path) || path.slice(0, -1).includes('*') || /[~<>"{}|\\^`[\] ]/.test(path);
      if (bad) throw new ApiError(400, 'InvalidArgument', 'Your request contains one or more invalid invalidation paths.');
    }
    const existing = invalidations.find((i) => i.distributionId === dist && i.callerReference === unesc(ref));
    if (existing) {
      if ([...existing.paths].sort().join('\n') !== [...paths].sort().join('\n')) {
        throw new ApiError(409, 'InvalidationBatchAlreadyExists', 'The CallerReference you attempted to create the invalidation with is the same as one that already exists; the paths are different.');
      }
      return created(existing);
    }
    const use = inflight(dist);
    const wild = paths.filter((x) => !x.startsWith('#') && x.endsWith('*')).length;
    if (use.paths + paths.length - wild > maxPaths || use.wild + wild > maxWild) {
      throw new ApiError(400, 'TooManyInvalidationsInProgress', 'Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations.');
    }
    return created(add(dist, paths, unesc(ref)));
  }

  let base = '';
  const created = (inv: FakeInvalidation) => ({
    status: 201,
    headers: { Location: `${base}/2020-05-31/distribution/${inv.distributionId}/invalidation/${inv.id}` },
    body: `<?xml version="1.0" encoding="UTF-8"?><Invalidation xmlns="${NS}">${invalidationXml(inv)}</Invalidation>`,
  });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: {}, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      for (const [k, v] of Object.entries(req.headers)) rec.headers[k] = Array.isArray(v) ? v.join(',') : (v ?? '');
      requests.push(rec);
      const requestId = randomBytes(16).toString('hex');
      try {
        const out = handle(rec);
        res.writeHead(out.status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId, ...out.headers });
        res.end(out.body);
      } catch (e) {
        const err = e instanceof ApiError ? e : new ApiError(500, 'InternalError', (e as Error).message);
        res.writeHead(err.status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId, ...err.headers });
        res.end(`<?xml version="1.0"?><ErrorResponse xmlns="${NS}"><Error><Type>${err.status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${err.code}</Code><Message>${esc(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    requests,
    invalidations,
    inject: (f) => void injected.push({ times: 1, ...f }),
    complete(id) {
      for (const i of invalidations) if (!id || i.id === id) i.status = 'Completed';
    },
    addInvalidation: (dist, paths, status = 'InProgress') => add(dist, paths, `someone-else-${randomBytes(4).toString('hex')}`, status),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
