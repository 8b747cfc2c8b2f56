import 'reflect-metadata';
import {
  Catch,
  Controller,
  Get,
  HttpException,
  Param,
  type ArgumentsHost,
  type ExceptionFilter,
  type INestApplication,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  Bulkhead,
  BulkheadService,
  Fallback,
  isResilienceError,
  ResilienceModule,
  Timeout,
  VirtualClock,
  WithRetry,
} from 'nest-resilience';

class Transient extends Error {
  readonly isTransient = true;
}

const clock = new VirtualClock(0);

/** Resolves when the handler has been entered `n` times in all (no sleeps in the test). */
const entered = { count: 0, waiters: [] as { n: number; resolve: () => void }[] };
function enter(): void {
  entered.count++;
  for (const w of entered.waiters.filter((w) => entered.count >= w.n)) w.resolve();
}
function entries(n: number): Promise<void> {
  return new Promise((resolve) => (entered.count >= n ? resolve() : entered.waiters.push({ n, resolve })));
}

/** Renders an error as JSON: its `toJSON()` for the library's errors, its name otherwise. */
@Catch()
class ErrorBody implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<{ status(n: number): { json(b: unknown): void } }>();
    if (error instanceof HttpException) return res.status(error.getStatus()).json(error.getResponse());
    const status = isResilienceError(error) && error.isTransient ? 503 : 500;
    res.status(status).json(isResilienceError(error) ? error.toJSON() : { name: (error as Error).name });
  }
}

@Controller('policies')
class PoliciesController {
  signals: (AbortSignal | undefined)[] = [];
  running = 0;
  maxRunning = 0;
  private release: (() => void)[] = [];

  /** Works `ms` on the (virtual) clock, stopping when its signal aborts. */
  @Get('slow/:ms')
  @Timeout({ timeoutMs: 100, signalArg: 1 })
  slow(@Param('ms') ms: string, signal?: AbortSignal) {
    this.signals.push(signal);
    enter();
    return new Promise((resolve, reject) => {
      const timer = clock.setTimeout(() => resolve({ done: true }), Number(ms));
      signal!.addEventListener('abort', () => {
        clock.clearTimeout(timer);
        reject(signal!.reason);
      });
    });
  }

  @Get('report/:id')
  @Bulkhead({ maxConcurrent: 2, maxQueued: 1 })
  async report(@Param('id') id: string) {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    enter();
    await new Promise<void>((resolve) => this.release.push(resolve));
    this.running--;
    return { id };
  }

  releaseAll(): void {
    for (const r of this.release.splice(0)) r();
  }

  @Get('value/:kind')
  @Fallback({ value: { fallback: 'value' } })
  value(@Param('kind') kind: string) {
    if (kind === 'type') throw new TypeError('a bug');
    throw new Transient('upstream down');
  }

  @Get('fn/:id')
  @Fallback({ fn: (error: unknown, id: string) => ({ fallback: 'fn', id, reason: (error as Error).message }) })
  fn(@Param('id') id: string) {
    throw new Transient(`no ${id}`);
  }

  @Get('method/:id')
  @Fallback({ method: 'cached' })
  @WithRetry({ maxRetries: 1, baseDelayMs: 0, jitter: 'none' })
  method(@Param('id') id: string) {
    throw new Transient(`no ${id}`);
  }

  cached(_error: unknown, id: string) {
    return { fallback: 'method', id, self: this instanceof PoliciesController };
  }
}

describe('timeout, bulkhead and fallback through a Nest controller', () => {
  let app: INestApplication;
  let controller: PoliciesController;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ clock })],
      controllers: [PoliciesController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalFilters(new ErrorBody());
    await app.init();
    controller = app.get(PoliciesController);
  });

  afterAll(async () => {
    controller.releaseAll();
    await app.close();
  });

  beforeEach(() => {
    entered.count = 0;
    entered.waiters = [];
  });

  it('@Timeout: the method gets an AbortSignal; the request fails with TimeoutError at the deadline', async () => {
    const pending = request(app.getHttpServer())
      .get('/policies/slow/5000')
      .then((res) => res);
    await entries(1);
    const signal = controller.signals.at(-1)!;
    expect(signal).toBeInstanceOf(AbortSignal);
    await clock.advance(99);
    expect(signal.aborted).toBe(false);
    await clock.advance(1);
    const res = await pending;
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      name: 'TimeoutError',
      policy: 'PoliciesController.slow',
      timeoutMs: 100,
      scope: 'attempt',
    });
    expect(signal.aborted).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('@Timeout: a method that finishes in time answers normally', async () => {
    const pending = request(app.getHttpServer())
      .get('/policies/slow/40')
      .then((res) => res);
    await entries(1);
    await clock.advance(40);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ done: true });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('@Bulkhead: at most maxConcurrent requests run; with the queue full the next fails with BulkheadRejectedError', async () => {
    const server = app.getHttpServer();
    const get = (id: string) =>
      request(server)
        .get(`/policies/report/${id}`)
        .then((res) => res);
    const first = [get('a'), get('b')];
    await entries(2);
    const queued = get('c');
    // Wait until the third request is queued by the bulkhead (its handler is not entered).
    const bulkheads = app.get(BulkheadService);
    while (bulkheads.snapshot('PoliciesController.report').queued === 0) await new Promise((r) => setImmediate(r));
    const refused = await get('d');
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({
      name: 'BulkheadRejectedError',
      policy: 'PoliciesController.report',
      reason: 'queue-full',
      maxConcurrent: 2,
      maxQueued: 1,
    });
    controller.releaseAll();
    await entries(3);
    controller.releaseAll();
    const answers = await Promise.all([...first, queued]);
    expect(answers.map((r) => [r.status, r.body.id])).toEqual([
      [200, 'a'],
      [200, 'b'],
      [200, 'c'],
    ]);
    expect(controller.maxRunning).toBe(2);
    expect(bulkheads.snapshot('PoliciesController.report')).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('@Fallback value: a transient failure answers the value; a TypeError is never hidden', async () => {
    const server = app.getHttpServer();
    const ok = await request(server).get('/policies/value/transient');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ fallback: 'value' });
    const bug = await request(server).get('/policies/value/type');
    expect(bug.status).toBe(500);
    expect(bug.body).toEqual({ name: 'TypeError' });
  });

  it('@Fallback fn: gets the error and the route arguments', async () => {
    const res = await request(app.getHttpServer()).get('/policies/fn/42');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ fallback: 'fn', id: '42', reason: 'no 42' });
  });

  it('@Fallback method: a method of the controller, after the retries, with this bound', async () => {
    const res = await request(app.getHttpServer()).get('/policies/method/7');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ fallback: 'method', id: '7', self: true });
  });
});
