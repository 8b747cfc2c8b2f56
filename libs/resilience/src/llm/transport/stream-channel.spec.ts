import { StreamChannel } from './stream-channel.js';

describe('StreamChannel', () => {
  it('makes the producer wait once `capacity` items are unread, and releases it as the consumer reads', async () => {
    const ch = new StreamChannel<number>(2, () => undefined);
    expect(ch.push(1)).toBeUndefined();
    const wait = ch.push(2);
    expect(wait).toBeInstanceOf(Promise);
    let released = false;
    void wait!.then(() => (released = true));
    await Promise.resolve();
    expect(released).toBe(false);
    expect(await ch.next()).toEqual({ done: false, value: 1 });
    await wait;
    expect(released).toBe(true);
    ch.end();
    expect(await ch.next()).toEqual({ done: false, value: 2 });
    expect((await ch.next()).done).toBe(true);
  });

  it('hands an item straight to a waiting consumer, and fails after the buffered items', async () => {
    const ch = new StreamChannel<string>(4, () => undefined);
    const first = ch.next();
    ch.push('a');
    expect(await first).toEqual({ done: false, value: 'a' });
    ch.push('b');
    ch.fail(new Error('boom'));
    expect(await ch.next()).toEqual({ done: false, value: 'b' });
    await expect(ch.next()).rejects.toThrow('boom');
  });

  it('return() drops the buffer, releases the producer and calls onReturn once', async () => {
    let returned = 0;
    const ch = new StreamChannel<number>(1, () => returned++);
    const wait = ch.push(1);
    await ch.return();
    await ch.return();
    await wait;
    expect(returned).toBe(1);
    expect(ch.push(2)).toBeUndefined();
    expect((await ch.next()).done).toBe(true);
  });
});
