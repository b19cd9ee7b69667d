// Node labels as EXPLAIN's text format prints them (`Hash Left Join`, `Index Scan using i on t x`),
// built from JSON-style keys so that JSON and text input label the same node the same way.

const SIMPLE_IDENT = /^[a-z_][a-z0-9_$]*$/;

/** Quotes an identifier the way PostgreSQL's quote_identifier does (ignoring keywords). */
export function quoteIdent(name: string): string {
  return SIMPLE_IDENT.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

const AGG_NAMES: Record<string, string> = {
  Plain: 'Aggregate',
  Sorted: 'GroupAggregate',
  Hashed: 'HashAggregate',
  Mixed: 'MixedAggregate',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The node's type as text EXPLAIN shows it: strategy, join type, direction and parallelism folded in. */
export function displayType(raw: Record<string, unknown>): string {
  const nodeType = str(raw['Node Type']) ?? '?';
  let t = nodeType;
  const join = str(raw['Join Type']);
  switch (nodeType) {
    case 'Aggregate': {
      t = AGG_NAMES[str(raw['Strategy']) ?? 'Plain'] ?? 'Aggregate';
      const mode = str(raw['Partial Mode']);
      if (mode && mode !== 'Simple') t = `${mode} ${t}`;
      break;
    }
    case 'Hash Join':
    case 'Merge Join':
      if (join && join !== 'Inner') t = `${nodeType.replace(' Join', '')} ${join} Join`;
      break;
    case 'Nested Loop':
      if (join && join !== 'Inner') t = `Nested Loop ${join} Join`;
      break;
    case 'ModifyTable':
      t = str(raw['Operation']) ?? t;
      break;
    case 'SetOp': {
      const cmd = str(raw['Command']);
      t = (str(raw['Strategy']) === 'Hashed' ? 'HashSetOp' : 'SetOp') + (cmd ? ` ${cmd}` : '');
      break;
    }
    case 'Index Scan':
    case 'Index Only Scan':
      if (str(raw['Scan Direction']) === 'Backward') t = `${nodeType} Backward`;
      break;
    case 'Custom Scan': {
      const provider = str(raw['Custom Plan Provider']);
      if (provider) t = `Custom Scan (${provider})`;
      break;
    }
  }
  if (raw['Async Capable'] === true) t = `Async ${t}`;
  if (raw['Parallel Aware'] === true) t = `Parallel ${t}`;
  return t;
}

/** The object a scan reads, by the JSON key EXPLAIN uses for it. */
export function scanObjectKey(nodeType: string): string | undefined {
  switch (nodeType) {
    case 'Function Scan':
      return 'Function Name';
    case 'CTE Scan':
    case 'WorkTable Scan':
      return 'CTE Name';
    case 'Named Tuplestore Scan':
      return 'Tuplestore Name';
    case 'Table Function Scan':
      return 'Table Function Name';
    case 'Subquery Scan':
    case 'Values Scan':
    case 'Result':
      return undefined;
    default:
      return 'Relation Name';
  }
}

export function nodeLabel(raw: Record<string, unknown>): string {
  const nodeType = str(raw['Node Type']) ?? '?';
  let label = displayType(raw);
  const index = str(raw['Index Name']);
  if (nodeType === 'Bitmap Index Scan') return index ? `${label} on ${quoteIdent(index)}` : label;
  if (index) label += ` using ${quoteIdent(index)}`;
  const key = scanObjectKey(nodeType);
  const object = key ? str(raw[key]) : undefined;
  const alias = str(raw['Alias']);
  if (object === undefined && alias === undefined) return label;
  label += ' on';
  if (object !== undefined) label += ` ${quoteIdent(object)}`;
  if (alias !== undefined && alias !== object) label += ` ${quoteIdent(alias)}`;
  return label;
}

/** A path segment: the label, prefixed by the subplan it heads (`CTE big: HashAggregate`). */
export function pathSegment(raw: Record<string, unknown>, label: string): string {
  const sub = str(raw['Subplan Name']);
  return sub ? `${sub}: ${label}` : label;
}
