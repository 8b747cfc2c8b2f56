// Module hooks (run off-thread by node's loader): map 'nest-resilience[/sub]' to the library
// sources, `./x.js` → `./x.ts` when only the .ts exists, and transpile .ts with @swc/core.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from '@swc/core';
import { swcOptions } from '../jest.config.js';

const SRC = new URL('../libs/resilience/src/', import.meta.url);
const SUBPATHS = new Set(['core', 'executor', 'health', 'http', 'llm', 'redis']);

// The same swc options as the jest transform (one copy).
const SWC = swcOptions;

export async function resolve(specifier, context, next) {
  if (specifier === 'nest-resilience' || specifier.startsWith('nest-resilience/')) {
    const sub = specifier.slice('nest-resilience'.length + 1);
    if (sub !== '' && !SUBPATHS.has(sub)) throw new Error(`bench loader: unknown subpath ${specifier}`);
    return { url: new URL(sub === '' ? 'index.ts' : `${sub}/index.ts`, SRC).href, shortCircuit: true };
  }
  if (
    (specifier.startsWith('./') || specifier.startsWith('../')) &&
    specifier.endsWith('.js') &&
    context.parentURL?.startsWith('file:')
  ) {
    const asTs = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (existsSync(fileURLToPath(asTs)) && !existsSync(fileURLToPath(new URL(specifier, context.parentURL)))) {
      return { url: asTs.href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.ts') && !url.endsWith('.d.ts')) {
    const filename = fileURLToPath(url);
    const source = await readFile(filename, 'utf8');
    const { code } = await transform(source, { ...SWC, filename });
    return { format: 'module', source: code, shortCircuit: true };
  }
  return next(url, context);
}
