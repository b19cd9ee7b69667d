// `perfkit db explain`: lint a saved plan offline, or EXPLAIN one statement on a live server,
// and optionally diff against a saved "before" plan.
import { writeFileAtomically } from '../../util/write-file.js';
import path from 'node:path';
import type { CommandContext, CommandOutcome } from '../../cli/context.js';
import { inputError, usageError } from '../../cli/errors.js';
import type { Finding } from '../../report/model.js';
import { decodeText, readTextInput } from '../../util/read-input.js';
import { openDb, sessionTimeouts, type DbOptions } from '../connect.js';
import { inspectStatement } from '../statement.js';
import { explainLive, tableStats } from './live.js';
import { parsePlanInput, planFromExplainJson } from './parse.js';
import type { Plan } from './model.js';
import { lintPlan, type LintOptions } from './lint.js';
import { summarizePlan } from './summary.js';
import { comparePlans } from './compare.js';
import { planToData } from './data.js';
import { explainView, type ExplainData } from './view.js';

export interface ExplainOptions extends DbOptions {
  file?: string;
  plan?: string;
  analyze?: boolean;
  params?: string;
  allowWrites?: boolean;
  compare?: string;
  savePlan?: string;
}

export async function run(ctx: CommandContext): Promise<CommandOutcome<ExplainData>> {
  const o = ctx.options as ExplainOptions;
  const sqlArg = ctx.args[0];
  const inputs = [sqlArg !== undefined && 'a SQL argument', o.file && '--file', o.plan && '--plan'].filter(Boolean);
  if (inputs.length === 0) throw usageError('db explain needs a statement or a plan', 'give SQL as an argument, --file query.sql, or --plan plan.json');
  if (inputs.length > 1) throw usageError(`db explain takes one input, got ${inputs.join(' and ')}`, 'give either SQL (argument or --file) or --plan');
  if (o.plan && (o.analyze || o.params || o.allowWrites)) {
    throw usageError('--analyze, --params and --allow-writes need a live statement, not --plan', 'drop them, or give SQL instead of --plan');
  }
  const lintOptions: LintOptions = {
    thresholds: ctx.settings.file.explain?.thresholds,
    disabledRules: ctx.settings.file.explain?.disabledRules,
  };
  const before = o.compare ? parsePlanInput(await readTextInput(o.compare, 'plan', '--compare'), `--compare ${o.compare}`) : undefined;

  let plan: Plan;
  let live: ExplainData['live'];
  let target: Record<string, unknown>;
  let environment: Record<string, unknown> = {};
  if (o.plan) {
    const text = o.plan === '-' ? decodeText(Buffer.from(await ctx.io.readStdin()), '--plan -', 'plan') : await readTextInput(o.plan, 'plan', '--plan');
    plan = parsePlanInput(text, o.plan === '-' ? 'stdin' : o.plan);
    target = { plan: o.plan === '-' ? 'stdin' : path.basename(o.plan), mode: 'offline' };
  } else {
    const source = o.file ? `--file ${o.file}` : 'query';
    const text = o.file ? await readTextInput(o.file, 'SQL', '--file') : (sqlArg as string);
    if (!text.trim()) throw inputError(`${source}: the statement is empty`, 'give one SQL statement');
    const statement = await inspectStatement(text, source);
    const params = parseParams(o.params);
    const db = await openDb(ctx, o);
    try {
      ctx.progress.update(o.analyze ? 'running EXPLAIN ANALYZE (rolled back)' : 'running EXPLAIN');
      const res = await explainLive(db.conn, {
        statement,
        source,
        analyze: Boolean(o.analyze),
        params,
        allowWrites: Boolean(o.allowWrites),
        ...sessionTimeouts(ctx, o),
      });
      plan = planFromExplainJson(res.planJson);
      const stats = await tableStats(db.conn, plan.nodes.filter((n) => n.relation).map((n) => ({ schema: n.schema, relation: n.relation as string })));
      lintOptions.tableStats = stats.map((s) => ({
        relation: `${s.schema}.${s.relation}`,
        nLiveTup: Number(s.n_live_tup),
        nModSinceAnalyze: Number(s.n_mod_since_analyze),
        lastAnalyze: s.last_analyze ? new Date(s.last_analyze).toISOString() : null,
        lastAutoanalyze: s.last_autoanalyze ? new Date(s.last_autoanalyze).toISOString() : null,
      }));
      live = {
        sql: statement.sql,
        statementKind: statement.kind.replace(/Stmt$/, ''),
        writes: statement.writes,
        analyzed: Boolean(o.analyze),
        method: res.method,
        rolledBack: res.rolledBack,
        readOnly: res.readOnly,
        params: statement.paramCount,
      };
      target = { display: db.display, mode: 'live' };
      environment = { postgres: db.conn.info.version, postgresVersionNum: db.conn.info.versionNum };
      if (o.savePlan) await savePlan(o.savePlan, ctx.io.cwd, res.planJson);
    } finally {
      await db.close();
    }
  }

  const findings: Finding[] = lintPlan(plan, lintOptions);
  if (live?.writes && live.analyzed) {
    findings.push({
      rule: 'rolled-back',
      severity: 'info',
      title: 'Data-modifying statement was rolled back',
      message: `${live.statementKind} ran under EXPLAIN ANALYZE inside a transaction that was rolled back: nothing was changed.`,
    });
  }
  const data: ExplainData = { plan: planToData(plan), live, compare: before ? comparePlans(before, plan) : undefined };
  return {
    result: { command: 'db explain', target, environment, summary: summarizePlan(plan), findings, data },
    view: explainView,
  };
}

/** --params '[42,"x",null]' or --params 42,x */
export function parseParams(raw: string | undefined): unknown[] | undefined {
  if (raw === undefined) return undefined;
  const t = raw.trim();
  if (t.startsWith('[')) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      throw usageError(`--params: not a JSON array (${(e as Error).message})`, `write --params '[42, "open", null]' or --params 42,open`);
    }
    if (!Array.isArray(v)) throw usageError('--params: not a JSON array', `write --params '[42, "open"]'`);
    return v.map((x) => (x === null || typeof x !== 'object' ? x : JSON.stringify(x)));
  }
  return t.split(',').map((s) => (s.trim() === 'null' ? null : s.trim()));
}

async function savePlan(file: string, cwd: string, planJson: unknown): Promise<void> {
  await writeFileAtomically(path.resolve(cwd, file), `${JSON.stringify(planJson, null, 2)}\n`, '--save-plan');
}
