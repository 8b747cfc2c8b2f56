// Layer check of libs/resilience/src (design review §4.1 item 5 and §4.9): every relative import,
// `export … from` and dynamic import() of a non-spec file must follow the allowed-imports table
// below, no file under src may import apps/ or test/ (specs included), framework-free layers may not
// import Nest packages, and the import graph (type-only and dynamic edges included) has no cycle.
// Usage: node scripts/check-layers.mjs [--root <dir>]   (default libs/resilience/src). Exit 1 on a violation.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const rootArg = process.argv.indexOf('--root');
const root = resolve(rootArg >= 0 ? (process.argv[rootArg + 1] ?? '') : join(repo, 'libs/resilience/src'));
if (!existsSync(root) || !statSync(root).isDirectory()) {
  console.error(`check-layers: --root ${root} is not a directory`);
  process.exit(2);
}
// Paths are printed from the workspace root when root is <workspace>/libs/resilience/src.
const base = root.endsWith(join('libs', 'resilience', 'src')) ? resolve(root, '../../..') : root;
const show = (file) => relative(base, file).split(sep).join('/');

// Layer → layers it may import. `x:type` = type-only imports; `x:dynamic` = import() only;
// `nest:public` = nest/index.ts and nest/services/** only. `root` (src/index.ts) may import any layer,
// and a feature's barrel (`<feature>/index.ts`, its package subpath) may re-export its own `<feature>/nest/` leaf.
const ALLOWED = {
  core: ['core'],
  http: ['core', 'http'],
  'http-nest': ['core', 'http', 'http-nest'],
  executor: ['core', 'http', 'executor'],
  'executor-nest': ['core', 'http', 'executor', 'executor-nest'],
  llm: ['core', 'http', 'executor', 'llm'],
  'llm-nest': ['core', 'http', 'executor', 'llm', 'llm-nest'],
  observability: ['core', 'llm', 'observability', 'http:type'],
  'observability-nest': ['core', 'llm', 'observability', 'observability-nest', 'http:type'],
  redis: ['core', 'redis'],
  nest: ['core', 'nest', 'redis:dynamic'],
  health: ['core', 'health', 'nest:public', 'executor', 'llm:type', 'observability:type'],
};
const FRAMEWORK_FREE = new Set(['core', 'http', 'executor', 'llm', 'observability', 'redis']);
const NEST_PACKAGE = /^(@nestjs\/|rxjs$|rxjs\/|reflect-metadata$)/;

// Layer = first folder under src (`<layer>/nest/…` is `<layer>-nest`); outside src, the first folder
// of the workspace (apps, test, …) or `outside-src`.
const layerOf = (file) => {
  const rel = relative(root, file).split(sep);
  if (rel[0] === '..') {
    const top = relative(base, file).split(sep)[0];
    return top === '..' ? 'outside-src' : top;
  }
  if (rel.length === 1) return 'root';
  return rel[1] === 'nest' && rel[0] !== 'nest' && rel.length > 2 ? `${rel[0]}-nest` : rel[0];
};

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory() && e.name !== 'node_modules') yield* walk(join(dir, e.name));
    else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) yield join(dir, e.name);
  }
}

// Removes comments but keeps strings (so `import` in JSDoc examples is not an edge).
const stripComments = (src) =>
  src.replace(
    /("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g,
    (m, str) => str ?? ' ',
  );

const IMPORT_RE =
  /(?:^|[\s;}])(import|export)\s+(type\s+)?([\w*{}\s,$]*?)\s*from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|(typeof\s+)?\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

const toFile = (spec, from) => {
  const p = resolve(dirname(from), spec);
  for (const c of [p.replace(/\.js$/, '.ts'), p, join(p, 'index.ts')])
    if (existsSync(c) && statSync(c).isFile()) return c;
  return p.replace(/\.js$/, '.ts');
};

const files = [...walk(root)];
const problems = [];
const graph = new Map();
let edges = 0;
for (const file of files) {
  const isSpec = file.endsWith('.spec.ts');
  const from = layerOf(file);
  if (!isSpec && from !== 'root' && !(from in ALLOWED))
    problems.push(`${show(file)}: unknown layer '${from}' (add it to ALLOWED in scripts/check-layers.mjs)`);
  const out = new Set();
  for (const m of stripComments(readFileSync(file, 'utf8')).matchAll(IMPORT_RE)) {
    const spec = m[4] ?? m[5] ?? m[7];
    const typeOnly =
      m[2] !== undefined || m[6] !== undefined || /^\{\s*(type\s+[\w$]+(\s+as\s+[\w$]+)?\s*,?\s*)+\}$/.test(m[3] ?? '');
    const dynamic = m[7] !== undefined;
    if (!spec.startsWith('.')) {
      if (!isSpec && FRAMEWORK_FREE.has(from) && NEST_PACKAGE.test(spec))
        problems.push(`${show(file)}: imports '${spec}' (layer ${from} is framework-free: no Nest packages)`);
      continue;
    }
    const target = toFile(spec, file);
    const to = layerOf(target);
    edges++;
    if (to === 'apps' || to === 'test' || to === 'outside-src') {
      problems.push(
        `${show(file)}: imports ${spec} (layer ${from} → layer ${to} is not allowed: nothing under src imports apps/ or test/)`,
      );
      continue;
    }
    if (isSpec) continue;
    if (existsSync(target)) out.add(target);
    const barrel = relative(root, file).split(sep).join('/') === `${from}/index.ts`;
    if (from === 'root' || !(from in ALLOWED) || to === from || (barrel && to === `${from}-nest`)) continue;
    const allowed = ALLOWED[from];
    const publicNest =
      to === 'nest' && /^nest\/(index\.ts|services\/)/.test(relative(root, target).split(sep).join('/'));
    const ok =
      allowed.includes(to) ||
      (typeOnly && allowed.includes(`${to}:type`)) ||
      (dynamic && allowed.includes(`${to}:dynamic`)) ||
      (publicNest && allowed.includes('nest:public'));
    if (!ok) {
      const what = to === 'nest' && allowed.includes('nest:public') ? ' (only nest/index.ts and nest/services/**)' : '';
      problems.push(`${show(file)}: imports ${spec} (layer ${from} → layer ${to}${what} is not allowed)`);
    }
  }
  if (!isSpec) graph.set(file, [...out]);
}

// Cycles: strongly connected components (Tarjan), each reported with one concrete cycle.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const strong = (v) => {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!idx.has(w)) {
      strong(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) !== idx.get(v)) return;
  const scc = new Set();
  let w;
  do {
    w = stack.pop();
    onStack.delete(w);
    scc.add(w);
  } while (w !== v);
  if (scc.size === 1 && !(graph.get(v) ?? []).includes(v)) return;
  // Shortest path v → … → v inside the component (breadth first).
  const prev = new Map([[v, null]]);
  const queue = [v];
  let end;
  while (queue.length > 0 && end === undefined) {
    const u = queue.shift();
    for (const n of graph.get(u) ?? []) {
      if (n === v) {
        end = u;
        break;
      }
      if (scc.has(n) && !prev.has(n)) {
        prev.set(n, u);
        queue.push(n);
      }
    }
  }
  const path = [v];
  for (let u = end; u !== v; u = prev.get(u)) path.splice(1, 0, u);
  const rest = [...scc].filter((f) => !path.includes(f));
  const also = rest.length > 0 ? ` (same component: ${rest.map(show).join(', ')})` : '';
  problems.push(`import cycle: ${[...path, v].map(show).join(' → ')}${also}`);
};
for (const f of graph.keys()) if (!idx.has(f)) strong(f);

if (problems.length > 0) {
  for (const p of new Set(problems)) console.error(p);
  console.error(
    `check-layers: ${new Set(problems).size} problem(s) in ${files.length} files under ${show(root) || basename(root)}`,
  );
  process.exit(1);
}
console.log(`check-layers: ${files.length} files, ${edges} relative imports: layers respected, no import cycle`);
