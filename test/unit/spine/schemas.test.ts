// The committed JSON Schemas of the config and budget files match the zod schemas they come from.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { budgetFileSchema, configSchema } from '../../../src/config/schema.js';

const committed = (name: string) => JSON.parse(readFileSync(new URL(`../../../schemas/${name}`, import.meta.url), 'utf8'));
const opts = { io: 'input', unrepresentable: 'any' } as const;

describe('schemas/', () => {
  it('perfkit.config.schema.json is generated from src/config/schema.ts (run: node scripts/gen-schemas.mjs)', () => {
    const { $id, title, ...rest } = committed('perfkit.config.schema.json');
    expect(rest).toEqual(JSON.parse(JSON.stringify(z.toJSONSchema(configSchema, opts))));
    expect(title).toBe('perfkit config file');
  });
  it('budget.schema.json is generated from src/config/schema.ts', () => {
    const { $id, title, ...rest } = committed('budget.schema.json');
    expect(rest).toEqual(JSON.parse(JSON.stringify(z.toJSONSchema(budgetFileSchema, opts))));
  });
});
