import { isSensitiveHeader } from '../headers/headers.js';

/**
 * Header names whose values are secret besides {@link isSensitiveHeader}: any name ending in
 * `key` or `token` (`X-Partner-Key`, `X-Auth-Token`). Shared by `ApiClient` and `Endpoint`.
 */
const SECRET_NAME_SUFFIX = /(key|token)$/i;

/**
 * True when a header's value must be treated as a secret: a credential name
 * ({@link isSensitiveHeader}), a name ending in `key` / `token`, or one of `extra`
 * (lower-cased names, e.g. a client's `secretHeaders`).
 * @internal
 */
export function isSecretHeaderName(name: string, extra?: ReadonlySet<string>): boolean {
  return (
    isSensitiveHeader(name) ||
    SECRET_NAME_SUFFIX.test(name) ||
    (extra !== undefined && extra.size > 0 && extra.has(name.toLowerCase()))
  );
}

/** Adds a secret (and the token of a `Bearer x` / `Basic x` / `Token x` value) to a scrub list. @internal */
export function addSecret(list: string[], value: unknown): void {
  if (typeof value !== 'string' || value.length < 4) return;
  if (!list.includes(value)) list.push(value);
  const m = /^(?:Bearer|Basic|Token)\s+(.+)$/i.exec(value);
  if (m !== null && m[1]!.length >= 4 && !list.includes(m[1]!)) list.push(m[1]!);
}
