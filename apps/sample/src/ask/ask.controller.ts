import { Body, Controller, Get, HttpCode, Inject, Post, UseFilters } from '@nestjs/common';
import { Executor, InjectExecutor } from 'nest-resilience/executor';
import { IModel, InjectIModel } from 'nest-resilience/llm';
import { ASK_BACKEND, type AskBackend } from './ask.backend.js';
import { AskExceptionFilter } from './ask-exception.filter.js';
import { parseAskRequest, type AskResponse } from './ask.dto.js';
import { ASK_EXECUTOR, ASK_MODEL } from './ask.settings.js';

/**
 * `POST /ask` `{ prompt, lane? }`: one chat call through the iModel `assistant` (lane
 * `interactive` unless told otherwise), priced (`costUsd`) and refused with 402 once the daily
 * budget is spent (ask-exception.filter.ts); `GET /ask/stats`: the executor's queues and, when
 * simulated, what the simulated server answered (429s included).
 */
@Controller('ask')
@UseFilters(AskExceptionFilter)
export class AskController {
  constructor(
    @InjectIModel(ASK_MODEL) private readonly model: IModel,
    @InjectExecutor(ASK_EXECUTOR) private readonly executor: Executor,
    @Inject(ASK_BACKEND) private readonly backend: AskBackend,
  ) {}

  @Post()
  @HttpCode(200)
  async ask(@Body() body: unknown): Promise<AskResponse> {
    const { prompt, lane } = parseAskRequest(body);
    const result = await this.model.chat({ messages: [{ role: 'user', content: prompt }], lane });
    return {
      text: result.text,
      usage: { inputTokens: 0, outputTokens: 0, ...result.usage },
      model: result.model,
      provider: result.provider,
      latencyMs: result.latencyMs,
      lane,
      finishReason: result.finishReason,
      costUsd: result.cost?.usd ?? null,
      simulated: this.backend.target.simulated,
    };
  }

  @Get('stats')
  stats(): Record<string, unknown> {
    return {
      provider: this.backend.target.provider,
      simulated: this.backend.target.simulated,
      executor: this.executor.snapshot(),
      ...(this.backend.sim !== undefined ? { simulator: this.backend.sim.stats() } : {}),
    };
  }
}
