// The config and budget file shapes (zod), and a pure validator that names the exact bad key.
import { z } from 'zod';
import { parseDuration } from '../util/units.js';

const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like '30s' or '500ms' (got '${v}')` });
    return z.NEVER;
  }
  return ms;
});

const percentOrNumber = z.union([z.number(), z.string().regex(/^\s*-?\d+(\.\d+)?\s*%\s*$/, "expected a number or a percentage like '10%'")]);

export const budgetSchema = z
  .object({
    metric: z.string().min(1),
    max: z.number().optional(),
    min: z.number().optional(),
    regression: percentOrNumber.optional(),
    level: z.enum(['error', 'warn']).default('error'),
    command: z.string().optional(),
    /** regression only: which way is better, when perfkit cannot tell from the name. */
    better: z.enum(['lower', 'higher']).optional(),
    /** regression only: what "not enough evidence" does. */
    inconclusive: z.enum(['warn', 'fail']).optional(),
    /** regression only: an absolute change below this (in the metric's unit) never fails. */
    minChange: z.number().nonnegative().optional(),
  })
  .strict()
  .refine((b) => [b.max, b.min, b.regression].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of max, min or regression',
  });
export type BudgetSpec = z.output<typeof budgetSchema>;

export const budgetFileSchema = z.union([
  z.object({ budgets: z.array(budgetSchema) }).strict(),
  z.array(budgetSchema),
]);

export const FORMATS = ['table', 'json', 'markdown', 'junit', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    format: z.enum(FORMATS).optional(),
    failOn: z.enum(['error', 'warn', 'never']).optional(),
    db: z
      .object({
        url: z.string().optional(),
        statementTimeout: duration.optional(),
        lockTimeout: duration.optional(),
        connectTimeout: duration.optional(),
      })
      .strict()
      .optional(),
    redis: z
      .object({
        url: z.string().optional(),
        connectTimeout: duration.optional(),
      })
      .strict()
      .optional(),
    cdn: z
      .object({
        provider: z.enum(['cloudfront', 'cloudflare', 'fastly', 'akamai', 'varnish', 'nginx']).optional(),
        baseUrl: z.string().optional(),
        cloudfront: z.object({ distributionId: z.string().optional(), endpoint: z.string().optional() }).strict().optional(),
        cloudflare: z.object({ zone: z.string().optional(), endpoint: z.string().optional(), maxPerRequest: z.number().int().positive().optional() }).strict().optional(),
        fastly: z.object({ serviceId: z.string().optional(), endpoint: z.string().optional(), soft: z.boolean().optional() }).strict().optional(),
        akamai: z
          .object({ edgerc: z.string().optional(), section: z.string().optional(), network: z.enum(['production', 'staging']).optional(), endpoint: z.string().optional() })
          .strict()
          .optional(),
        varnish: z
          .object({ server: z.string().optional(), purgeMethod: z.string().optional(), banMethod: z.string().optional(), banHeader: z.string().optional() })
          .strict()
          .optional(),
        nginx: z.object({ server: z.string().optional(), purgeLocation: z.string().optional(), purgeMethod: z.string().optional() }).strict().optional(),
      })
      .strict()
      .optional(),
    loadtest: z
      .object({
        target: z.string().optional(),
        mode: z.enum(['sequence', 'mix']).optional(),
        requests: z
          .array(
            z
              .object({
                name: z.string().optional(),
                method: z.string().optional(),
                url: z.string().optional(),
                path: z.string().optional(),
                headers: z.record(z.string(), z.string()).optional(),
                body: z.string().optional(),
                bodyFile: z.string().optional(),
                json: z.unknown().optional(),
                weight: z.number().positive().optional(),
                expect: z
                  .object({
                    status: z.union([z.number().int(), z.array(z.number().int())]).optional(),
                    bodyContains: z.string().optional(),
                    jsonPath: z.record(z.string(), z.unknown()).optional(),
                  })
                  .strict()
                  .optional(),
              })
              .strict(),
          )
          .optional(),
      })
      .strict()
      .optional(),
    lighthouse: z
      .object({
        urls: z.array(z.string()).optional(),
        runs: z.number().int().min(1).max(25).optional(),
        retries: z.number().int().min(0).max(5).optional(),
        preset: z.enum(['mobile', 'desktop']).optional(),
        throttling: z.enum(['simulate', 'devtools', 'none']).optional(),
        onlyCategories: z.array(z.enum(['performance', 'accessibility', 'best-practices', 'seo'])).optional(),
        maxWaitForLoad: duration.optional(),
        timeout: duration.optional(),
        budgetPath: z.string().optional(),
        assert: z.array(z.string()).optional(),
        assertions: z.string().optional(),
        staticDir: z.string().optional(),
      })
      .strict()
      .optional(),
    explain: z
      .object({
        thresholds: z.record(z.string(), z.number()).optional(),
        disabledRules: z.array(z.string()).optional(),
      })
      .strict()
      .optional(),
    budgets: z.array(budgetSchema).optional(),
    targets: z
      .object({
        db: z.string().optional(),
        redis: z.string().optional(),
        urls: z.record(z.string(), z.string()).optional(),
        cdn: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      })
      .strict()
      .optional(),
    check: z
      .object({
        inconclusive: z.enum(['warn', 'fail']).optional(),
        alpha: z.number().gt(0).lt(0.5).optional(),
        regression: percentOrNumber.optional(),
      })
      .strict()
      .optional(),
    checks: z
      .array(
        z
          .object({
            name: z.string().regex(/^[A-Za-z0-9][\w.-]*$/, 'a name of letters, digits, dots, dashes and underscores'),
            run: z.union([z.string().min(1), z.array(z.string()).min(1)]),
            repeat: z.number().int().min(1).max(100).optional(),
            description: z.string().optional(),
            budgets: z.array(budgetSchema).optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();
export type PerfkitConfigFile = z.output<typeof configSchema>;

export interface Issue {
  path: string;
  message: string;
}

/** Validates raw config data; returns the parsed value or the issues, each naming its key. */
export function validate<S extends z.ZodType>(schema: S, raw: unknown): { ok: true; value: z.output<S> } | { ok: false; issues: Issue[] } {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  return {
    ok: false,
    issues: r.error.issues.map((i) => ({ path: formatPath(i.path), message: describeIssue(i) })),
  };
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '') || '(top level)';
}

function describeIssue(i: z.core.$ZodIssue): string {
  if (i.code === 'unrecognized_keys') return `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')}`;
  if (i.code === 'invalid_union') return 'not a valid value here (see the schema in schemas/perfkit.config.schema.json)';
  return i.message;
}
