// The published package, as a user gets it: `npm pack` in libs/resilience (its prepack builds
// dist/), the tarball's file list against the exports map, then the tarball installed into a
// fresh app outside the workspace and every entry point imported by plain Node ESM and
// resolved by TypeScript (nodenext). Peers come from the workspace's node_modules (symlinked:
// ESM ignores NODE_PATH), so nothing is fetched from a registry.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lib = join(root, 'libs/resilience');
const manifest = JSON.parse(readFileSync(join(lib, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, string | { types: string; default: string }>;
};
const subpaths = Object.keys(manifest.exports).filter((k) => k !== './package.json');
const specifiers = subpaths.map((k) => (k === '.' ? manifest.name : `${manifest.name}/${k.slice(2)}`));
const PEERS = ['@nestjs', 'reflect-metadata', 'rxjs', 'axios', 'ioredis', '@types'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let tmp: string;
let tarball: string;
let listing: string[];

/** Runs a command (bounded in time); its output is returned, its failure names the command and output. */
function run(cmd: string, args: string[], cwd: string, timeout = 40_000): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      timeout,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, {
      cause: error,
    });
  }
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nest-resilience-pack-'));
  run(npm, ['pack', '--pack-destination', tmp, '--silent'], lib, 60_000);
  const tgz = readdirSync(tmp).filter((f) => f.endsWith('.tgz'));
  expect(tgz).toHaveLength(1);
  tarball = join(tmp, tgz[0]!);
  listing = run('tar', ['-tzf', tarball], tmp)
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
}, 70_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('npm pack of nest-resilience', () => {
  it('ships the .js and .d.ts of every export, the package README and nothing of the sources or tests', () => {
    const expected = ['package.json', 'README.md'];
    for (const key of subpaths) {
      const target = manifest.exports[key]!;
      expect(typeof target).toBe('object');
      const { types, default: js } = target as { types: string; default: string };
      expect(types).toMatch(/^\.\/dist\/.*\.d\.ts$/);
      expect(js).toMatch(/^\.\/dist\/.*\.js$/);
      expected.push(types.slice(2), js.slice(2));
    }
    expect(expected).toEqual(
      expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/core/index.js', 'dist/redis/index.d.ts']),
    );
    expect(listing).toEqual(expect.arrayContaining(expected));
    // Every module the entry points import is there (one .js and one .d.ts per source file).
    expect(listing.filter((f) => f.endsWith('.js')).length).toBeGreaterThan(40);
    expect(listing.filter((f) => /\.(spec|e2e-spec)\.|testing-support|^src\/|tsconfig|\.tsbuildinfo$/.test(f))).toEqual(
      [],
    );
    expect(readFileSync(join(lib, 'README.md'), 'utf8')).toContain('npm install nest-resilience');
  });

  it('installs into a fresh app where plain Node ESM imports every entry point and TypeScript resolves its types', () => {
    const app = join(tmp, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }));
    // --legacy-peer-deps: the peers are linked from the workspace below, not fetched.
    run(
      npm,
      [
        'install',
        tarball,
        '--legacy-peer-deps',
        '--offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--silent',
      ],
      app,
    );
    for (const peer of PEERS) symlinkSync(join(root, 'node_modules', peer), join(app, 'node_modules', peer));

    const checks: Record<string, string> = {
      [manifest.name]: 'ResilienceModule',
      [`${manifest.name}/core`]: 'VirtualClock',
      [`${manifest.name}/http`]: 'ApiClient',
      [`${manifest.name}/redis`]: 'RedisStore',
      [`${manifest.name}/executor`]: 'Executor',
      [`${manifest.name}/llm`]: 'IModel',
      [`${manifest.name}/health`]: 'CircuitBreakerHealthIndicator',
    };
    expect(Object.keys(checks).sort()).toEqual([...specifiers].sort());
    writeFileSync(
      join(app, 'check.mjs'),
      [
        "import 'reflect-metadata';",
        `const checks = ${JSON.stringify(checks)};`,
        'const out = {};',
        'for (const [spec, name] of Object.entries(checks)) {',
        '  const m = await import(spec);',
        '  out[spec] = { resolved: import.meta.resolve(spec).replace(/^.*node_modules\\//, ""), has: typeof m[name] };',
        '}',
        'console.log(JSON.stringify(out));',
      ].join('\n'),
    );
    const out = JSON.parse(run(process.execPath, ['check.mjs'], app)) as Record<
      string,
      { resolved: string; has: string }
    >;
    for (const [spec, name] of Object.entries(checks)) {
      expect({ spec, name, ...out[spec] }).toEqual({
        spec,
        name,
        resolved: expect.stringMatching(/^nest-resilience\/dist\/.*index\.js$/),
        has: 'function',
      });
    }

    writeFileSync(
      join(app, 'check.ts'),
      [
        "import { ResilienceModule, type ResilienceModuleOptions } from 'nest-resilience';",
        "import { VirtualClock, type Clock } from 'nest-resilience/core';",
        "import { ApiClient } from 'nest-resilience/http';",
        "import { RedisStore, type RedisStoreOptions } from 'nest-resilience/redis';",
        "import { CircuitBreakerHealthIndicator, type BreakerHealth } from 'nest-resilience/health';",
        'const clock: Clock = new VirtualClock();',
        'const options: ResilienceModuleOptions = { clock, limiters: { api: { rate: 5 } } };',
        "const store: RedisStoreOptions = { url: 'redis://127.0.0.1:6379' };",
        "const health: Partial<BreakerHealth> = { state: 'closed' };",
        'export const used = [ResilienceModule.forRoot(options), ApiClient, RedisStore, store, CircuitBreakerHealthIndicator, health];',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'ES2023',
          lib: ['ES2023'],
          types: ['node'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          experimentalDecorators: true,
        },
        files: ['check.ts'],
      }),
    );
    run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
  }, 60_000);
});
