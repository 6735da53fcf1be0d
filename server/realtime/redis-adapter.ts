/**
 * Delivery across server processes through Redis (SOCKET_ADAPTER=redis): Socket.IO's Redis adapter
 * relays notes, logout-all and the socket counts over pub/sub. The clients reconnect by themselves
 * (with back-off); once the subscriber is back, `onRestored` is told, as messages published while it
 * was away were missed here.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import type { Logger } from '../core/logger';
import type { IoServer } from '../changes/notifier';
import { withTimeout } from '../core/timeout';

const WAIT_MS = 2_000;

export function attachRedisAdapter(
  io: IoServer,
  { url, key }: { url: string; key: string },
  logger: Logger,
  onRestored: () => void,
  onFailed: (err: unknown) => void,
): { ready(): Promise<void>; settled(): Promise<void>; close(): Promise<void> } {
  const pub = createClient({
    url,
    name: `${key}-adapter`,
    socket: { connectTimeout: 5_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) },
  });
  const sub = pub.duplicate();
  // the adapter publishes without waiting for the answer: a failed publish (Redis away) would be an
  // unhandled rejection and a lost message; it is told to `onFailed` instead, whose receivers resync
  const publish = pub.publish.bind(pub);
  pub.publish = (...args: Parameters<typeof publish>) =>
    publish(...args).catch((err: unknown) => {
      onFailed(err);
      return 0;
    });
  for (const client of [pub, sub])
    client.on('error', (err: unknown) => logger.warn({ err }, 'socket adapter connection lost'));
  let readies = 0;
  sub.on('ready', () => {
    readies += 1;
    if (readies > 1) onRestored();
  });
  // commands wait in the clients' queues until they are connected
  const connected = Promise.all([pub.connect(), sub.connect()]).then(
    () => undefined,
    (err: unknown) => logger.warn({ err }, 'socket adapter could not connect to Redis'),
  );
  io.adapter(createAdapter(pub, sub, { key, requestsTimeout: WAIT_MS }));
  return {
    ready: () => withTimeout(connected, WAIT_MS, undefined),
    /** One publishing connection sends in order: the goodbye is the last message anyway. */
    settled: () => Promise.resolve(),
    close: async () => {
      await withTimeout(Promise.allSettled([pub.quit(), sub.quit()]), WAIT_MS, undefined);
    },
  };
}
