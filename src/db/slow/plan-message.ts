// The body of an auto_explain `duration: N ms  plan:` message → the plan and the query it belongs to.
// Text format starts with "Query Text: <query, maybe several lines>" and then the plan, whose first line is
// a node with "(cost=…"; JSON format is one object with "Query Text" and "Plan".

export interface PlanMessage {
  query?: string;
  plan: string;
  planFormat: 'text' | 'json';
}

const NODE_LINE = /\s\s\((?:cost=\d|actual (?:time|rows)=)/;

/** `body` is what follows "plan:" (usually a newline, then the plan). */
export function parsePlanMessage(body: string): PlanMessage {
  const text = body.replace(/^[ \t]*\r?\n/, '').replace(/^[ \t]+/, '');
  if (text.startsWith('{')) return { ...jsonQuery(text), plan: text, planFormat: 'json' };
  if (!text.startsWith('Query Text: ')) return { plan: text, planFormat: 'text' };
  const lines = text.split('\n');
  let planStart = lines.findIndex((l, i) => i > 0 && NODE_LINE.test(l) && !/^\s/.test(l));
  if (planStart < 0) planStart = 1;
  let queryEnd = planStart;
  // PostgreSQL 16+ may print "Query Parameters: …" between the query and the plan
  const params = lines.findIndex((l, i) => i > 0 && i < planStart && l.startsWith('Query Parameters: '));
  if (params > 0) queryEnd = params;
  const query = [lines[0]!.slice(12), ...lines.slice(1, queryEnd)].join('\n');
  return { query, plan: lines.slice(planStart).join('\n'), planFormat: 'text' };
}

function jsonQuery(text: string): { query?: string } {
  try {
    const parsed = JSON.parse(text) as unknown;
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    const q = (first as Record<string, unknown> | null)?.['Query Text'];
    if (typeof q === 'string') return { query: q };
  } catch {
    // a plan cut by the log (e.g. log line limits): fall back to the "Query Text" field alone
    const m = /"Query Text": "((?:[^"\\]|\\.)*)"/.exec(text);
    if (m) {
      try {
        return { query: JSON.parse(`"${m[1]}"`) as string };
      } catch {
        return {};
      }
    }
  }
  return {};
}
