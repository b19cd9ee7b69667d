// Writes schemas/perfkit.config.schema.json and schemas/budget.schema.json from the zod schemas
// in src/config/schema.ts (run after `npm run build`). A test checks the committed files match.
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema, budgetFileSchema } from '../dist/config/schema.js';

const opts = { io: 'input', unrepresentable: 'any' };
export function schemas() {
  return {
    'perfkit.config.schema.json': { $id: 'https://perfkit.dev/schemas/perfkit.config.schema.json', title: 'perfkit config file', ...z.toJSONSchema(configSchema, opts) },
    'budget.schema.json': { $id: 'https://perfkit.dev/schemas/budget.schema.json', title: 'perfkit budget file', ...z.toJSONSchema(budgetFileSchema, opts) },
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  for (const [name, schema] of Object.entries(schemas())) {
    writeFileSync(new URL(`../schemas/${name}`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
    console.log(`wrote schemas/${name}`);
  }
}
