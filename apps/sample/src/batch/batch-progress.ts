// The batch's progress: a cli-progress bar on a terminal; plain lines every `stepPercent` % when
// stdout is not a TTY (CI logs), since cli-progress prints nothing there.
import cliProgress from 'cli-progress';

/** What the batch tells its progress reporter. */
export interface BatchProgress {
  /** One prompt ended (`true`: answered; `'refused'`: a budget refused it; `false`: failed). */
  tick(ok: boolean | 'refused'): void;
  stop(): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Default `process.stdout.isTTY`. */
  tty?: boolean;
  /** Plain output: a line every this many percent. Default 10. */
  stepPercent?: number;
  /** Where plain lines go. Default `console.log`. */
  write?: (line: string) => void;
  /** Milliseconds since the start (for the rate). Default `performance.now`. */
  now?: () => number;
}

/** A progress reporter for `total` prompts; `silent` reports nothing. */
export function createProgress(total: number, options: ProgressOptions | 'silent' = {}): BatchProgress {
  if (options === 'silent') return { tick: () => undefined, stop: () => undefined };
  const now = options.now ?? (() => performance.now());
  const start = now();
  let done = 0;
  let failed = 0;
  let refused = 0;
  const count = (ok: boolean | 'refused') => {
    done++;
    if (ok === 'refused') refused++;
    else if (!ok) failed++;
  };
  const rate = () => (done / Math.max(0.001, (now() - start) / 1000)).toFixed(1);
  if (options.tty ?? process.stdout.isTTY === true) {
    const bar = new cliProgress.SingleBar(
      {
        format:
          'batch {bar} {percentage}% | {value}/{total} | failed {failed} | refused {refused} | {rate} prompts/s | eta {eta_formatted}',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { failed: 0, refused: 0, rate: '0.0' });
    return {
      tick(ok) {
        count(ok);
        bar.update(done, { failed, refused, rate: rate() });
      },
      stop: () => bar.stop(),
    };
  }
  const write = options.write ?? ((line: string) => console.log(line));
  const step = Math.max(1, Math.ceil((total * (options.stepPercent ?? 10)) / 100));
  return {
    tick(ok) {
      count(ok);
      if (done % step === 0 || done === total) {
        const pct = Math.floor((done / total) * 100);
        const r = refused > 0 ? `, refused ${refused}` : '';
        write(`batch ${done}/${total} (${pct}%) failed ${failed}${r}, ${rate()} prompts/s`);
      }
    },
    stop: () => undefined,
  };
}
