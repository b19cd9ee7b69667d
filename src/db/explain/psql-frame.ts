// Removes what psql (and friends) wrap around EXPLAIN output: the ` QUERY PLAN ` header and rule,
// ascii/unicode borders, `+`/`↵` continuation marks, the `(N rows)` footer, and pgAdmin-style quotes.

export interface Unframed {
  lines: string[];
  /** 1-based line number in the original input of each kept line. */
  lineNumbers: number[];
  framed: boolean;
}

const HEADER = /^\s*[|│║]?\s*QUERY PLAN\s*[|│║]?\s*$/;
const RULE = /^[\s\-+=─━═┌┐└┘├┤┬┴┼╞╡╪╔╗╚╝╠╣╬║|│]*[-─━═][\s\-+=─━═┌┐└┘├┤┬┴┼╞╡╪╔╗╚╝╠╣╬║|│]*$/;
const FOOTER = /^\s*\(\d+ rows?\)\s*$/;
const LEFT_BORDER = /^\s*[|│║] ?/;
const RIGHT_BORDER = / ?[|│║]\s*$/;
const CONTINUATION = /[+↵]$/;

function stripContinuation(line: string): string {
  const t = line.trimEnd();
  return CONTINUATION.test(t) ? t.slice(0, -1).trimEnd() : t;
}

export function unframe(text: string): Unframed {
  const all = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let lines: string[] = [];
  let lineNumbers: number[] = [];
  const firstContent = all.findIndex((l) => l.trim() !== '');
  const headerAt = all.findIndex((l, i) => i >= firstContent && i <= firstContent + 2 && HEADER.test(l));
  const framed = headerAt !== -1;
  const bordered = framed && /^\s*[|│║]/.test(all[headerAt]!);
  all.forEach((line, i) => {
    if (framed && (i <= headerAt || RULE.test(line))) return;
    if (FOOTER.test(line)) return;
    lines.push(line);
    lineNumbers.push(i + 1);
  });
  if (bordered) {
    lines = lines.map((l) => l.replace(LEFT_BORDER, '').replace(RIGHT_BORDER, ''));
  } else if (lines.every((l) => l === '' || l.startsWith(' '))) {
    lines = lines.map((l) => l.slice(1));
  }
  const content = lines.filter((l) => l.trim() !== '');
  const marked = content.filter((l) => CONTINUATION.test(l.trimEnd())).length;
  if (framed || (content.length > 1 && marked * 2 >= content.length)) {
    lines = lines.map(stripContinuation);
  }
  if (content.length > 0 && content.every((l) => /^\s*".*"\s*$/.test(l)) && !content[0]!.trim().startsWith('"Plan"')) {
    lines = lines.map((l) => l.trim().replace(/^"(.*)"$/, '$1').replaceAll('""', '"'));
  }
  // Drop blank lines at either end, keeping the numbering.
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') {
    lines.pop();
    lineNumbers.pop();
  }
  let start = 0;
  while (start < lines.length && lines[start]!.trim() === '') start++;
  lines = lines.slice(start);
  lineNumbers = lineNumbers.slice(start);
  return { lines, lineNumbers, framed };
}
