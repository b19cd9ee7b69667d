// Embedded PostgreSQL for `perfkit demo` and tests: PGlite (PostgreSQL 18 in WASM) with
// pg_stat_statements, served on 127.0.0.1 over the wire protocol so `pg` connects as to a real server.
//
// How pglite-socket 0.2.17 treats several connections (read from its source, checked by the tests):
// - PGlite has ONE backend session. The socket server accepts up to `maxConnections` TCP clients and
//   multiplexes them onto it: protocol messages go through one global FIFO queue, so queries never
//   run in parallel. While a transaction is open, only the connection that opened it is served; the
//   others wait until it commits or rolls back (no interleaving inside a transaction). Outside one
//   the queue is per message, not per query, but a client's Parse/Bind/Execute/Sync arrive together
//   and run back to back, so concurrent parameterised queries do not get mixed up (tested).
// - Connections beyond `maxConnections` are refused, not queued: the server writes a bare text line
//   and hangs up, which `pg` reports as ECONNRESET or "Connection terminated unexpectedly". A slot is
//   freed only after the server has processed the client's close, so a connect right after another
//   client ended can be refused spuriously; connect() retries for that reason.
// - Session state is shared by all connections: a plain SET, PREPARE'd names and temp tables on one
//   connection are visible to the others. Use SET LOCAL inside a transaction, DEALLOCATE what you
//   PREPARE. A client that disconnects mid-transaction is rolled back; its SETs stay.
// - A connection that holds a transaction open while waiting on another connection deadlocks.
// - CancelRequest is ignored, and statement_timeout is accepted but never fires (WASM has no timer
//   signal), so a runaway query runs to completion.
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Client } from 'pg';
import { connectError, isPerfkitError, runtimeError } from '../cli/errors.js';

export interface EmbeddedPostgresOptions {
  /** A directory to persist the database in; in memory when absent. */
  dataDir?: string;
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Connections the socket accepts at once (default 32). */
  maxConnections?: number;
}

export interface EmbeddedPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres (no password). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /**
   * Connections the server accepts at once, counting every open client. More are refused; a
   * connection a client just ended is released a moment later, so leave headroom (connect() retries).
   * All of them share one backend session and are served one query at a time (see above).
   */
  readonly maxConnections: number;
  /** The connections share one session: SET, PREPARE and temp tables leak between them. */
  readonly sharedSession: true;
  /** The PGlite instance, for fast direct seeding (`exec`) without the wire protocol. */
  readonly pglite: PGlite;
  /** Opens a `pg` Client over the socket, as an application would; the caller ends it. */
  connect(): Promise<Client>;
  /** Stops the socket server (dropping its clients), then PGlite. Safe to call twice. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
// Idle connections cost nothing (they share one session), so the default leaves room for a default
// pg.Pool (10) plus a few single clients.
const DEFAULT_MAX_CONNECTIONS = 32;
const REFUSAL_RETRIES_MS = [10, 25, 50, 100, 200, 400];

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const pglite = await createPglite(opts.dataDir);
  let server: PGLiteSocketServer | undefined;
  let port: number;
  try {
    await pglite.exec('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    server = await listen(pglite, opts.port ?? 0, maxConnections);
    port = portOf(server);
  } catch (err) {
    await server?.stop().catch(() => undefined);
    await pglite.close().catch(() => undefined);
    throw isPerfkitError(err)
      ? err
      : runtimeError(`Could not prepare the embedded PostgreSQL: ${messageOf(err)}`, undefined, err);
  }

  const url = `postgres://postgres@${HOST}:${port}/postgres`;
  let closing: Promise<void> | undefined;
  const running = server;
  return {
    url,
    host: HOST,
    port,
    maxConnections,
    sharedSession: true,
    pglite,
    connect: () => openClient(url),
    close: () => (closing ??= shutdown(running, pglite)),
  };
}

async function createPglite(dataDir: string | undefined): Promise<PGlite> {
  // Lazy imports: the WASM bundle is heavy and only the demo and tests need it.
  const [{ PGlite }, { pg_stat_statements }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/pg_stat_statements'),
  ]);
  try {
    // The extension's setup adds pg_stat_statements to shared_preload_libraries before start-up.
    return await PGlite.create({ dataDir, extensions: { pg_stat_statements } });
  } catch (err) {
    throw runtimeError(
      `Could not start the embedded PostgreSQL (PGlite): ${messageOf(err)}`,
      dataDir
        ? `Check that ${dataDir} is a PGlite data directory that no other process is using, or omit it to run in memory.`
        : undefined,
      err,
    );
  }
}

async function listen(pglite: PGlite, port: number, maxConnections: number): Promise<PGLiteSocketServer> {
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const server = new PGLiteSocketServer({ db: pglite, host: HOST, port, maxConnections });
  try {
    await server.start();
  } catch (err) {
    const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    throw runtimeError(
      `Could not listen on ${HOST}:${port} for the embedded PostgreSQL: ${messageOf(err)}`,
      inUse ? `Port ${port} is taken: choose another port, or 0 for a free one.` : undefined,
      err,
    );
  }
  return server;
}

function portOf(server: PGLiteSocketServer): number {
  // getServerConn() is "host:port" once listening (the real port when 0 was asked for).
  const port = Number(server.getServerConn().split(':').pop());
  if (!Number.isInteger(port) || port <= 0) {
    throw runtimeError(`The embedded PostgreSQL reported no port (${server.getServerConn()}).`);
  }
  return port;
}

async function openClient(url: string): Promise<Client> {
  const { default: pg } = await import('pg');
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: url, application_name: 'perfkit' });
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      // A refusal right after other clients ended is usually the server still releasing their
      // slots (it learns of a close asynchronously): wait a little and try again.
      if (isRefusal(err) && attempt < REFUSAL_RETRIES_MS.length) {
        await new Promise((resolve) => setTimeout(resolve, REFUSAL_RETRIES_MS[attempt]));
        continue;
      }
      throw connectError(
        `Could not connect to the embedded PostgreSQL at ${url}: ${messageOf(err)}`,
        isRefusal(err) ? 'It accepts a limited number of connections at once; close clients you no longer use.' : undefined,
        err,
      );
    }
  }
}

function isRefusal(err: unknown): boolean {
  // pglite-socket ends an over-limit connection without a protocol error message.
  const text = messageOf(err);
  return /ECONNRESET|Connection terminated unexpectedly/.test(text);
}

async function shutdown(server: PGLiteSocketServer, pglite: PGlite): Promise<void> {
  // stop() detaches every client (rolling back an open transaction) before closing the listener;
  // PGlite's close() waits for that rollback, as it takes the same query lock.
  await server.stop();
  if (!pglite.closed) await pglite.close();
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
