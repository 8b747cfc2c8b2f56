const ESCAPES: Record<string, string> = { '%': '%25', '{': '%7B', '}': '%7D' };

/**
 * The Redis key of a piece of state: `prefix{key}`. The braces are a Redis Cluster hash tag
 * (every key of one piece of state lands on one slot); `%`, `{` and `}` in `key` are escaped,
 * so the tag is never cut short and distinct keys stay distinct.
 * @internal
 */
export function hashTaggedKey(prefix: string, key: string): string {
  return `${prefix}{${key.replace(/[%{}]/g, (c) => ESCAPES[c]!)}}`;
}
