// Request variants and extra headers for HTTP warming. Pure.
//
// A cache keeps one object per URL *and* per value of each header the response Varies on, so a
// warmer that sends other headers than browsers fills an object nobody asks for (the Turpentine
// warmer case). Each --variant is one header set; every URL is requested once per variant.
//
//   --variant "Accept-Encoding: gzip"
//   --variant "Accept-Encoding: br; Accept-Language: de-DE,de;q=0.9"   (';' starts a new header only
//                                                                        when "Name:" follows it)
//   --variant mobile | desktop | gzip | br | zstd | identity            (presets)
//
// Headers of a request, later wins: perfkit's defaults < --header < the variant's headers.
import { usageError } from '../../../cli/errors.js';

export type HeaderList = Array<[string, string]>;

export interface Variant {
  label: string;
  headers: HeaderList;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Field values: visible ASCII, obs-text, space and tab; never CR, LF or NUL (header injection).
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** A ';' that starts the next header: followed by "Name:". */
const NEXT_HEADER = /;\s*(?=[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*:)/;

export const MOBILE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
export const DESKTOP_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

export const PRESETS: Record<string, HeaderList> = {
  gzip: [['Accept-Encoding', 'gzip']],
  br: [['Accept-Encoding', 'br']],
  zstd: [['Accept-Encoding', 'zstd']],
  identity: [['Accept-Encoding', 'identity']],
  mobile: [['User-Agent', MOBILE_UA]],
  desktop: [['User-Agent', DESKTOP_UA]],
};

/** Headers every request carries unless --header or a variant says otherwise: what a browser sends for
 *  encoding, so that the default variant is the object browsers get. */
export function defaultHeaders(version: string): HeaderList {
  return [
    ['User-Agent', `perfkit/${version} (cache warm)`],
    ['Accept', '*/*'],
    ['Accept-Encoding', 'gzip, deflate, br'],
  ];
}

/** "Name: value" → [Name, value]; a usage error naming the flag otherwise. */
export function parseHeader(spec: string, flag: string): [string, string] {
  const colon = spec.indexOf(':');
  const name = colon < 0 ? '' : spec.slice(0, colon).trim();
  const value = colon < 0 ? '' : spec.slice(colon + 1).trim();
  if (colon < 0 || !name) throw usageError(`${flag} '${spec}': not a header ("Name: value")`, `write e.g. ${flag} "Accept-Language: de"`);
  if (!TOKEN.test(name)) throw usageError(`${flag} '${spec}': '${name}' is not a valid header name`, `header names are letters, digits and - (e.g. ${flag} "Accept-Language: de")`);
  if (!VALUE.test(value)) throw usageError(`${flag} '${name}': the value holds a control character`, 'remove line breaks and control characters from the value');
  if (/^(content-length|transfer-encoding|connection|upgrade|te|trailer|keep-alive)$/i.test(name)) {
    throw usageError(`${flag} '${name}': perfkit sets this header itself`, `remove ${flag} "${name}: …"`);
  }
  return [name, value];
}

/** One --variant: a preset name, or headers separated by ';'. */
export function parseVariant(spec: string): Variant {
  const text = spec.trim();
  if (!text) throw usageError(`--variant '': empty`, `write e.g. --variant "Accept-Encoding: gzip" or a preset (${Object.keys(PRESETS).join(', ')})`);
  const preset = PRESETS[text.toLowerCase()];
  if (preset) return { label: text.toLowerCase(), headers: preset.map(([n, v]) => [n, v]) };
  if (!text.includes(':')) {
    throw usageError(`--variant '${text}': not a header set ("Name: value; Name: value") nor a preset`, `write e.g. --variant "Accept-Encoding: gzip", or a preset: ${Object.keys(PRESETS).join(', ')}`);
  }
  const headers: HeaderList = [];
  for (const part of text.split(NEXT_HEADER)) {
    const [name, value] = parseHeader(part.replace(/;\s*$/, ''), '--variant');
    if (headers.some(([n]) => n.toLowerCase() === name.toLowerCase())) {
      throw usageError(`--variant '${text}': ${name} is given twice`, 'give each header once per variant; use another --variant for another value');
    }
    headers.push([name, value]);
  }
  return { label: headers.map(([n, v]) => `${n}: ${v}`).join('; '), headers };
}

/** Every --variant, or one default variant; two identical header sets are a usage error. */
export function parseVariants(specs: string[] | undefined): Variant[] {
  if (!specs?.length) return [{ label: 'default', headers: [] }];
  const out = specs.map(parseVariant);
  const seen = new Map<string, string>();
  for (const v of out) {
    const key = v.headers.map(([n, val]) => `${n.toLowerCase()}:${val}`).sort().join('\n');
    const prev = seen.get(key);
    if (prev !== undefined) throw usageError(`--variant '${v.label}' is the same header set as '${prev}'`, 'give each variant once');
    seen.set(key, v.label);
  }
  return out;
}

/** The headers of one request: defaults < extra (--header) < variant. Names compare case-insensitively. */
export function mergeHeaders(...layers: HeaderList[]): HeaderList {
  const out = new Map<string, [string, string]>();
  for (const layer of layers) for (const [n, v] of layer) out.set(n.toLowerCase(), [n, v]);
  return [...out.values()];
}

/** Header names whose values are secrets: registered for redaction. */
export function isSecretHeader(name: string): boolean {
  return /authorization|cookie|token|secret|api-?key|password|signature/i.test(name);
}
