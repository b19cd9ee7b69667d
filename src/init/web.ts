// A web app in package.json: which framework, and the local URL it serves on — the port from the
// start/dev script (`--port 4000`, `-p 4000`, `PORT=4000`), else the framework's default. Pure.

export interface WebDetected {
  framework: string;
  /** The package that said so. */
  from: string;
  port: number;
  /** Where the port came from: "package.json scripts.dev (-p 4000)" or "next's default". */
  portFrom: string;
  url: string;
}

interface Framework {
  name: string;
  matches: (dep: string) => boolean;
  port: (deps: string[]) => number;
}

const is = (name: string) => (dep: string) => dep === name;
const fixed = (port: number) => () => port;

// Frameworks with their own server first; vite last, as it is often only the build tool of another.
const FRAMEWORKS: Framework[] = [
  { name: 'next', matches: is('next'), port: fixed(3000) },
  { name: 'nuxt', matches: (d) => d === 'nuxt' || d === 'nuxt3', port: fixed(3000) },
  // Remix on Vite serves on Vite's port; the classic compiler on 3000.
  { name: 'remix', matches: (d) => d.startsWith('@remix-run/'), port: (deps) => (deps.includes('vite') ? 5173 : 3000) },
  { name: 'astro', matches: is('astro'), port: fixed(4321) },
  { name: 'sveltekit', matches: is('@sveltejs/kit'), port: fixed(5173) },
  { name: 'nest', matches: is('@nestjs/core'), port: fixed(3000) },
  { name: 'express', matches: is('express'), port: fixed(3000) },
  { name: 'fastify', matches: is('fastify'), port: fixed(3000) },
  { name: 'koa', matches: is('koa'), port: fixed(3000) },
  { name: 'hono', matches: is('hono'), port: fixed(3000) },
  { name: 'vite', matches: is('vite'), port: fixed(5173) },
];

// The production server first: that is the one worth measuring.
const SCRIPTS = ['start', 'dev'];
const PORT_PATTERNS = [/(?:^|\s)(--port|-p)(?:=|\s+)(\d{2,5})(?![\d:])/, /(?:^|[\s;&])(PORT)=(\d{2,5})\b/];

export function webApp(pkg: { scripts?: Record<string, unknown> }, deps: string[]): WebDetected | undefined {
  for (const fw of FRAMEWORKS) {
    const dep = deps.find(fw.matches);
    if (!dep) continue;
    const fromScript = scriptPort(pkg.scripts ?? {});
    const port = fromScript?.port ?? fw.port(deps);
    return {
      framework: fw.name,
      from: `package.json: ${dep}`,
      port,
      portFrom: fromScript ? `package.json scripts.${fromScript.script} (${fromScript.flag})` : `${fw.name}'s default${typeof pkg.scripts?.start === 'string' ? ' (scripts.start sets none)' : ''}`,
      url: `http://127.0.0.1:${port}/`,
    };
  }
  return undefined;
}

/**
 * The port the start script sets, else (with no start script) the dev script's. A start script that
 * sets none serves on the framework's default: that is what `npm start` measures, whatever dev uses.
 */
export function scriptPort(scripts: Record<string, unknown>): { port: number; script: string; flag: string } | undefined {
  for (const script of SCRIPTS) {
    const line = scripts[script];
    if (typeof line !== 'string') continue;
    for (const re of PORT_PATTERNS) {
      const m = re.exec(line);
      const port = Number(m?.[2]);
      if (m && port > 0 && port < 65536) return { port, script, flag: m[1] === 'PORT' ? `PORT=${port}` : `${m[1]} ${port}` };
    }
    if (script === 'start') return undefined;
  }
  return undefined;
}
