import type { CallContext } from '../transport/call-context.js';

/** Turns of the event loop an iteration error waits, at most, for the transport to record its error. */
const SETTLE_TURNS = 20;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * What an SDK call returned, with the errors of its iteration typed: when it is an async iterable
 * (OpenAI's and Anthropic's `Stream`, Gemini's stream generator), a proxy whose iterator rethrows a
 * failure as `map(error, recorded)`, `recorded` being the error the transport recorded for the call
 * (after an in-stream error event or a dropped connection the SDK may throw its own error first: the
 * iterator gives the transport a few event-loop turns to record ours). Other members (`tee()`,
 * `controller`, `toReadableStream()`) are the SDK object's own. Anything else is returned as is.
 * @internal
 */
export function typedIterable<T>(
  result: T,
  cc: CallContext | undefined,
  map: (e: unknown, recorded: unknown) => Error,
): T {
  if (cc === undefined || result === null || typeof result !== 'object') return result;
  const iterate = (result as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator];
  if (typeof iterate !== 'function') return result;
  const target = result as object;
  return new Proxy(target, {
    get(t, prop) {
      if (prop === Symbol.asyncIterator)
        return () => typedIterator((iterate as () => AsyncIterator<unknown>).call(t), cc, map);
      const value: unknown = Reflect.get(t, prop, t);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  }) as T;
}

async function* typedIterator(
  inner: AsyncIterator<unknown>,
  cc: CallContext,
  map: (e: unknown, recorded: unknown) => Error,
): AsyncGenerator<unknown, void, undefined> {
  const iterable: AsyncIterable<unknown> = { [Symbol.asyncIterator]: () => inner };
  try {
    for await (const item of iterable) yield item;
  } catch (error) {
    for (let i = 0; i < SETTLE_TURNS && cc.lastError === undefined; i++) await turn();
    throw map(error, cc.lastError);
  }
}
