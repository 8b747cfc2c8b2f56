import type { BucketSpec, StateOwner } from '../../core/store/store.js';
import { BUCKET_RESUME_SCRIPT } from './bucket-pause-script.js';
import { BUCKET_SCRIPT } from './bucket-script.js';
import type { RedisBucketDeps } from './redis-bucket.settings.js';

// A `RedisBucket`'s pause in Redis (`pauseUntil`, `resume`); its local share pauses on its own.

/** Pauses the key for `ms` from now: a `BUCKET_SCRIPT` call admitting nobody. Nothing when `ms` ≤ 0 or Redis is down. @internal */
export function pauseKey(deps: RedisBucketDeps, owner: StateOwner, spec: BucketSpec, ms: number): void {
  if (!(ms > 0) || !deps.link.up) return;
  const args = [spec.rate, spec.periodMs, spec.burst, ms, 0, 0];
  deps.link.run(BUCKET_SCRIPT, deps.key, args, owner.policy).catch(() => undefined);
}

/** Ends the key's pause (`BUCKET_RESUME_SCRIPT`), then `done()`; Redis down: `done()` at once. @internal */
export function resumeKey(deps: RedisBucketDeps, owner: StateOwner, done: () => void): void {
  if (!deps.link.up) return done();
  deps.link.run(BUCKET_RESUME_SCRIPT, deps.key, [], owner.policy).then(
    () => done(),
    () => undefined,
  );
}
