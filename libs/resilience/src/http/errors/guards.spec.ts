import { describe, expect, it, jest } from '@jest/globals';
import { isResilienceError } from '../../core/errors/resilience.error.js';
import * as errors from './index.js';

type Errors = typeof errors;
const init = { method: 'get', url: 'https://api.example.com/v1/x?key=sk-secret-123', secrets: ['sk-secret-123'] };

/** One error of each HTTP class, its guard's name, and whether it is transient by default. */
const samples = (m: Errors) =>
  [
    [new m.ApiClientError('failed', init), 'isApiClientError', false],
    [new m.UpstreamBadRequestError('bad', { ...init, status: 400 }), 'isUpstreamBadRequestError', false],
    [new m.UpstreamAuthenticationError('auth', { ...init, status: 401 }), 'isUpstreamAuthenticationError', false],
    [new m.UpstreamPermissionError('perm', { ...init, status: 403 }), 'isUpstreamPermissionError', false],
    [new m.UpstreamNotFoundError('nf', { ...init, status: 404 }), 'isUpstreamNotFoundError', false],
    [new m.UpstreamConflictError('conflict', { ...init, status: 409 }), 'isUpstreamConflictError', true],
    [new m.UpstreamRateLimitError('429', { ...init, status: 429 }), 'isUpstreamRateLimitError', true],
    [new m.UpstreamServerError('5xx', { ...init, status: 503 }), 'isUpstreamServerError', true],
    [new m.UpstreamStatusError('410', { ...init, status: 410 }), 'isUpstreamStatusError', false],
    [new m.UpstreamConnectionError('refused', { ...init, code: 'ECONNREFUSED' }), 'isUpstreamConnectionError', true],
    [new m.UpstreamTimeoutError('slow', { ...init, timeoutMs: 50 }), 'isUpstreamTimeoutError', true],
    [new m.RequestAbortedError('aborted', init), 'isRequestAbortedError', false],
    [new m.ClientClosedError({ ...init, client: 'quotes' }), 'isClientClosedError', false],
    [new m.InvalidRequestError('invalid-path', 'bad path', init), 'isInvalidRequestError', false],
    [new m.HostOverrideError({ ...init, client: 'quotes' }), 'isHostOverrideError', false],
    [new m.HeaderInjectionError('X-Evil\r\n', 'name'), 'isHeaderInjectionError', false],
  ] as const;

type GuardName = ReturnType<typeof samples>[number][1];
const guard = (m: Errors, name: GuardName) => m[name] as (e: unknown) => boolean;
const GUARD_NAMES = samples(errors).map(([, g]) => g);

/** Guards an error of each class must also satisfy (its ancestors'). */
const ANCESTORS: Partial<Record<GuardName, GuardName[]>> = { isHostOverrideError: ['isInvalidRequestError'] };

async function secondCopy(): Promise<Errors> {
  let copy: Errors | undefined;
  await jest.isolateModulesAsync(async () => {
    copy = await import('./index.js');
  });
  return copy!;
}

describe('brand guards of the HTTP errors', () => {
  it.each(samples(errors).map(([e, g, t]) => [e.name, e, g, t] as const))(
    "%s: its guard (and its ancestors') accept it, the others refuse it; transient by default: %s",
    (_name, e, g, transient) => {
      expect(e.isTransient).toBe(transient);
      expect(isResilienceError(e)).toBe(true);
      expect(errors.isApiClientError(e)).toBe(g !== 'isHeaderInjectionError');
      const accepted = new Set<GuardName>([g, ...(ANCESTORS[g] ?? [])]);
      if (g !== 'isHeaderInjectionError') accepted.add('isApiClientError');
      for (const other of GUARD_NAMES) expect([other, guard(errors, other)(e)]).toEqual([other, accepted.has(other)]);
    },
  );

  it('errors built by a second copy of the package fail instanceof but pass every guard', async () => {
    const copy = await secondCopy();
    expect(copy.ApiClientError).not.toBe(errors.ApiClientError);
    for (const [foreign, g] of samples(copy)) {
      expect(foreign).not.toBeInstanceOf(errors.ApiClientError);
      expect(foreign).not.toBeInstanceOf(Object.getPrototypeOf(errors.HeaderInjectionError));
      expect([g, guard(errors, g)(foreign)]).toEqual([g, true]);
      expect(isResilienceError(foreign)).toBe(true);
    }
    // Both directions.
    for (const [own, g] of samples(errors)) expect([g, guard(copy, g)(own)]).toEqual([g, true]);
  });

  it('errorFromTransport returns an ApiClientError of another copy unchanged; isAbortError sees its abort', async () => {
    const copy = await secondCopy();
    const foreign = new copy.UpstreamServerError('5xx', { ...init, status: 502 });
    expect(errors.errorFromTransport(foreign, init)).toBe(foreign);
    expect(errors.isAbortError(new copy.RequestAbortedError('aborted', init))).toBe(true);
  });

  it('a structurally equal error with the brand passes; an unbranded look-alike does not', () => {
    class VendoredTimeout extends Error {
      readonly isApiClientError = true;
      readonly isUpstreamTimeoutError = true;
    }
    expect(errors.isUpstreamTimeoutError(new VendoredTimeout('t'))).toBe(true);
    const lookAlike = Object.assign(new Error('t'), { name: 'UpstreamTimeoutError', status: 504 });
    expect(errors.isUpstreamTimeoutError(lookAlike)).toBe(false);
    expect(errors.isApiClientError({ isApiClientError: true })).toBe(false);
  });
});

describe("status classes share ApiClientError's constructor", () => {
  it('init.isTransient and notRetriedReason still override the class default', () => {
    expect(new errors.UpstreamServerError('x', { ...init, isTransient: false }).isTransient).toBe(false);
    expect(new errors.UpstreamNotFoundError('x', { ...init, isTransient: true }).isTransient).toBe(true);
    expect(new errors.UpstreamServerError('x', { ...init, notRetriedReason: 'POST' }).isTransient).toBe(false);
    expect(new errors.UpstreamStatusError('x', { ...init, status: 408 }).isTransient).toBe(true);
    const quota = new errors.UpstreamRateLimitError('x', { ...init, quotaExhausted: true });
    expect([quota.isTransient, quota.quotaExhausted]).toEqual([false, true]);
  });

  it('every class redacts the URL and scrubs the secret, whatever its constructor', () => {
    for (const [e] of samples(errors)) {
      expect(JSON.stringify(e)).not.toContain('sk-secret-123');
      expect(e.message).not.toContain('sk-secret-123');
    }
  });
});
