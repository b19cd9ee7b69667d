// CREATE INDEX statements from candidates: identifiers quoted only when PostgreSQL needs it, DESC,
// INCLUDE, partial predicates, opclasses and expressions.
import { describe, expect, it } from 'vitest';
import { candidateDdl, candidateLabel, parenthesized } from '../../../src/db/indexes/advisor/ddl.js';
import { quoteIdent } from '../../../src/db/indexes/advisor/quote-ident.js';
import { candidate } from '../../helpers/index-candidates.js';

describe('candidateDdl', () => {
  it('writes the example from the issue', () => {
    const c = candidate('orders', ['customer_id', 'created_at DESC'], { include: ['total'], where: 'deleted_at IS NULL' });
    expect(candidateDdl(c, { concurrently: true })).toBe(
      'CREATE INDEX CONCURRENTLY ON public.orders USING btree (customer_id, created_at DESC) INCLUDE (total) WHERE (deleted_at IS NULL);',
    );
    expect(candidateDdl(c, { concurrently: false, name: 'perfkit_trial_3' })).toBe(
      'CREATE INDEX perfkit_trial_3 ON public.orders USING btree (customer_id, created_at DESC) INCLUDE (total) WHERE (deleted_at IS NULL);',
    );
  });

  it('quotes identifiers only when needed: capitals, spaces, quotes, reserved words', () => {
    const c = candidate('Order Items', ['user', 'Qty', 'plain_col', 'we"ird'], { schema: 'Sales', include: ['order'] });
    expect(candidateDdl(c, { concurrently: true })).toBe(
      'CREATE INDEX CONCURRENTLY ON "Sales"."Order Items" USING btree ("user", "Qty", plain_col, "we""ird") INCLUDE ("order");',
    );
    expect(quoteIdent('name')).toBe('name');
    expect(quoteIdent('status$2')).toBe('status$2');
    expect(quoteIdent('2fa')).toBe('"2fa"');
    expect(quoteIdent('select')).toBe('"select"');
    expect(quoteIdent('comment')).toBe('comment'); // unreserved keyword
  });

  it('writes expressions in parentheses, opclasses, and other methods', () => {
    const expr = candidate('customers', ['(lower(email))'], { opclass: 'text_pattern_ops' });
    expect(candidateDdl(expr, { concurrently: true })).toBe('CREATE INDEX CONCURRENTLY ON public.customers USING btree ((lower(email)) text_pattern_ops);');
    const gin = candidate('products', ['name'], { method: 'gin', opclass: 'public.gin_trgm_ops' });
    expect(candidateDdl(gin, { concurrently: true })).toBe('CREATE INDEX CONCURRENTLY ON public.products USING gin (name public.gin_trgm_ops);');
    const brin = candidate('events', ['(created_at::date) DESC'], { method: 'brin' });
    expect(candidateDdl(brin, { concurrently: false })).toBe('CREATE INDEX ON public.events USING brin ((created_at::date) DESC);');
  });

  it('writes NULLS FIRST/LAST when a column has it', () => {
    const c = candidate('orders', ['created_at DESC']);
    c.columns[0]!.nulls = 'last';
    expect(candidateDdl(c, { concurrently: true })).toBe('CREATE INDEX CONCURRENTLY ON public.orders USING btree (created_at DESC NULLS LAST);');
  });

  it('keeps an already parenthesized predicate as it is', () => {
    const c = candidate('orders', ['status'], { where: "(status = 'open')" });
    expect(candidateDdl(c, { concurrently: true })).toBe("CREATE INDEX CONCURRENTLY ON public.orders USING btree (status) WHERE (status = 'open');");
    expect(parenthesized('(a) OR (b)')).toBe('((a) OR (b))');
    expect(parenthesized("(a = ')(')")).toBe("(a = ')(')");
  });
});

describe('candidateLabel', () => {
  it('is short: no schema for public, USING only for non-B-tree', () => {
    expect(candidateLabel(candidate('orders', ['status']))).toBe('orders (status)');
    expect(candidateLabel(candidate('orders', ['tags'], { method: 'gin', schema: 'shop' }))).toBe('shop.orders USING gin (tags)');
    expect(candidateLabel(candidate('orders', ['customer_id'], { where: 'deleted_at IS NULL', include: ['total'] }))).toBe(
      'orders (customer_id) INCLUDE (total) WHERE (deleted_at IS NULL)',
    );
  });
});
