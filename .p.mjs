import { parseSync, loadModule } from 'libpg-query';
await loadModule();
const q = process.argv[2];
const strip = (n) => Array.isArray(n) ? n.map(strip) : n && typeof n === 'object' ? Object.fromEntries(Object.entries(n).filter(([k]) => k !== 'location' && k!=='inh' && k!=='relpersistence').map(([k, v]) => [k, strip(v)])) : n;
console.log(JSON.stringify(strip(parseSync(q).stmts[0].stmt)));
