/** `%` and `:` escaped, so that the parts of a key can never run into each other. */
function escapePart(s: string): string {
  return s.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
}

/**
 * The store key of one policy's state: `kind:name` or `kind:name:partition`, with `%` and `:`
 * escaped in the name and the partition key, so that distinct (name, partition) pairs always
 * get distinct keys (a limiter named `a:b` never shares the bucket of partition `b` of `a`).
 * @internal
 */
export function stateKey(kind: 'limiter' | 'breaker', name: string, partitionKey?: string): string {
  return partitionKey === undefined
    ? `${kind}:${escapePart(name)}`
    : `${kind}:${escapePart(name)}:${escapePart(partitionKey)}`;
}
