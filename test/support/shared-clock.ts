/**
 * Milliseconds on the machine's CLOCK_MONOTONIC (`process.hrtime`), the same clock in every
 * process: what tests use to compare times across processes (a start time sent to workers,
 * admissions gathered from several replicas). `performance.timeOrigin + performance.now()` is
 * not: each process reads `timeOrigin` once as it starts, and a process preempted then is off
 * by as long as it waited (10.7 ms measured here, spawning six processes on a loaded 2-core
 * machine), enough to fake a bound violation in a merged count of admissions.
 */
export const sharedNow = (): number => Number(process.hrtime.bigint()) / 1e6;
