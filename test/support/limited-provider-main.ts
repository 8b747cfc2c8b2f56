// The limited provider (limited-provider.ts) in a process of its own, driven over IPC by
// limited-provider-process.ts. A provider is another machine: the clock it counts arrivals with
// must not stop when the test's own process does (a major GC of jest's heap stamps every
// request that arrived meanwhile at once, as if they had come together).
import { startLimitedProvider, type LimitedProviderOptions } from './limited-provider.js';

type Command = { cmd: 'url' } | { cmd: 'stats' } | { cmd: 'arrivals' } | { cmd: 'exit' };

const send = (msg: unknown) => process.send!(msg);
const provider = await startLimitedProvider(JSON.parse(process.argv[2]!) as LimitedProviderOptions);

process.on('message', (m: Command) => {
  if (m.cmd === 'url') send({ ok: true, url: provider.url, baseUrl: provider.baseUrl });
  else if (m.cmd === 'stats') send({ ok: true, stats: provider.stats() });
  else if (m.cmd === 'arrivals') send({ ok: true, arrivals: provider.arrivals });
  else if (m.cmd === 'exit')
    void provider.close().then(() => {
      send({ ok: true });
      process.disconnect();
    });
});
process.on('unhandledRejection', (reason) => send({ ok: false, unhandled: String(reason) }));
send({ ready: true });
