/** Settled calls the calibration factor looks back on. */
export const CALIBRATION_WINDOW = 32;

interface TurnWaiter {
  resolve: () => void;
  reject: (e: unknown) => void;
  signal: AbortSignal;
  onAbort: () => void;
}

/**
 * Learns how wrong token estimates are (`tokenCalibration: 'learn'`, see docs/executor.md):
 * the factor `f = max(1, actual / estimate)` over the last {@link CALIBRATION_WINDOW} settled calls
 * (a ring buffer), reservations `min(burst, ceil(estimate × f))`. Until the first reserving call
 * has settled after reaching the upstream, at most one reserving call is in flight (the probe).
 * @internal
 */
export class TokenCalibration {
  /** The factor reservations are scaled by (1 when off). */
  factor = 1;
  #ratios = new Float64Array(CALIBRATION_WINDOW);
  #count = 0;
  #next = 0;
  #learned: boolean;
  #probeBusy = false;
  #waiters: TurnWaiter[] = [];

  constructor(
    readonly learn: boolean,
    readonly burst: number,
  ) {
    this.#learned = !learn;
  }

  /**
   * Tokens to reserve for an estimate, at most `max` (the most one admission of the lane can
   * take: the burst, within the lane's cap and above its floor).
   */
  reservation(estimate: number, max: number = this.burst): number {
    const r = this.learn ? Math.ceil(estimate * this.factor) : estimate;
    return r < max ? r : max;
  }

  /**
   * Undefined when the call may reserve now, else a promise for its turn as the probe (the
   * caller's signal is only created, through `caller._signal()`, when the call must wait).
   */
  turn(caller: { _signal(): AbortSignal }): Promise<void> | undefined {
    if (this.#learned) return undefined;
    if (!this.#probeBusy) {
      this.#probeBusy = true;
      return undefined;
    }
    const signal = caller._signal();
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const w: TurnWaiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.#waiters.indexOf(w);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', w.onAbort, { once: true });
      this.#waiters.push(w);
    });
  }

  /**
   * The call that took its turn is done: `reached` when it reached the upstream (then the
   * calibration is learned, and `actual`, when known, is recorded). Hands the turn on.
   */
  done(estimate: number, reached: boolean, actual: number | undefined): void {
    if (actual !== undefined && estimate > 0 && this.learn) this.#record(actual / estimate);
    if (this.#learned) return;
    if (reached) {
      this.#learned = true;
      this.#probeBusy = false;
      for (const w of this.#waiters.splice(0)) this.#wake(w);
      return;
    }
    const next = this.#waiters.shift();
    if (next === undefined) this.#probeBusy = false;
    else this.#wake(next);
  }

  /** True while reserving calls go one at a time. */
  get probing(): boolean {
    return !this.#learned;
  }

  #wake(w: TurnWaiter): void {
    w.signal.removeEventListener('abort', w.onAbort);
    w.resolve();
  }

  #record(ratio: number): void {
    if (!Number.isFinite(ratio) || ratio < 0) return;
    this.#ratios[this.#next] = ratio;
    this.#next = (this.#next + 1) % CALIBRATION_WINDOW;
    if (this.#count < CALIBRATION_WINDOW) this.#count++;
    let f = 1;
    for (let i = 0; i < this.#count; i++) if (this.#ratios[i]! > f) f = this.#ratios[i]!;
    this.factor = f;
  }
}
