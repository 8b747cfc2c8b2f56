import { optionalEnum, optionalNumber } from './validate.js';

/** How a limiter admits a call that cannot have its tokens now. @publicApi */
export type AdmissionMode = 'wait' | 'reject';

/** A validated admission rule: `maxWaitMs` is 0 in `reject` mode. @publicApi */
export interface NormalizedAdmission {
  mode: AdmissionMode;
  /** Longest wait for tokens, ms; 0 refuses at once. */
  maxWaitMs: number;
}

/** Defaults of every limiter's `mode` and `maxWaitMs`: wait, at most 30 s. @publicApi */
export const ADMISSION_DEFAULTS = { mode: 'wait', maxWaitMs: 30_000 } as const satisfies NormalizedAdmission;

/**
 * Validates a limiter's `mode` (`'wait'` | `'reject'`, default `'wait'`) and `maxWaitMs`
 * (a number >= 0 or `Infinity`, default 30000) under `path` (`<path>.mode`, `<path>.maxWaitMs`).
 * `maxWaitMs` is checked in either mode and becomes 0 in `reject` mode.
 * Throws `ResilienceConfigError` naming the option.
 * @publicApi
 */
export function normalizeAdmission(path: string, mode: unknown, maxWaitMs: unknown): NormalizedAdmission {
  const p = path === '' ? '' : `${path}.`;
  const m = optionalEnum(`${p}mode`, mode, ['wait', 'reject'] as const, ADMISSION_DEFAULTS.mode);
  const wait = optionalNumber(`${p}maxWaitMs`, maxWaitMs, ADMISSION_DEFAULTS.maxWaitMs, {
    min: 0,
    allowInfinity: true,
  });
  return { mode: m, maxWaitMs: m === 'reject' ? 0 : wait };
}
