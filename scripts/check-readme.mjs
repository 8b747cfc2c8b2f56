// Type-checks every ```ts block of the documentation: README.md, the package README shipped on
// npm (libs/resilience/README.md), CONTRIBUTING.md and docs/**/*.md. Each block is a
// self-contained module compiled against the current sources, so the documented examples always
// compile against the public API. A block whose first line is `// file: <path>` is written to
// that path (inside its page's folder), so the blocks of one page can import each other.
// Also checks that every relative link between these files points to a file that exists.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, '.readme-check');

/** Markdown files under `dir` (relative to the root), sorted. */
const markdownUnder = (dir) =>
  readdirSync(join(root, dir), { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) =>
      e.isDirectory() ? markdownUnder(`${dir}/${e.name}`) : e.name.endsWith('.md') ? [`${dir}/${e.name}`] : [],
    );

// The two READMEs must have examples; the other pages may have none.
const pages = [
  { file: 'README.md', required: true },
  { file: 'libs/resilience/README.md', required: true },
  { file: 'CONTRIBUTING.md', required: false },
  ...(existsSync(join(root, 'docs')) ? markdownUnder('docs').map((file) => ({ file, required: false })) : []),
];

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir);
const problems = [];
let count = 0;
for (const { file, required } of pages) {
  const text = readFileSync(join(root, file), 'utf8');
  const prefix = file.replace(/\.md$/, '').replace(/[/.]/g, '-');
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)];
  if (required && blocks.length === 0) problems.push(`${file}: no TypeScript example found`);
  blocks.forEach((m, i) => {
    const line = text.slice(0, m.index).split('\n').length + 1;
    const named = /^\/\/ file: (\S+\.ts)\n/.exec(m[1]);
    const target = named
      ? join(outDir, prefix, normalize(named[1]))
      : join(outDir, `${prefix}-${String(i + 1).padStart(2, '0')}-line-${line}.ts`);
    if (!target.startsWith(outDir)) problems.push(`${file}:${line}: // file: ${named[1]} leaves the page's folder`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `export {};\n${m[1]}`);
  });
  count += blocks.length;

  // Relative links ([text](path) or [text](path#anchor)) must point to an existing file.
  // Code is blanked out first (same length, so line numbers hold): `a[0](b)` is no link.
  const prose = text.replace(/```[\s\S]*?```|`[^`\n]*`/g, (code) => code.replace(/[^\n]/g, ' '));
  for (const link of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    const href = link[1].split('#')[0];
    if (href === '' || /^[a-z]+:/i.test(href)) continue;
    if (!existsSync(join(root, dirname(file), href))) {
      const line = prose.slice(0, link.index).split('\n').length;
      problems.push(`${file}:${line}: link to ${href}, which does not exist`);
    }
  }
}
writeFileSync(
  join(outDir, 'tsconfig.json'),
  JSON.stringify(
    {
      extends: '../tsconfig.json',
      compilerOptions: { noEmit: true, incremental: false, rootDir: '..' },
      include: ['./**/*.ts'],
    },
    null,
    2,
  ),
);
let compiled = true;
try {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(outDir, 'tsconfig.json')], {
    stdio: 'inherit',
  });
} catch {
  compiled = false;
}
for (const p of problems) console.error(p);
if (!compiled || problems.length > 0) {
  if (!compiled) console.error(`docs: examples failed to compile (files kept in ${relative(root, outDir)}/)`);
  process.exit(1);
}
console.log(`docs: ${count} TypeScript examples compile, links resolve (${pages.length} pages)`);
rmSync(outDir, { recursive: true, force: true });
