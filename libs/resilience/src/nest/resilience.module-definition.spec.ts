import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Inject, Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { systemClock, VirtualClock, type Clock } from '../core/clock.js';
import { POLICY_RESOLVER, type PolicyResolver } from '../core/policy/policy-resolver.js';
import { MemoryStore } from '../core/store/memory-store.js';
import { ResilienceRegistry } from './registry/resilience.registry.js';
import { RESILIENCE_CLOCK, RESILIENCE_REGISTRY, RESILIENCE_STORE } from './resilience.constants.js';
import { RESILIENCE_OPTIONS, type ResilienceOptionsFactory } from './resilience.module-definition.js';
import { ResilienceModule } from './resilience.module.js';
import { CircuitBreakerService } from './services/circuit-breaker.service.js';

@Injectable()
class Consumer {
  constructor(
    @Inject(RESILIENCE_CLOCK) readonly clock: Clock,
    @Inject(POLICY_RESOLVER) readonly resolver: PolicyResolver,
    readonly breakers: CircuitBreakerService,
  ) {}
}

@Module({ providers: [Consumer], exports: [Consumer] })
class FeatureModule {}

let moduleRef: TestingModule | undefined;
afterEach(async () => {
  await moduleRef?.close();
  moduleRef = undefined;
});

describe('ResilienceModule (ConfigurableModuleBuilder)', () => {
  it('forRoot() without options works; the module is global: a feature module injects its services and tokens', async () => {
    moduleRef = await Test.createTestingModule({ imports: [ResilienceModule.forRoot(), FeatureModule] }).compile();
    const consumer = moduleRef.get(Consumer);
    expect(consumer.clock).toBe(systemClock);
    expect(consumer.resolver).toBe(moduleRef.get(ResilienceRegistry));
    expect(consumer.breakers).toBeInstanceOf(CircuitBreakerService);
  });

  it('isGlobal: false keeps it to the modules that import it', async () => {
    const error = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ isGlobal: false }), FeatureModule],
    })
      .compile()
      .catch((e: unknown) => e);
    expect(String(error)).toContain('Consumer');
    // The extra is not a policy option: forRoot strips it before the options are validated.
    moduleRef = await Test.createTestingModule({ imports: [ResilienceModule.forRoot({ isGlobal: false })] }).compile();
    expect(moduleRef.get(RESILIENCE_OPTIONS)).toEqual({});
  });

  it('provides RESILIENCE_REGISTRY, POLICY_RESOLVER (the registry), RESILIENCE_CLOCK and RESILIENCE_STORE', async () => {
    const clock = new VirtualClock(0);
    const store = Object.assign(new MemoryStore(), { kind: 'custom' }) as unknown as MemoryStore;
    moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ clock, store, breakers: { b: {} } })],
    }).compile();
    const registry = moduleRef.get(ResilienceRegistry);
    expect(moduleRef.get(RESILIENCE_REGISTRY)).toBe(registry);
    expect(moduleRef.get(POLICY_RESOLVER)).toBe(registry);
    expect(moduleRef.get<PolicyResolver>(POLICY_RESOLVER).breaker('b').name).toBe('b');
    expect(moduleRef.get(RESILIENCE_CLOCK)).toBe(clock);
    expect(moduleRef.get(RESILIENCE_STORE)).toBe(store);
  });

  it('RESILIENCE_STORE is null when state is in memory', async () => {
    moduleRef = await Test.createTestingModule({ imports: [ResilienceModule.forRoot()] }).compile();
    expect(moduleRef.get(RESILIENCE_STORE)).toBeNull();
  });

  it('forRootAsync useClass: the factory implements createResilienceOptions (ResilienceOptionsFactory)', async () => {
    @Injectable()
    class Options implements ResilienceOptionsFactory {
      createResilienceOptions() {
        return { timeouts: { slow: { timeoutMs: 5_000 } } };
      }
    }
    moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRootAsync({ useClass: Options })],
    }).compile();
    expect(moduleRef.get(ResilienceRegistry).timeout('slow').options.timeoutMs).toBe(5_000);
  });

  it('forRootAsync isGlobal: false also applies', async () => {
    const error = await Test.createTestingModule({
      imports: [ResilienceModule.forRootAsync({ useFactory: () => ({}), isGlobal: false }), FeatureModule],
    })
      .compile()
      .catch((e: unknown) => e);
    expect(String(error)).toContain('Consumer');
  });
});
