/**
 * Two inline definitions of one name agree when they have the same keys and equal values:
 * plain objects and arrays (e.g. `slidingWindow`, `excludeOn: [A]`) compared by
 * content, anything else (functions, classes, numbers) with `===`.
 */
export function sameOptions(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => sameOptions(v, b[i]));
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameOptions(a[k], b[k]));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}
