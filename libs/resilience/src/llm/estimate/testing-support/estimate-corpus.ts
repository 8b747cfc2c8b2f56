// A fixed corpus of chat requests for measuring the token estimator (estimate-error.spec.ts,
// docs/llm/estimation.md): short, long, code, JSON, numbers, non-ASCII scripts, emoji, many
// messages. Deterministic (no random text). No special-token text (`<|endoftext|>`): the OpenAI
// test server counts with gpt-tokenizer's default `encode`, which refuses it.
import type { ChatRequest } from '../../chat/chat.types.js';

/** One corpus entry. @internal */
export interface CorpusEntry {
  name: string;
  request: ChatRequest;
}

const PROSE =
  'Rate limits protect a shared service from bursts: each client gets a budget of requests and ' +
  'tokens per minute, and a well-behaved client spreads its calls so that it never needs to be told no. ';

const LOREM =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore ' +
  'et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip. ';

const CODE = `import { createServer } from 'node:http';

export function start(port: number): Promise<() => void> {
  const server = createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, at: Date.now() }));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(() => server.close())));
}
`;

const JSON_DOC = JSON.stringify({
  id: 'order-84721',
  customer: { name: 'Ada Lovelace', email: 'ada@example.com', tier: 'gold' },
  items: [
    { sku: 'KB-104', qty: 2, price: 49.95 },
    { sku: 'MS-220', qty: 1, price: 19.5 },
    { sku: 'HD-3000', qty: 4, price: 129.0 },
  ],
  shipped: false,
  tags: ['priority', 'gift', 'eu'],
});

const user = (content: string) => ({ role: 'user' as const, content });
const assistant = (content: string) => ({ role: 'assistant' as const, content });

/** The corpus (21 requests). @internal */
export const ESTIMATE_CORPUS: readonly CorpusEntry[] = [
  { name: 'one word', request: { messages: [user('Hi')] } },
  { name: 'short question', request: { messages: [user('What is the capital of France?')] } },
  {
    name: 'system + question',
    request: { system: 'You are a concise assistant.', messages: [user('Explain backpressure in one line.')] },
  },
  { name: 'prose 1 KB', request: { messages: [user(PROSE.repeat(5))] } },
  { name: 'prose 20 KB', request: { messages: [user(PROSE.repeat(100))] } },
  { name: 'lorem ipsum 2 KB', request: { messages: [user(LOREM.repeat(10))] } },
  { name: 'code (TypeScript)', request: { messages: [user(`Review this code:\n\n${CODE}`)] } },
  { name: 'JSON document', request: { messages: [user(`Summarise this order: ${JSON_DOC}`)] } },
  {
    name: 'numbers and dates',
    request: { messages: [user('Values: 1234567890, 3.14159265358979, 2026-12-02T15:25:33Z, 0x7f3a9e, 1e-9, 42%.')] },
  },
  {
    name: 'hex digest',
    request: { messages: [user('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')] },
  },
  {
    name: 'Chinese',
    request: { messages: [user('你好，世界！今天天气很好，我们去公园散步吧。请用中文回答：什么是限流？')] },
  },
  { name: 'Japanese', request: { messages: [user('こんにちは、世界。カタカナとひらがな、漢字が混ざった文章です。')] } },
  {
    name: 'Russian',
    request: { messages: [user('Привет, мир! Объясни, пожалуйста, что такое ограничение скорости.')] },
  },
  { name: 'Arabic', request: { messages: [user('مرحبا بالعالم، كيف حالك اليوم؟ اشرح لي تحديد المعدل.')] } },
  { name: 'Hindi', request: { messages: [user('नमस्ते दुनिया, आप कैसे हैं? दर सीमा क्या है?')] } },
  { name: 'accents', request: { messages: [user('Ça va? Déjà vu, naïve café, Straße, Ærø, ñandú, São Paulo.')] } },
  { name: 'emoji', request: { messages: [user('🎉🚀✨ launch day! 👩‍💻 shipping from 🇫🇷 to 🇯🇵 🙌')] } },
  {
    name: 'whitespace and punctuation',
    request: { messages: [user('  \n\n\t-- !!! ??? ... ;;; ::: === +++ ***\n\n  ')] },
  },
  {
    name: 'many messages (20)',
    request: {
      system: 'You are a helpful assistant.',
      messages: Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0 ? user(`Question ${i / 2 + 1}: what is ${i} squared?`) : assistant(`It is ${(i - 1) ** 2}.`),
      ),
    },
  },
  {
    name: 'long system prompt',
    request: { system: `${PROSE.repeat(8)}${CODE}`, messages: [user('Go.')] },
  },
  {
    name: 'mixed conversation',
    request: {
      system: 'Answer in the language of the question.',
      messages: [user('Wie spät ist es?'), assistant('Es ist drei Uhr.'), user('¿Y en Madrid? 谢谢! 🙏')],
    },
  },
];
