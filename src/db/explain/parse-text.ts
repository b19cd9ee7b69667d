// Text EXPLAIN input: rebuilds the FORMAT JSON document from indentation and `->` arrows, so that
// text and JSON plans go through the same builder. Unknown detail lines are kept, not rejected.

import type { Plan } from './model.js';
import { buildPlan } from './build-plan.js';
import { HINT_TEXT, planInputError } from './input-errors.js';
import { applyDetail, applyJitLine, parseSettings, parseTrigger } from './text-details.js';
import { hasNodeNumbers, parseNodeLine, parseWorkerActual } from './text-header.js';

type Raw = Record<string, unknown>;

interface OpenNode {
  col: number;
  raw: Raw;
}

/** A block nested under a node or at top level: `Worker 0:`, `JIT:`, `Planning:`. */
interface Block {
  indent: number;
  target: Raw;
  jit: boolean;
}

const SUBPLAN = /^(InitPlan \d+.*|SubPlan \d+|hashed SubPlan \d+|CTE .+)$/;
const MEMBER_PARENTS = new Set(['Append', 'Merge Append', 'BitmapAnd', 'BitmapOr', 'Custom Scan']);

const indentOf = (line: string) => line.length - line.trimStart().length;

/** Outer/Inner/Member/Subquery for children that had no InitPlan/SubPlan/CTE header. */
function inferRelationships(raw: Raw): void {
  const kids = (raw['Plans'] as Raw[] | undefined) ?? [];
  const nodeType = raw['Node Type'] as string;
  let position = 0;
  for (const kid of kids) {
    if (!('Parent Relationship' in kid)) {
      kid['Parent Relationship'] = MEMBER_PARENTS.has(nodeType)
        ? 'Member'
        : nodeType === 'Subquery Scan'
          ? 'Subquery'
          : position === 0
            ? 'Outer'
            : 'Inner';
      position++;
    }
    inferRelationships(kid);
  }
}

function setTopLevel(doc: Raw, line: string): Block | undefined {
  const sep = line.indexOf(': ');
  const key = sep === -1 ? line.replace(/:$/, '') : line.slice(0, sep);
  const value = sep === -1 ? '' : line.slice(sep + 2).trim();
  const ms = /^([\d.]+) ms$/.exec(value);
  const lower = key.toLowerCase();
  if (lower === 'planning time' && ms) doc['Planning Time'] = Number(ms[1]);
  else if ((lower === 'execution time' || lower === 'total runtime') && ms) doc['Execution Time'] = Number(ms[1]);
  else if (key === 'Settings') doc['Settings'] = parseSettings(value);
  else if (key === 'Query Identifier' && /^-?\d+$/.test(value)) doc['Query Identifier'] = Number(value);
  else if (key === 'JIT' && value === '') return { indent: 0, target: (doc['JIT'] = {}) as Raw, jit: true };
  else if (key === 'Planning' && value === '') return { indent: 0, target: (doc['Planning'] = {}) as Raw, jit: false };
  else if (line.startsWith('Trigger ') && parseTrigger(line)) {
    ((doc['Triggers'] ??= []) as Raw[]).push(parseTrigger(line)!);
  } else doc[key] = value;
  return undefined;
}

export function parseTextPlan(lines: string[], source: string): Plan {
  const doc: Raw = {};
  const stack: OpenNode[] = [];
  const never: Raw[] = [];
  let rootIndent = -1;
  let pending: { indent: number; name: string; parent: OpenNode } | null = null;
  let block: Block | null = null;
  let timed = false;
  // The root is the first line with plan numbers; anything before it (a SQL echo, a title) is skipped.
  const rootAt = lines.findIndex((l) => hasNodeNumbers(l));
  if (rootAt === -1) {
    throw planInputError(source, 'not an EXPLAIN plan: no plan node line with (cost=…) or (actual …) found', HINT_TEXT);
  }

  lines.forEach((rawLine, i) => {
    if (i < rootAt) return;
    const line = rawLine.replace(/\t/g, '    ').trimEnd();
    const text = line.trim();
    if (text === '') return;
    const indent = indentOf(line);
    const isArrow = text.startsWith('->');
    if (block && indent <= block.indent) block = null;

    if (isArrow || i === rootAt) {
      const raw = parseNodeLine(isArrow ? text.slice(2).trim() : text);
      if (raw['never']) {
        delete raw['never'];
        never.push(raw);
      }
      if ('Actual Total Time' in raw) timed = true;
      block = null;
      if (i === rootAt) {
        rootIndent = indent;
        doc['Plan'] = raw;
        stack.push({ col: indent, raw });
        return;
      }
      let parent: OpenNode | undefined;
      if (pending && indent > pending.indent) {
        parent = pending.parent;
        raw['Parent Relationship'] = pending.name.startsWith('SubPlan') || pending.name.startsWith('hashed') ? 'SubPlan' : 'InitPlan';
        raw['Subplan Name'] = pending.name;
        while (stack.length > 1 && stack[stack.length - 1] !== parent) stack.pop();
      } else {
        while (stack.length > 1 && stack[stack.length - 1]!.col >= indent) stack.pop();
        parent = stack[stack.length - 1]!;
      }
      pending = null;
      ((parent.raw['Plans'] ??= []) as Raw[]).push(raw);
      stack.push({ col: indent, raw });
      return;
    }
    if (indent <= rootIndent) {
      block = setTopLevel(doc, text) ?? null;
      if (block) block.indent = indent;
      return;
    }
    if (block) {
      if (block.jit) applyJitLine(text, block.target);
      else applyDetail(text, block.target);
      return;
    }
    if (SUBPLAN.test(text)) {
      while (stack.length > 1 && stack[stack.length - 1]!.col >= indent) stack.pop();
      pending = { indent, name: text, parent: stack[stack.length - 1]! };
      return;
    }
    while (stack.length > 1 && stack[stack.length - 1]!.col >= indent) stack.pop();
    const owner = stack[stack.length - 1]!.raw;
    const worker = /^Worker (\d+):\s+(.*)$/.exec(text);
    if (worker) {
      const entry: Raw = { 'Worker Number': Number(worker[1]) };
      const actual = parseWorkerActual(worker[2]!);
      if (actual) Object.assign(entry, actual);
      else applyDetail(worker[2]!, entry);
      const workers = (owner['Workers'] ??= []) as Raw[];
      const existing = workers.find((w) => w['Worker Number'] === entry['Worker Number']);
      block = { indent, target: existing ? Object.assign(existing, entry) : (workers.push(entry), entry), jit: false };
      return;
    }
    if (text === 'JIT:') {
      block = { indent, target: (owner['JIT'] = {}) as Raw, jit: true };
      return;
    }
    applyDetail(text, owner);
  });

  if (timed) for (const raw of never) Object.assign(raw, { 'Actual Startup Time': 0, 'Actual Total Time': 0 });
  inferRelationships(doc['Plan'] as Raw);
  return buildPlan(doc, 'text');
}
