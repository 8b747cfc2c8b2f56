// Google APIs answer a wrong or expired key with 400 INVALID_ARGUMENT plus a google.rpc.ErrorInfo
// `reason: API_KEY_INVALID` in `details[]`: errorFromResponse makes it an authentication error,
// so any ApiClient call to a Google API (not only the Gemini provider) gets it.
import {
  UpstreamBadRequestError,
  errorFromResponse,
  isUpstreamAuthenticationError,
  isUpstreamBadRequestError,
} from 'nest-resilience/http';
import { inspect } from 'node:util';
import { isGoogleApiKeyInvalid } from './error-from-response.js';

const CANARY = 'canary-G00gle-plain-token';
const url = `https://maps.googleapis.com/maps/api/geocode/json?address=x&key=${CANARY}`;

function googleBody(reason: string, type = 'type.googleapis.com/google.rpc.ErrorInfo', message = 'API key not valid.') {
  return {
    error: {
      code: 400,
      message,
      status: 'INVALID_ARGUMENT',
      details: [{ '@type': type, reason, domain: 'googleapis.com', metadata: { service: 'maps.googleapis.com' } }],
    },
  };
}

describe('errorFromResponse: Google 400 API_KEY_INVALID', () => {
  it('is a permanent UpstreamAuthenticationError with status 400 and code API_KEY_INVALID', () => {
    const e = errorFromResponse({
      method: 'get',
      url,
      status: 400,
      body: JSON.stringify(googleBody('API_KEY_INVALID')),
    });
    expect(isUpstreamAuthenticationError(e)).toBe(true);
    expect(isUpstreamBadRequestError(e)).toBe(false);
    expect(e).toMatchObject({ status: 400, code: 'API_KEY_INVALID', isTransient: false, method: 'GET' });
    expect(e.message).toContain('API key not valid.');
  });

  it('reads a parsed body, an array-wrapped body, and an ErrorInfo without @type', () => {
    const parsed = errorFromResponse({ method: 'post', url, status: 400, body: googleBody('API_KEY_INVALID') });
    expect(isUpstreamAuthenticationError(parsed)).toBe(true);
    const wrapped = errorFromResponse({ method: 'post', url, status: 400, body: [googleBody('API_KEY_INVALID')] });
    expect(isUpstreamAuthenticationError(wrapped)).toBe(true);
    const untyped = { error: { code: 400, status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] } };
    expect(isGoogleApiKeyInvalid(untyped)).toBe(true);
  });

  it('stays a bad request: another reason, another detail type, no details, or a status other than 400', () => {
    const other = errorFromResponse({ method: 'post', url, status: 400, body: googleBody('FIELD_INVALID') });
    expect(other).toBeInstanceOf(UpstreamBadRequestError);
    expect(other.code).toBe('INVALID_ARGUMENT');
    const wrongType = googleBody('API_KEY_INVALID', 'type.googleapis.com/google.rpc.BadRequest');
    expect(errorFromResponse({ method: 'post', url, status: 400, body: wrongType })).toBeInstanceOf(
      UpstreamBadRequestError,
    );
    const bare = { error: { code: 400, status: 'INVALID_ARGUMENT', message: 'API key not valid.' } };
    expect(errorFromResponse({ method: 'post', url, status: 400, body: bare })).toBeInstanceOf(UpstreamBadRequestError);
    const e422 = errorFromResponse({ method: 'post', url, status: 422, body: googleBody('API_KEY_INVALID') });
    expect(e422).toBeInstanceOf(UpstreamBadRequestError);
  });

  it('never keeps the key: not from the ?key= url, nor an echoing message or header', () => {
    const e = errorFromResponse({
      method: 'get',
      url,
      status: 400,
      headers: { 'x-echo': CANARY },
      body: googleBody('API_KEY_INVALID', undefined, `API key not valid: ${CANARY}`),
      secrets: [CANARY],
    });
    expect(isUpstreamAuthenticationError(e)).toBe(true);
    for (const s of [String(e), e.stack ?? '', JSON.stringify(e), inspect(e, { depth: 20 }), e.url])
      expect(s).not.toContain(CANARY);
    expect(e.url).toContain('key=[REDACTED]');
  });
});
