import { checkKnownKeys } from './validate.js';

describe('checkKnownKeys', () => {
  it('names the unknown option but never shows its value (a mistyped name may hold a key)', () => {
    const canary = 'sk-canary-unknown-7f3a9e';
    let error: unknown;
    try {
      checkKnownKeys('models.gpt', { model: 'gpt-4o', apikey: canary }, ['model', 'apiKey']);
    } catch (e) {
      error = e;
    }
    expect(String(error)).toContain('models.gpt.apikey');
    expect(String(error)).toContain('one of the known options: model, apiKey');
    expect(String(error)).not.toContain(canary);
    expect(JSON.stringify(error)).not.toContain(canary);
    expect((error as Error).stack).not.toContain(canary);
  });
});
