// A raw RESP2 connection for bulk writes, as `redis-cli --pipe` does it: commands are encoded once into
// one buffer per batch and written to the socket; replies are parsed with a small streaming parser
// and handed back per batch, in order. ioredis builds an object per command, which costs about twice
// the time of the whole write on loopback (bench/cache-warm.mjs). Auth, TLS, SELECT and errors are
// handled here; retries are the caller's decision.
import net from 'node:net';
import tls from 'node:tls';
import { describeRedisError, type RedisTarget } from './redis.js';

export type Reply = string | number | null | ReplyError | Reply[];

export class ReplyError extends Error {}

/** RESP2 array of bulk strings, for binary arguments. Strings are written as UTF-8. */
export function encodeCommand(args: ReadonlyArray<string | Buffer>): Buffer {
  let size = 16;
  for (const a of args) size += (typeof a === 'string' ? Buffer.byteLength(a) : a.length) + 16;
  const buf = Buffer.allocUnsafe(size);
  let at = buf.write(`*${args.length}\r\n`, 0, 'latin1');
  for (const a of args) {
    if (typeof a === 'string') {
      const len = Buffer.byteLength(a);
      at += buf.write(`$${len}\r\n`, at, 'latin1');
      at += buf.write(a, at, 'utf8');
    } else {
      at += buf.write(`$${a.length}\r\n`, at, 'latin1');
      at += a.copy(buf, at);
    }
    buf[at++] = 13;
    buf[at++] = 10;
  }
  return buf.subarray(0, at);
}

/** Incremental RESP2 reply parser: feed bytes, get complete replies. */
export class ReplyParser {
  private buf: Buffer = Buffer.alloc(0);
  private at = 0;

  feed(chunk: Buffer, out: Reply[]): void {
    this.buf = this.at < this.buf.length ? Buffer.concat([this.buf.subarray(this.at), chunk]) : chunk;
    this.at = 0;
    for (;;) {
      const start = this.at;
      const r = this.parse();
      if (r === undefined) {
        this.at = start;
        return;
      }
      out.push(r.value);
    }
  }

  /** One reply from this.at, or undefined when incomplete. */
  private parse(): { value: Reply } | undefined {
    const b = this.buf;
    if (this.at >= b.length) return undefined;
    const nl = b.indexOf(10, this.at);
    if (nl < 0) return undefined;
    const type = b[this.at];
    const line = b.toString('utf8', this.at + 1, nl - 1);
    this.at = nl + 1;
    switch (type) {
      case 43: // +
        return { value: line };
      case 45: // -
        return { value: new ReplyError(line) };
      case 58: // :
        return { value: Number(line) };
      case 36: {
        // $
        const len = Number(line);
        if (len < 0) return { value: null };
        if (this.at + len + 2 > b.length) return undefined;
        const s = b.toString('utf8', this.at, this.at + len);
        this.at += len + 2;
        return { value: s };
      }
      case 42: {
        // *
        const n = Number(line);
        if (n < 0) return { value: null };
        const items: Reply[] = [];
        for (let i = 0; i < n; i++) {
          const r = this.parse();
          if (r === undefined) return undefined;
          items.push(r.value);
        }
        return { value: items };
      }
      default:
        throw new Error(`protocol error: unexpected byte ${type} from the server`);
    }
  }
}

export interface RedisPipe {
  /** Sends one batch (RESP buffers producing `replies` replies); resolves with them, in order. */
  send(payload: Buffer[] | Buffer, replies: number): Promise<Reply[]>;
  /** Commands sent whose replies have not arrived. */
  readonly pending: number;
  close(): Promise<void>;
}

interface Waiter {
  count: number;
  got: Reply[];
  resolve(r: Reply[]): void;
  reject(e: unknown): void;
}

export async function openRedisPipe(target: RedisTarget, opts: { connectTimeoutMs: number }): Promise<RedisPipe> {
  const socket: net.Socket = await new Promise((resolve, reject) => {
    const s = target.tls
      ? tls.connect({ host: target.host, port: target.port, servername: net.isIP(target.host) ? undefined : target.host })
      : net.connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }));
    }, opts.connectTimeoutMs);
    s.once(target.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(describeRedisError(e, target));
    });
  });
  socket.setNoDelay(true);
  const parser = new ReplyParser();
  const waiters: Waiter[] = [];
  let pending = 0;
  let failure: unknown;
  const fail = (e: unknown) => {
    failure ??= e;
    for (const w of waiters.splice(0)) w.reject(failure);
    pending = 0;
  };
  socket.on('data', (chunk: Buffer) => {
    const replies: Reply[] = [];
    try {
      parser.feed(chunk, replies);
    } catch (e) {
      fail(e);
      socket.destroy();
      return;
    }
    let i = 0;
    while (i < replies.length && waiters.length) {
      const w = waiters[0];
      const take = Math.min(w.count - w.got.length, replies.length - i);
      for (let j = 0; j < take; j++) w.got.push(replies[i + j]);
      i += take;
      pending -= take;
      if (w.got.length === w.count) {
        waiters.shift();
        w.resolve(w.got);
      }
    }
  });
  socket.on('error', (e) => fail(e));
  socket.on('close', () => fail(Object.assign(new Error('Connection is closed.'), { code: 'ECONNRESET' })));

  const pipe: RedisPipe = {
    get pending() {
      return pending;
    },
    send(payload, replies) {
      if (failure) return Promise.reject(failure);
      return new Promise<Reply[]>((resolve, reject) => {
        if (replies === 0) return resolve([]);
        waiters.push({ count: replies, got: [], resolve, reject });
        pending += replies;
        if (Array.isArray(payload)) for (const b of payload) socket.write(b);
        else socket.write(payload);
      });
    },
    async close() {
      if (socket.destroyed) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          socket.destroy();
          resolve();
        }, 1_000);
        socket.end(() => {
          clearTimeout(t);
          resolve();
        });
      });
    },
  };

  // Log in and pick the database before the first batch.
  const hello: Buffer[] = [];
  if (target.password !== undefined) hello.push(encodeCommand(target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password]));
  if (target.db) hello.push(encodeCommand(['SELECT', String(target.db)]));
  hello.push(encodeCommand(['CLIENT', 'SETNAME', 'perfkit-warm']));
  try {
    const replies = await pipe.send(hello, hello.length);
    const err = replies.find((r): r is ReplyError => r instanceof ReplyError && !/CLIENT/i.test(r.message) && !/unknown command/i.test(r.message));
    if (err) throw err;
  } catch (e) {
    socket.destroy();
    throw describeRedisError(e, target);
  }
  return pipe;
}
