import { afterAll, afterEach, beforeAll } from '@jest/globals';
import { ApiClient } from '../client/api-client.js';
import { startTestServer, type TestServer } from './http-test-server.js';

// Shared set-up of the ApiClient specs (`client/api-client.*.spec.ts`): one test server per spec
// file and the clients made against it. Call `useApiClientServer()` at the top of each spec file:
// it starts the server before the file, empties `srv.received` after each test, and closes every
// client in `clients` and the server after the file. @internal

/** The test server of the current spec file (set by the `beforeAll` of {@link useApiClientServer}). @internal */
export let srv: TestServer;

/** Clients closed after the spec file ({@link client} adds its own). @internal */
export const clients: ApiClient[] = [];

/** A client named 'test' on the test server (2 s timeout), closed after the spec file. @internal */
export function client(
  extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {},
  deps?: ConstructorParameters<typeof ApiClient>[1],
): ApiClient {
  const c = new ApiClient({ name: 'test', baseUrl: srv.baseUrl, timeoutMs: 2000, ...extra }, deps);
  clients.push(c);
  return c;
}

/** The rejection reason of `p` (throws when `p` resolves). @internal */
export async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** Registers the spec file's `beforeAll` / `afterEach` / `afterAll` (see above). @internal */
export function useApiClientServer(): void {
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterEach(() => {
    srv.received.length = 0;
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await srv.close();
  });
}
