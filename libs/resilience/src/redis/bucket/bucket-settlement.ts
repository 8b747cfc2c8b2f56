import type { BucketSpec, StateOwner } from '../../core/store/store.js';
import type { StoreLink } from '../store-link.js';
import { BUCKET_SETTLE_SCRIPT } from './bucket-lane-script.js';
import { BUCKET_REFUND_SCRIPT } from './bucket-script.js';
import type { LocalShare } from './local-share.js';

/** What a {@link BucketSettlement} reads of its `RedisBucket` and tells it. @internal */
export interface SettlementHost {
  spec(): BucketSpec;
  /** The local share admissions also take from now (not in shared mode), if any. */
  share(): LocalShare | undefined;
  /** A script answered with the bucket's level; `ask`: waiters may fit now. */
  level(level: number, ask: boolean): void;
}

/**
 * Refunds and charges of one `RedisBucket` (`refund`, `settle`):
 * - a refund goes to the local share (not in shared mode) and to Redis: `BUCKET_REFUND_SCRIPT`
 *   without lanes (as before), `BUCKET_SETTLE_SCRIPT` with them (the lane's cap gets it too);
 *   Redis down: the share only (Redis never gets back tokens: stricter);
 * - a charge (actual > reserved) goes to the share and to Redis by `BUCKET_SETTLE_SCRIPT` (debt
 *   below zero, in the level and the lane's cap); Redis down: kept, per lane, and sent before
 *   the next admission call ({@link flush}; one connection, so Redis runs it first).
 * @internal
 */
export class BucketSettlement {
  /** Charges made while Redis was down, per lane, not sent yet. */
  private debt: number[] | undefined;

  constructor(
    private readonly owner: StateOwner,
    private readonly link: StoreLink,
    private readonly key: string,
    private readonly host: SettlementHost,
  ) {}

  /** True when no charge waits to be sent. */
  get idle(): boolean {
    return this.debt === undefined;
  }

  /** `delta` > 0 refunds it, < 0 charges it, in lane `lane`. */
  settle(delta: number, lane: number): void {
    if (delta > 0) return this.refund(delta, lane);
    if (!(delta < 0)) return;
    this.host.share()?.charge(-delta);
    if (!this.link.up) {
      const lanes = this.host.spec().lanes?.lanes.length ?? 1;
      (this.debt ??= new Array<number>(lanes).fill(0))[lane]! -= delta;
      return;
    }
    this.run(delta, lane).then(
      (level) => this.host.level(Number(level), false),
      () => undefined,
    );
  }

  refund(tokens: number, lane: number): void {
    if (!(tokens > 0)) return;
    const share = this.host.share();
    share?.refund(share.tokensOf(tokens));
    if (!this.link.up) return this.host.level(NaN, true);
    const spec = this.host.spec();
    const run =
      spec.lanes === undefined
        ? this.link.run(BUCKET_REFUND_SCRIPT, this.key, [tokens, spec.burst], this.owner.policy)
        : this.run(tokens, lane);
    run.then(
      (level) => this.host.level(Number(level), true),
      () => undefined,
    );
  }

  /** Sends the charges made while Redis was down (call before an admission script call). */
  flush(): void {
    const debt = this.debt;
    if (debt === undefined || !this.link.up) return;
    this.debt = undefined;
    for (let q = 0; q < debt.length; q++) if (debt[q]! > 0) this.run(-debt[q]!, q).catch(() => undefined);
  }

  /** `BUCKET_SETTLE_SCRIPT`: adds `delta` (debt when negative) to the level and lane `lane`'s cap. */
  private run(delta: number, lane: number): Promise<unknown> {
    const { rate, periodMs, burst, lanes } = this.host.spec();
    const share = lanes?.lanes[lane]?.maxShare ?? 1;
    const args = [rate, periodMs, burst, delta, lane, share < 1 ? share * burst : 0];
    return this.link.run(BUCKET_SETTLE_SCRIPT, this.key, args, this.owner.policy);
  }
}
