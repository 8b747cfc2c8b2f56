import { CircuitBreakerPolicy } from '../../core/circuit-breaker/circuit-breaker.policy.js';
import { ResilienceConfigError } from '../../core/errors/index.js';
import {
  checkBoolean,
  checkName,
  checkOptionsObject,
  optionalNumber,
  startNormalize,
} from '../../core/options/validate.js';
import type { PolicyOption, PolicyResolver } from '../../core/policy/policy-resolver.js';
import { RateLimiterPolicy } from '../../core/rate-limiter/rate-limiter.policy.js';
import { RetryPolicy } from '../../core/retry/retry.policy.js';
import { assertSafeHeader } from '../headers/header-factory.js';
import { redactUrl } from '../headers/headers.js';
import { AdaptiveRateLimiter } from '../limiters/adaptive-rate-limiter.js';
import {
  API_CLIENT_DEFAULTS,
  type ApiClientOptions,
  type AxiosLike,
  type NormalizedApiClientOptions,
} from './api-client.options.js';
import { addSecret, isSecretHeaderName } from './secrets.js';

const KNOWN = {
  name: true,
  baseUrl: true,
  timeoutMs: true,
  headers: true,
  breaker: true,
  retry: true,
  limiter: true,
  adaptiveLimiter: true,
  allowAbsoluteUrls: true,
  axios: true,
  maxSockets: true,
  keepAlive: true,
  logger: true,
  secrets: true,
  secretHeaders: true,
  idempotent: true,
  idempotencyHeader: true,
} as const satisfies Record<keyof ApiClientOptions, true>;
const KNOWN_KEYS = Object.keys(KNOWN);

/** RFC 9110 token characters (a header name). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Validates {@link ApiClientOptions} once, at construction, applies {@link API_CLIENT_DEFAULTS}
 * and resolves policy names through `policies`. Throws `ResilienceConfigError` naming
 * `clients.<name>.<option>` (or `HeaderInjectionError` for a CR/LF in a header).
 * @internal
 */
export function normalizeApiClientOptions(
  options: ApiClientOptions,
  policies: PolicyResolver | undefined,
): NormalizedApiClientOptions {
  checkOptionsObject('clients', options, 'an ApiClient options object');
  const name = checkName('clients.name', options.name ?? API_CLIENT_DEFAULTS.name);
  const path = `clients.${name}`;
  const p = startNormalize<keyof ApiClientOptions>(path, options, KNOWN_KEYS);
  const base = parseBaseUrl(p('baseUrl'), options.baseUrl);
  const timeoutMs = optionalNumber(p('timeoutMs'), options.timeoutMs, API_CLIENT_DEFAULTS.timeoutMs, {
    min: 0,
    minExclusive: true,
  });
  const maxSockets = optionalNumber(p('maxSockets'), options.maxSockets, API_CLIENT_DEFAULTS.maxSockets, {
    min: 1,
    integer: true,
    allowInfinity: true,
  });
  if (options.logger !== undefined && (options.logger === null || typeof options.logger.debug !== 'function'))
    throw new ResilienceConfigError(p('logger'), options.logger, 'an object with a debug(message) method');
  if (options.adaptiveLimiter !== undefined && !(options.adaptiveLimiter instanceof AdaptiveRateLimiter))
    throw new ResilienceConfigError(p('adaptiveLimiter'), typeof options.adaptiveLimiter, 'an AdaptiveRateLimiter');
  const axios = options.axios as unknown;
  if (axios !== undefined && (axios === null || typeof (axios as { request?: unknown }).request !== 'function'))
    throw new ResilienceConfigError(p('axios'), typeof axios, 'an axios instance (e.g. HttpService.axiosRef)');
  const keyHeader = options.idempotencyHeader ?? API_CLIENT_DEFAULTS.idempotencyHeader;
  if (typeof keyHeader !== 'string' || !TOKEN.test(keyHeader))
    throw new ResilienceConfigError(p('idempotencyHeader'), keyHeader, 'an HTTP header name');
  if (options.secretHeaders !== undefined && !Array.isArray(options.secretHeaders))
    throw new ResilienceConfigError(p('secretHeaders'), typeof options.secretHeaders, 'an array of header names');
  const secretHeaders = new Set((options.secretHeaders ?? []).map((h) => String(h).toLowerCase()));
  const own = clientHeaders(path, name, options.headers, options.secrets, secretHeaders);
  return {
    name,
    baseUrl: base.href,
    origin: base.origin,
    timeoutMs,
    headers: own.headers,
    secrets: own.secrets,
    secretHeaders,
    breaker: resolvePolicy(p('breaker'), options.breaker, CircuitBreakerPolicy, 'breaker', policies),
    retry: resolvePolicy(p('retry'), options.retry, RetryPolicy, 'retry', policies),
    limiter: resolvePolicy(p('limiter'), options.limiter, RateLimiterPolicy, 'limiter', policies),
    adaptiveLimiter: options.adaptiveLimiter,
    allowAbsoluteUrls: checkBoolean(p('allowAbsoluteUrls'), options.allowAbsoluteUrls, false),
    axios: axios as AxiosLike | undefined,
    maxSockets,
    keepAlive: checkBoolean(p('keepAlive'), options.keepAlive, API_CLIENT_DEFAULTS.keepAlive),
    logger: options.logger,
    idempotent: checkBoolean(p('idempotent'), options.idempotent, API_CLIENT_DEFAULTS.idempotent),
    idempotencyHeader: keyHeader.toLowerCase(),
  };
}

/** Validates `baseUrl`: `http(s)://host[:port][/prefix]`, no query, fragment or credentials. @internal */
export function parseBaseUrl(path: string, value: unknown): { href: string; origin: string } {
  if (typeof value !== 'string' || value.length === 0)
    throw new ResilienceConfigError(path, value, "an absolute 'http(s)://' URL");
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ResilienceConfigError(path, redactUrl(value), "an absolute 'http(s)://' URL");
  }
  if (
    (u.protocol !== 'http:' && u.protocol !== 'https:') ||
    u.search !== '' ||
    u.hash !== '' ||
    u.username !== '' ||
    u.password !== ''
  ) {
    throw new ResilienceConfigError(
      path,
      redactUrl(value),
      "an 'http(s)://host[:port][/prefix]' URL without query, fragment or credentials",
    );
  }
  return { href: u.href.replace(/\/+$/, ''), origin: u.origin };
}

/**
 * Validates a client's `headers` (strings, no CR/LF: the error names the client) and collects
 * its secrets: the values of secret headers, then `secrets`.
 */
function clientHeaders(
  path: string,
  name: string,
  headers: Readonly<Record<string, string>> | undefined,
  secrets: readonly string[] | undefined,
  secretHeaders: ReadonlySet<string>,
): { headers: Record<string, string>; secrets: string[] } {
  const out: Record<string, string> = {};
  const list: string[] = [];
  if (headers !== undefined) {
    if (headers === null || typeof headers !== 'object' || Array.isArray(headers))
      throw new ResilienceConfigError(`${path}.headers`, headers, 'an object of header names to strings');
    const where = `client '${name}' (${path}.headers)`;
    for (const key of Object.keys(headers)) {
      const value = headers[key];
      if (typeof value !== 'string')
        throw new ResilienceConfigError(`${path}.headers.${key}`, typeof value, 'a string value');
      assertSafeHeader(key, value, where);
      out[key] = value;
      if (isSecretHeaderName(key, secretHeaders)) addSecret(list, value);
    }
  }
  if (secrets !== undefined) {
    if (!Array.isArray(secrets))
      throw new ResilienceConfigError(`${path}.secrets`, typeof secrets, 'an array of strings');
    for (const s of secrets) addSecret(list, s);
  }
  return { headers: out, secrets: list };
}

/** A policy given as an instance, or by name through the resolver. */
function resolvePolicy<P>(
  path: string,
  value: PolicyOption<P> | undefined,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  cls: abstract new (...args: any[]) => P,
  kind: 'breaker' | 'retry' | 'limiter',
  resolver: PolicyResolver | undefined,
): P | undefined {
  if (value === undefined) return undefined;
  if (value instanceof cls) return value;
  if (typeof value === 'string' && value.length > 0) {
    if (resolver === undefined) {
      throw new ResilienceConfigError(
        path,
        value,
        `a ${cls.name} instance, or a policy name with ResilienceModule imported (no policy resolver available)`,
      );
    }
    try {
      return resolver[kind](value) as P;
    } catch (error) {
      if (error instanceof ResilienceConfigError) throw new ResilienceConfigError(path, value, error.expected);
      throw error;
    }
  }
  throw new ResilienceConfigError(path, value, `a policy name or a ${cls.name}`);
}
