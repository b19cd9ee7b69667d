// Part of scripts/capture-logs.sh: 20 executes over the extended query protocol, so that the server logs
// `execute <unnamed>:` / `execute find_item:` with their `DETAIL:  parameters: …` (quotes, NULL, a newline).
import pg from 'pg';

const client = new pg.Client({ connectionString: process.argv[2], application_name: 'perfkit-capture' });
await client.connect();
try {
  for (let k = 1; k <= 10; k++) {
    const second = k === 3 ? 'two\nlines' : k % 2 === 0 ? null : "it's";
    await client.query({ text: 'SELECT id, name FROM items WHERE id = $1 AND name <> $2', values: [k, second] });
  }
  for (let k = 1; k <= 10; k++) {
    await client.query({ name: 'find_item', text: 'SELECT name FROM items WHERE qty = $1 LIMIT $2', values: [k % 10, 3] });
  }
} finally {
  await client.end();
}
