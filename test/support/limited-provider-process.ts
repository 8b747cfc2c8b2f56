// Starts the limited provider (limited-provider.ts) in its own process (limited-provider-main.ts).
import { fileURLToPath } from 'node:url';
import type { Arrival, LimitedProviderOptions, ProviderStats } from './limited-provider.js';
import { spawnReplica, stopAll } from './replicas.js';

const script = fileURLToPath(new URL('./limited-provider-main.ts', import.meta.url));

/** The provider in another process: what it counted is asked for over IPC. */
export interface RemoteLimitedProvider {
  url: string;
  stats(): Promise<ProviderStats>;
  arrivals(): Promise<Arrival[]>;
  close(): Promise<void>;
}

/** Forks the provider with `options` (no injected clock: it counts on its own) on an ephemeral loopback port. */
export async function startLimitedProviderProcess(
  options: Omit<LimitedProviderOptions, 'now'>,
): Promise<RemoteLimitedProvider> {
  const child = await spawnReplica(options as Record<string, unknown>, script);
  const { url } = await child.request<{ url: string }>({ cmd: 'url' });
  return {
    url,
    stats: () => child.request<{ stats: ProviderStats }>({ cmd: 'stats' }).then((m) => m.stats),
    arrivals: () => child.request<{ arrivals: Arrival[] }>({ cmd: 'arrivals' }).then((m) => m.arrivals),
    close: () => stopAll([child]),
  };
}
