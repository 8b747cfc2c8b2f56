import { Inject } from '@nestjs/common';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { getExecutorToken } from './executor.tokens.js';

/**
 * Injects the `Executor` registered as `name` (`ResilienceExecutorModule.forRoot({ executors })`
 * or `registerExecutor[Async]({ name })`). A name nobody registered fails the bootstrap naming
 * it (Nest's "can't resolve dependencies … `nest-resilience:executor:<name>`").
 * @example
 * ```ts
 * constructor(@InjectExecutor('openai') private readonly openai: Executor) {}
 * ```
 * @publicApi
 */
export function InjectExecutor(name: string): PropertyDecorator & ParameterDecorator {
  if (typeof name !== 'string' || name.length === 0)
    throw new ResilienceConfigError('@InjectExecutor()', name, 'a non-empty executor name');
  return Inject(getExecutorToken(name));
}
