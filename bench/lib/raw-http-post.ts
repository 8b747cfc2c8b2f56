import http from 'node:http';

/**
 * A raw JSON POST over `node:http` with `agent` (keep-alive): `body` stringified per call, the
 * answer read as UTF-8 and JSON-parsed; a status other than 200 rejects. What a caller writing
 * the call by hand on the client iModel's transport uses for JSON calls does, and no more.
 */
export function rawHttpPost(
  url: string,
  headers: Readonly<Record<string, string>>,
  body: unknown,
  agent: http.Agent,
): () => Promise<unknown> {
  const target = new URL(url);
  const options = {
    method: 'POST',
    hostname: target.hostname,
    port: target.port,
    path: target.pathname,
    headers,
    agent,
  };
  return () =>
    new Promise<unknown>((resolve, reject) => {
      const text = JSON.stringify(body);
      const req = http.request(options, (res) => {
        let answer = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (answer += c));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(JSON.parse(answer)) : reject(new Error(`raw http: ${res.statusCode}`)),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setHeader('content-length', Buffer.byteLength(text));
      req.end(text);
    });
}
