import { Catch, HttpStatus } from '@nestjs/common';
import type { ResilienceErrorResponse } from 'nest-resilience';
import { isBudgetExceededError, type BudgetExceededError } from 'nest-resilience/llm';
import { QuotesExceptionFilter } from '../resilience-exception.filter.js';

/**
 * A budget refusal as `/ask` answers it: **402 Payment Required** with `Retry-After` (seconds to
 * the window's reset) and the `BudgetExceededError` fields. Not 429: a 429 tells clients and SDKs
 * (the OpenAI SDK, proxies, `npm run batch`'s own count) to retry soon, while a spent budget stays
 * spent until `resetsAt` (for a daily budget, hours away); 402 says "no more spending" and is not
 * retried automatically. The call never reached the provider.
 */
export function budgetRefusal(error: BudgetExceededError): ResilienceErrorResponse {
  return {
    status: HttpStatus.PAYMENT_REQUIRED,
    body: {
      statusCode: HttpStatus.PAYMENT_REQUIRED,
      error: 'Payment Required',
      message: error.message,
      budget: error.budget,
      scope: error.scope,
      scopeValue: error.scopeValue ?? null,
      limitUsd: error.limitUsd,
      spentUsd: error.spentUsd,
      reservedUsd: error.reservedUsd,
      requestedUsd: error.requestedUsd,
      windowId: error.windowId,
      resetsAt: error.resetsAt,
      retryAfterMs: error.retryAfterMs,
    },
    retryAfterMs: error.retryAfterMs,
  };
}

/** The sample's filter (see resilience-exception.filter.ts) plus {@link budgetRefusal}, on `/ask`. */
@Catch()
export class AskExceptionFilter extends QuotesExceptionFilter {
  protected override toResponse(error: unknown): ResilienceErrorResponse | undefined {
    return isBudgetExceededError(error) ? budgetRefusal(error) : super.toResponse(error);
  }
}
