import { BadRequestException } from '@nestjs/common';
import { ASK_LANES, type AskLane } from './ask.settings.js';

/** Longest prompt `/ask` takes, characters. */
export const MAX_PROMPT_CHARS = 4_000;

/** The body of `POST /ask`. */
export interface AskRequest {
  prompt: string;
  /** Default `interactive`; `batch` is what `npm run batch` sends. */
  lane: AskLane;
}

/** The answer of `POST /ask`. */
export interface AskResponse {
  text: string;
  usage: { inputTokens: number; outputTokens: number } & Record<string, number | undefined>;
  model: string;
  provider: string;
  /** The model call, queue wait and retries included, ms. */
  latencyMs: number;
  lane: AskLane;
  finishReason: string;
  /** What the call cost, USD, from the usage the provider reported (`null`: a model without a price). */
  costUsd: number | null;
  /** True when the answer comes from the sample's simulated server. */
  simulated: boolean;
}

/** Checks a `POST /ask` body; a bad one is a 400 naming the field. */
export function parseAskRequest(body: unknown): AskRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new BadRequestException('Expected a JSON body { "prompt": "...", "lane"?: "interactive" | "batch" }');
  const { prompt, lane } = body as { prompt?: unknown; lane?: unknown };
  if (typeof prompt !== 'string' || prompt.trim() === '')
    throw new BadRequestException('"prompt" must be a non-empty string');
  if (prompt.length > MAX_PROMPT_CHARS)
    throw new BadRequestException(`"prompt" must be at most ${MAX_PROMPT_CHARS} characters`);
  if (lane !== undefined && !ASK_LANES.includes(lane as AskLane))
    throw new BadRequestException(`"lane" must be one of ${ASK_LANES.join(', ')}`);
  return { prompt, lane: (lane as AskLane | undefined) ?? 'interactive' };
}
