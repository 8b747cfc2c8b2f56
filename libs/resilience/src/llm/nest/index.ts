/**
 * The Nest leaf of the llm layer: `ResilienceLlmModule`, `@InjectIModel`, the tokens.
 * @module nest-resilience/llm
 */
export { ResilienceLlmModule } from './resilience-llm.module.js';
export { RESILIENCE_LLM_OPTIONS } from './resilience-llm.module-definition.js';
export { InjectIModel } from './inject-imodel.decorator.js';
export { getIModelToken } from './imodel.tokens.js';
export {
  DEFAULT_LLM_SHUTDOWN_TIMEOUT_MS,
  type ModelOptionsFactory,
  type RegisterModelAsyncOptions,
  type RegisterModelOptions,
  type ResilienceLlmAsyncResult,
  type ResilienceLlmFactoryModelOptions,
  type ResilienceLlmForRootOptions,
  type ResilienceLlmModelDeclaration,
  type ResilienceLlmModelOptions,
  type ResilienceLlmModuleAsyncOptions,
  type ResilienceLlmModuleOptions,
  type ResilienceLlmOptionsFactory,
} from './resilience-llm.options.js';
