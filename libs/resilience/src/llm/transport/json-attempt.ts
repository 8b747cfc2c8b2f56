import type { ExecutorTask, ExecutorTaskContext } from '../../executor/executor.options.js';
import { ApiClientError } from '../../http/errors/api-client.error.js';
import { safeResponseHeaders } from './redaction.js';
import { Attempt, type TransportCore } from './transport-attempt.js';
import type { CallObserver, JsonReply } from './transport.options.js';

/** The request of one call: kept by reference for every attempt (no per-attempt copy). @internal */
export interface CallRequest {
  readonly url: string;
  readonly method: string;
  readonly idempotent: boolean;
  readonly init: RequestInit;
  /** The call's observer (cost meter), told of each 2xx reply. */
  readonly observer?: CallObserver;
}

/** A 2xx body that is not JSON: permanent (sending again would give the same). */
function notJson(core: TransportCore, req: CallRequest, status: number, headers: Record<string, string>, body: string) {
  return new ApiClientError(
    `${req.method} ${core.redactUrl(req.url)} answered ${status} with a body that is not JSON`,
    { method: req.method, url: req.url, status, headers, body, secrets: core.secrets },
  );
}

/**
 * One attempt of a non-streaming call: the exchange (read to the last byte, within the
 * timeout), a non-2xx mapped by `provider.errorFor`, the JSON parsed, the usage reported.
 * @internal
 */
export async function jsonAttempt(core: TransportCore, req: CallRequest, ctx: ExecutorTaskContext): Promise<JsonReply> {
  const a = new Attempt(core, ctx, req.method, req.url, req.idempotent);
  a.start();
  try {
    const res = await a.exchange(req.init);
    if (res.status < 200 || res.status >= 300) throw a.statusErrorOf(res.status, res.headers, res.body);
    const text = res.body;
    const headers = safeResponseHeaders(res.headers, core.secrets);
    let data: unknown;
    try {
      data = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw notJson(core, req, res.status, headers, text);
    }
    const usage = core.provider.usageOf(data);
    if (usage !== undefined) ctx.reportUsage(usage.totalTokens);
    req.observer?.reply(data, headers, usage);
    return { status: res.status, headers, data };
  } catch (error) {
    throw a.mapError(error);
  } finally {
    a.finish();
  }
}

/** The executor task of a non-streaming call (one closure per call, none per attempt). @internal */
export function jsonTask(core: TransportCore, req: CallRequest): ExecutorTask<JsonReply> {
  return (ctx) => jsonAttempt(core, req, ctx);
}
