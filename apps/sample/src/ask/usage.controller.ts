import { Controller, Get } from '@nestjs/common';
import { CostTracker, type BudgetStatus, type UsageSummary } from 'nest-resilience/llm';

/** The answer of `GET /usage`. */
export interface UsageResponse {
  /** Today's (UTC) calls, tokens and cost, in all and per model, provider and scope. */
  today: UsageSummary;
  /** The current window of every budget: limit, spent, reserved, remaining, when it resets. */
  budgets: BudgetStatus[];
}

/**
 * `GET /usage`: what the sample's models spent today (`CostTracker.getDailySummary()`) and where
 * the budgets stand (`CostTracker.budgetStatus()`). The tracker is `ResilienceLlmModule`'s
 * (`costs`), injected by its class.
 */
@Controller('usage')
export class UsageController {
  constructor(private readonly costs: CostTracker) {}

  @Get()
  async usage(): Promise<UsageResponse> {
    return { today: this.costs.getDailySummary(), budgets: await this.costs.budgetStatus() };
  }
}
