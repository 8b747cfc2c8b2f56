import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter, type Disposable } from '../../core/events/event-emitter.js';
import type { StoreStatusEvent } from '../../core/store/store-events.js';
import { KIND_NAMES, POLICY_KINDS, type EventOf, type KindName, type PolicyKind } from '../registry/policy-kinds.js';
import { ResilienceRegistry } from '../registry/resilience.registry.js';

/**
 * Every event of one application: the events of every policy of every kind (state changes,
 * retries, give-ups, rejections, limiter waits, timeouts, bulkhead rejections, fallbacks...)
 * and the shared store's outages (`store.down` / `store.up`). Discriminated by `type`.
 * @publicApi
 */
export type ResilienceEvent = { [K in KindName]: EventOf<K> }[KindName] | StoreStatusEvent;

/** The `type`s of {@link ResilienceEvent}. @publicApi */
export type ResilienceEventType = ResilienceEvent['type'];

/**
 * The event of one `type` (`store.down` narrows the store event whose `type` is a union).
 * @publicApi
 */
export type ResilienceEventOf<T extends ResilienceEventType> = ResilienceEvent extends infer E
  ? E extends { readonly type: infer U }
    ? T extends U
      ? E & { readonly type: T }
      : never
    : never
  : never;

/**
 * The application's registry-wide event stream. It subscribes to the policies (and the store)
 * only while it has listeners: with none, no policy has a listener and emits nothing, so the
 * stream costs nothing. Policies created later (inline options of decorated methods resolved
 * on first call) are subscribed as they appear.
 * @example
 * ```ts
 * constructor(events: ResilienceEvents) {
 *   events.on('breaker.state', (e) => this.logger.warn(`${e.policy}: ${e.from} -> ${e.to}`));
 *   events.subscribe((e) => this.metrics.count(e.type));
 * }
 * ```
 * @publicApi
 */
@Injectable()
export class ResilienceEvents implements OnApplicationShutdown {
  private readonly emitter = new EventEmitter<ResilienceEvent>();
  private sources: Disposable[] | undefined;

  constructor(private readonly registry: ResilienceRegistry) {}

  /** Calls `listener` with every event until the returned disposable is disposed. */
  subscribe(listener: (event: ResilienceEvent) => void): Disposable {
    const subscription = this.emitter.subscribe(listener);
    this.attach();
    return {
      dispose: () => {
        subscription.dispose();
        if (!this.emitter.hasListeners) this.detach();
      },
    };
  }

  /** Calls `listener` with the events of one `type` (e.g. `'timeout'`, `'store.down'`). */
  on<T extends ResilienceEventType>(type: T, listener: (event: ResilienceEventOf<T>) => void): Disposable {
    if (typeof listener !== 'function') throw new TypeError('An event listener must be a function');
    return this.subscribe((event) => {
      if (event.type === type) listener(event as ResilienceEventOf<T>);
    });
  }

  onApplicationShutdown(): void {
    this.emitter.clear();
    this.detach();
  }

  private attach(): void {
    if (this.sources !== undefined) return;
    const sources: Disposable[] = [];
    const emit = (event: ResilienceEvent) => this.emitter.emit(event);
    const watch = (kind: KindName, policy: unknown) => {
      const descriptor = POLICY_KINDS[kind] as unknown as PolicyKind<unknown, unknown, unknown>;
      for (const event of descriptor.events(policy)) sources.push(event(emit));
    };
    for (const kind of KIND_NAMES) for (const policy of this.registry.policies(kind)) watch(kind, policy);
    sources.push(this.registry.onPolicyCreated(({ kind, policy }) => watch(kind, policy)));
    const store = this.registry.store;
    if (store?.onStatus !== undefined) sources.push(store.onStatus(emit));
    this.sources = sources;
  }

  private detach(): void {
    const sources = this.sources;
    this.sources = undefined;
    for (const s of sources ?? []) s.dispose();
  }
}
