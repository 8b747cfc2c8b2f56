// Type-checks every ```ts block of README.md and of the package README shipped on npm
// (libs/resilience/README.md); each block is a self-contained module, so the documented
// examples always compile against the current public API.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, '.readme-check');
const readmes = [
  { file: 'README.md', prefix: 'example' },
  { file: 'libs/resilience/README.md', prefix: 'package' },
];

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir);
let count = 0;
for (const { file, prefix } of readmes) {
  const readme = readFileSync(join(root, file), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)];
  if (blocks.length === 0) {
    console.error(`${file}: no TypeScript example found`);
    process.exit(1);
  }
  blocks.forEach((m, i) => {
    const line = readme.slice(0, m.index).split('\n').length + 1;
    writeFileSync(join(outDir, `${prefix}-${String(i + 1).padStart(2, '0')}-line-${line}.ts`), `export {};\n${m[1]}`);
  });
  count += blocks.length;
}
writeFileSync(
  join(outDir, 'tsconfig.json'),
  JSON.stringify(
    {
      extends: '../tsconfig.json',
      compilerOptions: { noEmit: true, incremental: false, rootDir: '..' },
      include: ['./*.ts'],
    },
    null,
    2,
  ),
);
try {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(outDir, 'tsconfig.json')], {
    stdio: 'inherit',
  });
  console.log(`README: ${count} TypeScript examples compile (${readmes.map((r) => r.file).join(', ')})`);
  rmSync(outDir, { recursive: true, force: true });
} catch {
  console.error(`README: examples failed to compile (files kept in ${outDir})`);
  process.exit(1);
}
