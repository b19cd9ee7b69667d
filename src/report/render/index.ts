// The renderer registry: one Report in, one string out, per format.
import type { Report, View } from '../model.js';
import type { Format } from '../../config/schema.js';
import { usageError } from '../../cli/errors.js';

export interface RenderContext {
  color: boolean;
  columns: number;
  view?: View;
  failOn: 'error' | 'warn' | 'never';
}

export type Renderer = (report: Report, ctx: RenderContext) => string;

const loaders: Record<string, () => Promise<Renderer>> = {
  json: async () => (await import('./json.js')).renderJson,
  table: async () => (await import('./table.js')).renderTable,
  markdown: async () => (await import('./markdown.js')).renderMarkdown,
  junit: async () => (await import('./junit.js')).renderJunit,
  html: async () => (await import('./html.js')).renderHtml,
};

export async function render(report: Report, format: Format, ctx: RenderContext): Promise<string> {
  const load = loaders[format];
  if (!load) throw usageError(`--format '${format}' is not available for '${report.command}'`, 'use table, json, markdown, junit or html');
  return (await load())(report, ctx);
}
