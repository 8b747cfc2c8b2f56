import { createHash } from 'node:crypto';

/** A Lua script and its SHA1 (for EVALSHA). */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

/** A script named `name` (for messages) with the SHA1 of `source`. */
export function luaScript(name: string, source: string): LuaScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}
