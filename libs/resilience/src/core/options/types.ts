/** A value or a promise of it. @publicApi */
export type MaybePromise<T> = T | Promise<T>;

/** A class of errors (matched with `instanceof`). @publicApi */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ErrorClass = abstract new (...args: any[]) => unknown;

/**
 * Which errors an option applies to (`failOn`, `retryOn`, `fallbackOn`, `excludeOn`): error
 * classes (matched with `instanceof`), or a predicate. The option validators also accept one class
 * given without an array.
 * @publicApi
 */
export type ErrorFilter = readonly ErrorClass[] | ((error: unknown) => boolean);

/** Derives a partition key (host, tenant, ...) from a call's arguments. @publicApi */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PartitionKeyFn = (...args: any[]) => string;

/** Turns an {@link ErrorFilter} into a predicate (done once, at configuration time). @publicApi */
export function toErrorPredicate(filter: ErrorFilter | undefined): ((error: unknown) => boolean) | undefined {
  if (filter === undefined) return undefined;
  if (typeof filter === 'function') return filter;
  if (filter.length === 0) return () => false;
  const classes = filter.slice();
  return (error) => {
    for (const c of classes) if (error instanceof c) return true;
    return false;
  };
}
