// GIN and GiST candidates: trigram indexes for LIKE '%x%', ILIKE and regular expressions, GIN for
// jsonb containment and key tests, full-text search and arrays, GiST for ranges and geometry.
// HypoPG cannot build these hypothetically, so they are proposed uncosted.
import { columnInfo, isArray, isGistType, isTextLike } from './column-types.js';
import type { Catalog, IndexColumn, IndexMethod, Predicate } from '../model.js';
import { columnLabel } from './operands.js';

export interface SpecialVariant {
  method: IndexMethod;
  columns: IndexColumn[];
  reason: string;
}

function target(p: Predicate): IndexColumn | undefined {
  if (p.expression !== undefined) return { expression: p.expression };
  return p.column !== undefined ? { column: p.column } : undefined;
}

export function specialVariants(preds: Predicate[], catalog: Catalog): SpecialVariant[] {
  const out: SpecialVariant[] = [];
  const jsonb = new Map<string, { col: IndexColumn; label: string; exists: boolean }>();
  for (const p of preds) {
    const col = target(p);
    if (!col) continue;
    const label = p.expression !== undefined ? `${p.expression} on ${columnLabel(p, catalog)}` : columnLabel(p, catalog);
    const type = columnInfo(catalog, p.table, p.column)?.type ?? '';
    if (p.kind === 'like-infix' || p.kind === 'ilike') {
      // A trigram index on an expression (lower(name)) is fine; on a plain column it must be text.
      if (p.expression === undefined && !isTextLike(type)) continue;
      const what = p.kind === 'ilike' ? 'ILIKE' : p.why?.startsWith('regular') ? 'regular expressions' : "LIKE '%…%'";
      out.push({ method: 'gin', columns: [{ ...col, opclass: 'gin_trgm_ops' }], reason: `trigram index for ${what} on ${label} (needs CREATE EXTENSION pg_trgm)` });
    } else if (p.kind === 'jsonb-contains' || p.kind === 'jsonb-exists') {
      const id = p.expression ?? p.column ?? '';
      const seen = jsonb.get(id);
      jsonb.set(id, { col, label, exists: (seen?.exists ?? false) || p.kind === 'jsonb-exists' });
    } else if (p.kind === 'fts' && p.sargable) {
      out.push({ method: 'gin', columns: [col], reason: `GIN for full-text search (@@) on ${label}` });
    } else if (p.kind === 'array-overlap' && p.sargable && p.expression === undefined) {
      if (isArray(type)) out.push({ method: 'gin', columns: [col], reason: `GIN for array containment and overlap (@>, <@, &&) on ${label}` });
      else if (isGistType(type)) out.push({ method: 'gist', columns: [col], reason: `GiST for containment and overlap (@>, <@, &&) on ${label} (${type})` });
    }
  }
  for (const { col, label, exists } of jsonb.values()) {
    out.push(
      exists
        ? { method: 'gin', columns: [col], reason: `GIN (jsonb_ops) for key tests (?, ?|, ?&) on ${label}; jsonb_path_ops would not serve them` }
        : { method: 'gin', columns: [{ ...col, opclass: 'jsonb_path_ops' }], reason: `GIN (jsonb_path_ops: smaller and faster than jsonb_ops for @>) for containment on ${label}` },
    );
  }
  return out;
}
