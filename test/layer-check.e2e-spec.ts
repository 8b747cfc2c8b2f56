// scripts/check-layers.mjs, run by node as `npm run lint` runs it: the real tree passes, and on a temp
// copy of libs/resilience/src every planted forbidden import (or cycle) fails with exit code 1 and a
// line naming the file and the two layers, while planted allowed imports add no line. Each planted
// case compares against the copy's own baseline, so it holds whatever the rest of the tree says.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const script = join(repo, 'scripts/check-layers.mjs');
const SRC = 'libs/resilience/src';

interface Run {
  status: number | null;
  lines: string[];
}

/** Runs the layer check (bounded to 20 s) on `root` (default: the real tree). */
function check(root?: string): Run {
  const args = root === undefined ? [script] : [script, '--root', root];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 20_000 });
  if (r.error !== undefined) throw r.error;
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l !== '' && !l.startsWith('check-layers:'));
  return { status: r.status, lines };
}

let tmp: string;
let root: string;
let baseline: Run;

/** Writes (or appends to) files of the copy, runs the check, restores the copy; returns the new lines. */
function planted(files: Record<string, string>): Run {
  const saved = new Map<string, string | undefined>();
  for (const [rel, text] of Object.entries(files)) {
    const path = join(root, rel);
    saved.set(path, existsSync(path) ? readFileSync(path, 'utf8') : undefined);
    mkdirSync(dirname(path), { recursive: true });
    appendFileSync(path, `\n${text}\n`);
  }
  try {
    const r = check(root);
    return { status: r.status, lines: r.lines.filter((l) => !baseline.lines.includes(l)) };
  } finally {
    for (const [path, text] of saved) {
      if (text === undefined) rmSync(path);
      else writeFileSync(path, text);
    }
  }
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'layer-check-'));
  root = join(tmp, SRC);
  cpSync(join(repo, SRC), root, { recursive: true });
  baseline = check(root);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('check-layers on the real tree', () => {
  it('passes: no forbidden import, no import cycle', () => {
    const r = check();
    expect(r.lines).toEqual([]);
    expect(r.status).toBe(0);
  });
});

describe('check-layers on a temp copy with planted imports', () => {
  it('fails on core → nest, naming the file and both layers', () => {
    const r = planted({ 'core/clock.ts': "import '../nest/index.js';" });
    expect(r.status).toBe(1);
    expect(r.lines).toContain(
      `${SRC}/core/clock.ts: imports ../nest/index.js (layer core → layer nest is not allowed)`,
    );
    // Anything else new is a cycle through the planted edge (nest imports core).
    for (const l of r.lines) expect(l).toContain(`${SRC}/core/clock.ts`);
  });

  it('fails on http → nest registry', () => {
    const r = planted({
      'http/client/api-client.ts':
        "import type { ResilienceRegistry } from '../../nest/registry/resilience.registry.js';",
    });
    expect(r.status).toBe(1);
    expect(r.lines).toContain(
      `${SRC}/http/client/api-client.ts: imports ../../nest/registry/resilience.registry.js (layer http → layer nest is not allowed)`,
    );
  });

  it('fails on a cycle between two new files, type-only edge included', () => {
    const r = planted({
      'core/cycle-a.ts': "import { b } from './cycle-b.js';\nexport const a = () => b;",
      'core/cycle-b.ts': "import type { a } from './cycle-a.js';\nexport const b = 1 as unknown as typeof a;",
    });
    expect(r.status).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^import cycle: /);
    expect(r.lines[0]).toContain(`${SRC}/core/cycle-a.ts`);
    expect(r.lines[0]).toContain(`${SRC}/core/cycle-b.ts`);
  });

  it('fails when any file under src, a spec included, imports test/ or apps/', () => {
    const r = planted({
      'core/planted.spec.ts': "import { startTestServer } from '../../../../test/support/http-test-server.js';",
      'redis/planted.ts': "export const app = () => import('../../../../apps/sample/src/main.js');",
    });
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([
      `${SRC}/core/planted.spec.ts: imports ../../../../test/support/http-test-server.js (layer core → layer test is not allowed: nothing under src imports apps/ or test/)`,
      `${SRC}/redis/planted.ts: imports ../../../../apps/sample/src/main.js (layer redis → layer apps is not allowed: nothing under src imports apps/ or test/)`,
    ]);
  });

  it('fails on http/nest → nest, redis → nest (dynamic too), health → nest/registry, static nest → redis', () => {
    const r = planted({
      'http/nest/planted.ts': "export { ResilienceModule } from '../../nest/index.js';",
      'redis/planted.ts': "export const load = () => import('../nest/index.js');",
      'health/planted.ts': "import { ResilienceRegistry } from '../nest/registry/resilience.registry.js';",
      'nest/planted.ts': "import { RedisStore } from '../redis/index.js';",
    });
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([
      `${SRC}/health/planted.ts: imports ../nest/registry/resilience.registry.js (layer health → layer nest (only nest/index.ts and nest/services/**) is not allowed)`,
      `${SRC}/http/nest/planted.ts: imports ../../nest/index.js (layer http-nest → layer nest is not allowed)`,
      `${SRC}/nest/planted.ts: imports ../redis/index.js (layer nest → layer redis is not allowed)`,
      `${SRC}/redis/planted.ts: imports ../nest/index.js (layer redis → layer nest is not allowed)`,
    ]);
  });

  it('fails on a Nest package in a framework-free layer and on an unknown top-level folder', () => {
    const r = planted({
      'core/planted.ts': "import { Injectable } from '@nestjs/common';",
      'widgets/planted.ts': 'export const w = 1;',
    });
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([
      `${SRC}/core/planted.ts: imports '@nestjs/common' (layer core is framework-free: no Nest packages)`,
      `${SRC}/widgets/planted.ts: unknown layer 'widgets' (add it to ALLOWED in scripts/check-layers.mjs)`,
    ]);
  });

  it('llm and observability: type-only http imports are allowed to observability only; llm → nest fails', () => {
    const r = planted({
      'llm/planted.ts':
        "import { ApiClient } from '../http/index.js';\nimport { ResilienceRegistry } from '../nest/index.js';",
      'observability/types.ts': "import type { ApiClient } from '../http/index.js';\nexport type { ApiClient };",
      'observability/value.ts': "import { ApiClient } from '../http/index.js';",
      'llm/nest/planted.ts': "import { ResilienceModule } from '../../nest/index.js';",
    });
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([
      `${SRC}/llm/nest/planted.ts: imports ../../nest/index.js (layer llm-nest → layer nest is not allowed)`,
      `${SRC}/llm/planted.ts: imports ../nest/index.js (layer llm → layer nest is not allowed)`,
      `${SRC}/observability/value.ts: imports ../http/index.js (layer observability → layer http is not allowed)`,
    ]);
  });

  it('adds nothing for allowed imports: health → nest services, nest → import(redis), commented imports, specs', () => {
    const r = planted({
      'health/planted.ts': "import { CircuitBreakerService } from '../nest/services/circuit-breaker.service.js';",
      'nest/planted.ts': "export const load = () => import('../redis/index.js');",
      'core/planted.ts':
        "// import '../nest/index.js';\n/** import { x } from '../nest/index.js'; */\nexport const s = '//';",
      'core/planted.spec.ts': "import { ResilienceModule } from '../nest/index.js';",
      'http/nest/planted.ts': "import { ApiClient } from '../index.js';",
    });
    expect(r.lines).toEqual([]);
    expect(r.status).toBe(baseline.status);
  });
});
