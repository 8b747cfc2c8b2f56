import axios from 'axios';
import { UpstreamNotFoundError } from '../index.js';
import { client, srv, useApiClientServer } from '../testing-support/api-client-harness.js';

useApiClientServer();

describe('ApiClient on a given axios instance (e.g. HttpService.axiosRef)', () => {
  it("sends through the instance (its interceptors run) with the client's own response handling", async () => {
    const instance = axios.create({
      baseURL: 'http://127.0.0.1:1/ignored',
      validateStatus: (s) => s < 300,
      maxRedirects: 5,
    });
    let intercepted = 0;
    instance.interceptors.request.use((config) => {
      intercepted++;
      config.headers.set('x-intercepted', 'yes');
      return config;
    });
    const c = client({ axios: instance });
    expect(await c.request('GET', '/json')).toEqual({ ok: true, n: 1 });
    expect(srv.received.at(-1)!.headers['x-intercepted']).toBe('yes');
    // The instance would throw an AxiosError for a 404; the client's typed error wins.
    await expect(c.request('GET', '/status/404')).rejects.toBeInstanceOf(UpstreamNotFoundError);
    expect(intercepted).toBe(2);
    await c.close();
    // Closing the client leaves the instance usable.
    await expect(instance.get(`${srv.baseUrl}/text`, { responseType: 'text' })).resolves.toMatchObject({
      status: 200,
      data: 'hello',
    });
  });

  it('rejects something that is not an axios instance, naming the option', () => {
    expect(() => client({ axios: {} as never })).toThrow(/clients\.test\.axios: "object" \(expected an axios instance/);
  });
});
