import { createRequire } from 'node:module';
import type { ChatRequest } from '../chat/chat.types.js';
import { countChat, encodingForModel, requireLoader, type TextCounter } from './openai-tokens.js';

type Encoding = {
  countTokens(text: string): number;
  encodeChat(chat: { role: 'system' | 'user' | 'assistant'; content: string }[], model?: string): number[];
};
const req = createRequire(import.meta.url);
const o200k = req('gpt-tokenizer/encoding/o200k_base') as Encoding;
const cl100k = req('gpt-tokenizer/encoding/cl100k_base') as Encoding;

describe('encodingForModel', () => {
  it.each([
    ['gpt-4o', 'o200k_base'],
    ['gpt-4o-mini-2024-07-18', 'o200k_base'],
    ['chatgpt-4o-latest', 'o200k_base'],
    ['gpt-4.1-nano', 'o200k_base'],
    ['gpt-5', 'o200k_base'],
    ['gpt-5-mini', 'o200k_base'],
    ['o1', 'o200k_base'],
    ['o3-mini', 'o200k_base'],
    ['o4-mini', 'o200k_base'],
    ['openai/GPT-4o', 'o200k_base'],
    ['gpt-4', 'cl100k_base'],
    ['gpt-4-turbo', 'cl100k_base'],
    ['gpt-4-32k', 'cl100k_base'],
    ['gpt-3.5-turbo', 'cl100k_base'],
    ['llama-3.1-8b-instruct', 'o200k_base'],
    ['', 'o200k_base'],
  ])('%s → %s', (model, encoding) => {
    expect(encodingForModel(model)).toBe(encoding);
  });
});

describe('countChat (OpenAI cookbook framing)', () => {
  const requests: ChatRequest[] = [
    { messages: [{ role: 'user', content: 'Hi' }] },
    { system: 'You are helpful.', messages: [{ role: 'user', content: 'What is 2 + 2?' }] },
    {
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Bonjour, ça va ? 你好' },
        { role: 'assistant', content: 'Oui !' },
        { role: 'user', content: 'function f(x) { return x * 2; }' },
      ],
    },
  ];
  const asChat = (r: ChatRequest) => [
    ...(r.system !== undefined ? [{ role: 'system' as const, content: r.system }] : []),
    ...r.messages.map((m) => ({ role: m.role, content: m.content })),
  ];

  it.each([
    ['o200k_base / gpt-4o', o200k, 'gpt-4o'],
    ['cl100k_base / gpt-4', cl100k, 'gpt-4'],
  ])('matches gpt-tokenizer encodeChat for %s', (_name, enc, model) => {
    for (const r of requests) {
      expect(countChat(r, (t) => enc.countTokens(t))).toBe(enc.encodeChat(asChat(r), model).length);
    }
  });

  it('costs 3 + 1 (role) per message and 3 for the reply; the system prompt is a message', () => {
    const zero = () => 0;
    expect(countChat({ messages: [] }, zero)).toBe(3);
    expect(countChat({ messages: [{ role: 'user', content: 'x' }] }, zero)).toBe(7);
    expect(countChat({ system: 's', messages: [{ role: 'user', content: 'x' }] }, zero)).toBe(11);
    expect(countChat({ system: '', messages: [{ role: 'user', content: 'x' }] }, zero)).toBe(11);
  });

  it('every role is one token in both encodings (the fixed role cost)', () => {
    for (const enc of [o200k, cl100k])
      for (const role of ['user', 'assistant', 'system']) expect(enc.countTokens(role)).toBe(1);
  });
});

describe('requireLoader', () => {
  it('requires each encoding once and counts special-token text as text', () => {
    const ids: string[] = [];
    const load = requireLoader((id) => (ids.push(id), req(id)));
    const a = load('o200k_base') as TextCounter;
    expect(load('o200k_base')).toBe(a);
    load('cl100k_base');
    expect(ids).toEqual(['gpt-tokenizer/encoding/o200k_base', 'gpt-tokenizer/encoding/cl100k_base']);
    expect(a.count('Hello, world')).toBe(o200k.countTokens('Hello, world'));
    expect(a.count('a <|endoftext|> b')).toBeGreaterThan(3);
  });

  it('a package that cannot be resolved is a failure with its code, looked up once', () => {
    const elsewhere = createRequire('/nonexistent-h6-dir/index.js');
    let calls = 0;
    const load = requireLoader((id) => (calls++, elsewhere(id)));
    expect(load('o200k_base')).toEqual({ reason: 'MODULE_NOT_FOUND' });
    expect(load('o200k_base')).toEqual({ reason: 'MODULE_NOT_FOUND' });
    expect(calls).toBe(1);
  });

  it('a module without countTokens is a failure too', () => {
    expect(requireLoader(() => ({}))('o200k_base')).toEqual({ reason: 'NO_API' });
  });
});
