// Registers bench/loader-hooks.mjs so `node --import ./bench/register.mjs x.ts` runs the
// TypeScript sources directly (transpiled by @swc/core, legacy decorators + metadata).
import { register } from 'node:module';

register('./loader-hooks.mjs', import.meta.url);
