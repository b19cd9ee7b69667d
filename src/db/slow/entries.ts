// Streaming state machines from log lines (stderr, jsonlog) or csv rows (csvlog) to LogEvents. Pure: the
// reader feeds lines, these keep only the entry being assembled and the log_statement lines waiting for a
// duration, so memory stays flat whatever the log's size.
//
// A stderr entry is a line the prefix matches with a primary severity (LOG, ERROR, …), its continuation
// lines (a leading tab, or anything the prefix does not match), and the DETAIL/STATEMENT/HINT/CONTEXT lines
// of the same pid that follow it.
import type { LogEvent, LogMeta } from './model.js';
import { EventBuilder, type LogRecord } from './messages.js';
import { metaOf, pidOf, SECONDARY, type CompiledPrefix } from './prefix.js';
import { recordFromCsv, recordFromJson } from './records.js';

/** An entry's text stops growing past this many characters (a runaway multi-line entry cannot eat memory). */
export const MAX_ENTRY_CHARS = 4 * 1024 * 1024;

export interface EntryCounts {
  /** Lines (rows, for csvlog) that the prefix or format understood. */
  matched: number;
  /** Lines that neither started nor continued an entry. */
  unparsed: number;
  /** Up to 3 unparsed lines, for the "lines look like" message. */
  samples: string[];
}

/** True when the line begins a new entry: what a byte-range reader skips to. jsonlog: every object line. */
export function isEntryStart(line: string, format: CompiledPrefix | 'jsonlog'): boolean {
  if (format === 'jsonlog') return line.charCodeAt(0) === 123;
  const m = format.regex.exec(line);
  return m !== null && !SECONDARY.has(m[format.groups.severity]!);
}

// where continuation lines go
const Target = { Message: 0, Detail: 1, Statement: 2, Ignore: 3 } as const;

export class StderrEntries implements EntryCounts {
  matched = 0;
  unparsed = 0;
  samples: string[] = [];
  private readonly events = new EventBuilder();
  // the entry being assembled
  private open = false;
  private match: RegExpExecArray | null = null;
  private at = '';
  private pid: number | undefined;
  private severity = '';
  private message = '';
  private detail: string | undefined;
  private statement: string | undefined;
  private target: number = Target.Ignore;

  constructor(private readonly prefix: CompiledPrefix, private readonly file: string) {}

  line(text: string, lineNo: number, out: LogEvent[]): void {
    if (text.charCodeAt(0) === 9 /* tab */) return this.continueWith(text.slice(1));
    const m = this.prefix.regex.exec(text);
    if (m === null) {
      if (this.open) return this.continueWith(text);
      if (text.length > 0) this.unmatched(text);
      return;
    }
    this.matched++;
    const severity = m[this.prefix.groups.severity]!;
    const body = text.slice(m[0].length);
    if (SECONDARY.has(severity)) {
      const pid = pidOf(this.prefix, m);
      if (!this.open || (pid !== undefined && this.pid !== undefined && pid !== this.pid)) {
        this.target = Target.Ignore;
        return;
      }
      if (severity === 'DETAIL') [this.detail, this.target] = [body, Target.Detail];
      else if (severity === 'STATEMENT') [this.statement, this.target] = [body, Target.Statement];
      else this.target = Target.Ignore;
      return;
    }
    this.emit(out);
    this.open = true;
    this.match = m;
    this.at = `${this.file}:${lineNo}`;
    this.pid = pidOf(this.prefix, m);
    this.severity = severity;
    this.message = body;
    this.detail = undefined;
    this.statement = undefined;
    this.target = Target.Message;
  }

  /** Emits what is still held; call at the end of the input. */
  flush(out: LogEvent[]): void {
    this.emit(out);
    this.events.end(out);
  }

  /** Lines waiting for a later one (see EventBuilder.beginLookahead). */
  get outstanding(): number {
    return this.events.outstanding;
  }

  /**
   * The end of a byte range: emits the entry being assembled; then, when some of its lines wait for a later
   * one, returns true and from now on only completes those (see EventBuilder.beginLookahead).
   */
  beginLookahead(out: LogEvent[]): boolean {
    this.emit(out);
    if (this.events.outstanding === 0) return false;
    this.events.beginLookahead();
    return true;
  }

  private emit(out: LogEvent[]): void {
    if (!this.open) return;
    this.open = false;
    const meta: LogMeta = metaOf(this.prefix, this.match!, this.at);
    this.match = null;
    this.events.add({ meta, severity: this.severity, message: this.message, detail: this.detail, statement: this.statement }, out);
  }

  private continueWith(text: string): void {
    if (!this.open || this.target === Target.Ignore) {
      if (!this.open) this.unmatched(text);
      return;
    }
    if (this.target === Target.Message) {
      if (this.message.length < MAX_ENTRY_CHARS) this.message += '\n' + text;
    } else if (this.target === Target.Detail) {
      if (this.detail!.length < MAX_ENTRY_CHARS) this.detail += '\n' + text;
    } else if (this.statement!.length < MAX_ENTRY_CHARS) this.statement += '\n' + text;
  }

  private unmatched(text: string): void {
    this.unparsed++;
    if (this.samples.length < 3) this.samples.push(text.length > 200 ? text.slice(0, 200) : text);
  }
}

/** csvlog and jsonlog: every record is a whole entry, with its DETAIL and STATEMENT in fields. */
abstract class RecordEntries implements EntryCounts {
  matched = 0;
  unparsed = 0;
  samples: string[] = [];
  private readonly events = new EventBuilder();
  constructor(protected readonly file: string) {}

  flush(out: LogEvent[]): void {
    this.events.end(out);
  }

  get outstanding(): number {
    return this.events.outstanding;
  }

  beginLookahead(_out: LogEvent[]): boolean {
    if (this.events.outstanding === 0) return false;
    this.events.beginLookahead();
    return true;
  }

  protected take(r: LogRecord | undefined, raw: string, out: LogEvent[]): void {
    if (r === undefined) {
      this.unparsed++;
      if (this.samples.length < 3) this.samples.push(raw.length > 200 ? raw.slice(0, 200) : raw);
      return;
    }
    this.matched++;
    this.events.add(r, out);
  }
}

/** jsonlog: one object per line. */
export class JsonEntries extends RecordEntries {
  line(text: string, lineNo: number, out: LogEvent[]): void {
    if (text.length > 0) this.take(recordFromJson(text, `${this.file}:${lineNo}`), text, out);
  }
}

/** csvlog: rows from a CSV parser (a record may span lines; lineNo is its first line). */
export class CsvEntries extends RecordEntries {
  row(fields: readonly string[], lineNo: number, out: LogEvent[]): void {
    if (fields.length === 1 && fields[0] === '') return;
    this.take(recordFromCsv(fields, `${this.file}:${lineNo}`), fields.join(','), out);
  }
}
