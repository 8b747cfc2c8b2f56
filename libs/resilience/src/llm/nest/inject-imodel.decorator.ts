import { Inject } from '@nestjs/common';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { getIModelToken } from './imodel.tokens.js';

/**
 * Injects the `IModel` registered as `name` (`ResilienceLlmModule.forRoot({ models })` or
 * `registerModel[Async]({ name })`). Not `@InjectModel`: that one is `@nestjs/mongoose`'s. A
 * name nobody registered fails the bootstrap naming it and the class that asked (Nest's "can't
 * resolve dependencies … `nest-resilience:imodel:<name>`"); `ModelRegistry.names()` lists the registered ones.
 * @example
 * ```ts
 * constructor(@InjectIModel('gpt') private readonly gpt: IModel) {}
 * ```
 * @publicApi
 */
export function InjectIModel(name: string): PropertyDecorator & ParameterDecorator {
  if (typeof name !== 'string' || name.length === 0)
    throw new ResilienceConfigError('@InjectIModel()', name, 'a non-empty model name');
  return Inject(getIModelToken(name));
}
