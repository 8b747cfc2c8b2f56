// Type-checks every ```ts block of README.md (each block is a self-contained module), so the
// documented examples always compile against the current public API.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, '.readme-check');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir);
blocks.forEach((code, i) => {
  const line = readme.slice(0, readme.indexOf(code)).split('\n').length;
  writeFileSync(join(outDir, `example-${String(i + 1).padStart(2, '0')}-line-${line}.ts`), `export {};\n${code}`);
});
writeFileSync(
  join(outDir, 'tsconfig.json'),
  JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { noEmit: true, incremental: false, rootDir: '..' }, include: ['./*.ts'] }, null, 2),
);
try {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(outDir, 'tsconfig.json')], { stdio: 'inherit' });
  console.log(`README: ${blocks.length} TypeScript examples compile`);
  rmSync(outDir, { recursive: true, force: true });
} catch {
  console.error(`README: examples failed to compile (files kept in ${outDir})`);
  process.exit(1);
}
