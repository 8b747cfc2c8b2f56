import { ResilienceConfigError } from '../../core/errors/config.error.js';
import { checkName, checkNumber, checkOptionsObject, startNormalize } from '../../core/options/validate.js';
import type { Executor } from '../../executor/executor.js';
import type { ExecutorOptions } from '../../executor/executor.options.js';
import { isSensitiveHeader, redactUrl } from '../../http/headers/headers.js';
import { CostTracker } from '../cost/cost-tracker.js';
import { defaultEstimator } from '../estimate/default-estimator.js';
import type { TokenEstimator } from '../estimate/token-estimator.js';
import type { LlmProvider, ProviderConfig } from '../providers/provider.js';
import { PROVIDER_NAMES, providerFor } from '../providers/providers.js';
import type { IModelBaseDeps, IModelOptions } from './imodel.options.js';

/** Defaults of the optional {@link IModelOptions}. @publicApi */
export const IMODEL_DEFAULTS = Object.freeze({ maxTokens: 1024, timeoutMs: 600_000 });

const KNOWN = {
  provider: true,
  model: true,
  apiKey: true,
  baseUrl: true,
  apiVersion: true,
  headers: true,
  executor: true,
  maxTokens: true,
  temperature: true,
  timeoutMs: true,
  fallbacks: true,
  estimator: true,
  secrets: true,
  costs: true,
} as const satisfies Record<keyof IModelOptions, true>;
const KNOWN_KEYS = Object.keys(KNOWN);

/** Options after defaults and validation (the key is in `config.apiKey` and `secrets`). @internal */
export interface NormalizedIModelOptions {
  provider: LlmProvider;
  config: ProviderConfig;
  temperature: number | undefined;
  timeoutMs: number;
  fallbacks: readonly string[];
  estimator: TokenEstimator;
  /** The key first, then `options.secrets`. */
  secrets: readonly string[];
  executor: Executor | ExecutorOptions;
  costs: CostTracker | undefined;
}

/**
 * Applies defaults and validates iModel options once. Throws {@link ResilienceConfigError}
 * naming `models.<name>.<option>` and the value (never a key: a missing key names the
 * environment variable read). Does not create the executor.
 * @publicApi
 */
export function normalizeIModelOptions(
  name: string,
  options: IModelOptions,
  deps: IModelBaseDeps = {},
): NormalizedIModelOptions {
  checkName('models', name);
  const path = `models.${name}`;
  checkOptionsObject(path, options, 'an options object { provider, model, executor, ... }');
  // Before startNormalize, whose message would show the value: a mistyped `apiKey` holds a key.
  for (const k of Object.keys(options))
    if (!Object.hasOwn(KNOWN, k))
      throw new ResilienceConfigError(
        `${path}.${k}`,
        '[not shown]',
        `one of the known options: ${KNOWN_KEYS.join(', ')}`,
      );
  const p = startNormalize<keyof IModelOptions>(path, options, KNOWN_KEYS);
  if (typeof options.provider !== 'string' || !PROVIDER_NAMES.includes(options.provider))
    throw new ResilienceConfigError(p('provider'), options.provider, `one of ${PROVIDER_NAMES.join(', ')}`);
  const provider = providerFor(options.provider);
  if (typeof options.model !== 'string' || options.model.trim().length === 0)
    throw new ResilienceConfigError(p('model'), options.model, 'a non-empty provider model id');
  const apiKey = keyOf(p('apiKey'), options.apiKey, provider, deps.env);
  const baseUrl = baseUrlOf(p('baseUrl'), options.baseUrl ?? provider.defaultBaseUrl);
  if (options.apiVersion !== undefined && (typeof options.apiVersion !== 'string' || options.apiVersion === ''))
    throw new ResilienceConfigError(p('apiVersion'), options.apiVersion, 'a non-empty string');
  const headers = headersOf(p('headers'), options.headers);
  const executor = options.executor;
  if (executor === null || typeof executor !== 'object')
    throw new ResilienceConfigError(
      p('executor'),
      executor,
      'an Executor or executor options { concurrencyLimit, ... }',
    );
  const maxTokens =
    options.maxTokens === undefined
      ? IMODEL_DEFAULTS.maxTokens
      : checkNumber(p('maxTokens'), options.maxTokens, { min: 1, integer: true });
  const temperature =
    options.temperature === undefined ? undefined : checkNumber(p('temperature'), options.temperature, { min: 0 });
  const timeoutMs =
    options.timeoutMs === undefined
      ? IMODEL_DEFAULTS.timeoutMs
      : checkNumber(p('timeoutMs'), options.timeoutMs, { min: 0, minExclusive: true });
  const fallbacks = fallbacksOf(name, p('fallbacks'), options.fallbacks);
  const estimator = options.estimator ?? defaultEstimator;
  if (estimator === null || typeof estimator !== 'object' || typeof estimator.estimateInput !== 'function')
    throw new ResilienceConfigError(p('estimator'), estimator, 'a TokenEstimator { estimateInput(...) }');
  const extra = options.secrets ?? [];
  if (!Array.isArray(extra) || extra.some((s) => typeof s !== 'string'))
    throw new ResilienceConfigError(p('secrets'), '[not shown]', 'an array of strings');
  const config: ProviderConfig = { model: options.model, apiKey, baseUrl, maxTokens };
  if (options.apiVersion !== undefined) config.apiVersion = options.apiVersion;
  if (headers !== undefined) config.headers = headers;
  const costs = options.costs;
  if (costs !== undefined && !(costs instanceof CostTracker))
    throw new ResilienceConfigError(p('costs'), costs, 'a CostTracker (CostTracker.create(...))');
  return {
    provider,
    config,
    temperature,
    timeoutMs,
    fallbacks,
    estimator,
    secrets: [apiKey, ...extra],
    executor,
    costs,
  };
}

/** `apiKey`, else the provider's env variable; the error names the variable, never a value. */
function keyOf(path: string, apiKey: unknown, provider: LlmProvider, env: IModelBaseDeps['env'] = process.env): string {
  if (apiKey !== undefined) {
    if (typeof apiKey !== 'string' || apiKey.trim().length === 0)
      throw new ResilienceConfigError(path, typeof apiKey === 'string' ? '' : typeof apiKey, 'a non-empty string');
    return apiKey;
  }
  const fromEnv = env[provider.apiKeyEnv];
  if (typeof fromEnv !== 'string' || fromEnv.trim().length === 0)
    throw new ResilienceConfigError(
      path,
      undefined,
      `a key: the apiKey option or the ${provider.apiKeyEnv} environment variable (neither is set)`,
    );
  return fromEnv;
}

function baseUrlOf(path: string, value: unknown): string {
  const expected = 'an http(s) URL without query or fragment';
  if (typeof value !== 'string') throw new ResilienceConfigError(path, value, expected);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ResilienceConfigError(path, redactUrl(value), expected);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '')
    throw new ResilienceConfigError(path, redactUrl(value), expected);
  if (url.username !== '' || url.password !== '')
    throw new ResilienceConfigError(path, redactUrl(value), 'a URL without credentials (use apiKey)');
  return value.replace(/\/+$/, '');
}

/** Extra headers: string values, no credential header (the key goes in `apiKey`). */
function headersOf(path: string, value: unknown): Readonly<Record<string, string>> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ResilienceConfigError(path, value, 'an object of header names to string values');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (isSensitiveHeader(k))
      throw new ResilienceConfigError(`${path}.${k}`, '[not shown]', 'no credential header (the key goes in apiKey)');
    if (typeof v !== 'string' || /[\r\n]/.test(v))
      throw new ResilienceConfigError(`${path}.${k}`, typeof v === 'string' ? '[not shown]' : v, 'a one-line string');
    out[k.toLowerCase()] = v;
  }
  return Object.freeze(out);
}

function fallbacksOf(name: string, path: string, value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ResilienceConfigError(path, value, 'an array of model names');
  const seen = new Set<string>();
  value.forEach((f: unknown, i) => {
    if (typeof f !== 'string' || f.length === 0) throw new ResilienceConfigError(`${path}[${i}]`, f, 'a model name');
    if (f === name) throw new ResilienceConfigError(`${path}[${i}]`, f, `the name of a model other than '${name}'`);
    if (seen.has(f)) throw new ResilienceConfigError(`${path}[${i}]`, f, 'a name not listed twice');
    seen.add(f);
  });
  return Object.freeze([...(value as string[])]);
}
