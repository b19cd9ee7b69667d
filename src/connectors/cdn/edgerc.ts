// Akamai credentials: an .edgerc section (client_token, client_secret, access_token, host), or the
// AKAMAI_<SECTION>_* environment variables as akamai-edgegrid accepts them. Never printed.
import { readFileSync } from 'node:fs';
import { connectError } from '../../cli/errors.js';
import type { AkamaiSettings } from './akamai.js';

const EDGERC_KEYS = ['client_token', 'client_secret', 'access_token', 'host'] as const;

export interface EdgercCredentials {
  client_token: string;
  client_secret: string;
  access_token: string;
  /** Without scheme or trailing slash: akab-….luna.akamaiapis.net */
  host: string;
  /** "section [ccu] of ~/.edgerc" or "environment variables AKAMAI_CCU_*", for messages. */
  where: string;
}

/** The key=value pairs of one [section] of an .edgerc (INI; ';' and '#' comment lines; quotes and inline
 *  '; comments' dropped, as akamai-edgegrid reads it). undefined when the section is absent. */
export function parseEdgerc(text: string, section: string): Record<string, string> | undefined {
  let current: string | undefined;
  let found: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith(';') || line.startsWith('#')) continue;
    const head = /^\[(.*)\]$/.exec(line);
    if (head) {
      current = head[1]!.trim();
      if (current === section) found ??= {};
      continue;
    }
    if (current !== section || !found) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim().replace(/^max-body$/, 'max_body');
    let value = line.slice(eq + 1).trim();
    const quoted = /^(['"])(.*?)\1\s*(?:[;#].*)?$/.exec(value);
    value = quoted ? quoted[2]! : value.replace(/\s+;.*$/, '').trim();
    found[key] = value;
  }
  return found;
}

/** Credentials from AKAMAI_<SECTION>_{HOST,CLIENT_TOKEN,CLIENT_SECRET,ACCESS_TOKEN} when all four are set (as
 *  akamai-edgegrid does; AKAMAI_* for the section "default"), else from the .edgerc section. Throws a
 *  connectError naming the file, section or key that is missing, never a value. No network. */
export function loadEdgerc(s: AkamaiSettings, env: Record<string, string | undefined>, read: (p: string) => string = (p) => readFileSync(p, 'utf8')): EdgercCredentials {
  const prefix = s.section === 'default' ? 'AKAMAI_' : `AKAMAI_${s.section.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
  const fromEnv = EDGERC_KEYS.map((k) => env[`${prefix}${k.toUpperCase()}`]);
  if (fromEnv.every(Boolean)) {
    const [client_token, client_secret, access_token, host] = fromEnv as string[];
    return { client_token, client_secret, access_token, host: bareHost(host), where: `environment variables ${prefix}*` };
  }
  const fix = `create an API client with the "CCU APIs" grant (READ-WRITE) in Akamai Control Center (Identity & access → API clients) and save its credentials in ${s.edgercShown} under [${s.section}]; or pass --edgerc <file> / AKAMAI_EDGERC, --section <name>`;
  let text: string;
  try {
    text = read(s.edgercPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a directory' : (code ?? 'unreadable');
    throw connectError(`Akamai credentials: cannot read ${s.edgercShown} (${why})`, fix, e);
  }
  const sec = parseEdgerc(text, s.section);
  if (!sec) {
    const names = [...text.matchAll(/^\s*\[([^\]]*)\]/gm)].map((m) => m[1]!.trim());
    throw connectError(`Akamai credentials: ${s.edgercShown} has no [${s.section}] section${names.length ? ` (it has ${names.map((n) => `[${n}]`).join(', ')})` : ''}`, names.length ? `pass --section ${names[0]}, or add [${s.section}]` : fix);
  }
  const missing = EDGERC_KEYS.filter((k) => !sec[k]);
  if (missing.length) {
    throw connectError(`Akamai credentials: section [${s.section}] of ${s.edgercShown} has no ${missing.join(', ')}`, `copy the API client's ${missing.join(', ')} into that section (client_token, client_secret, access_token and host are all needed)`);
  }
  return {
    client_token: sec.client_token!,
    client_secret: sec.client_secret!,
    access_token: sec.access_token!,
    host: bareHost(sec.host!),
    where: `section [${s.section}] of ${s.edgercShown}`,
  };
}

function bareHost(h: string): string {
  return h.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
}
