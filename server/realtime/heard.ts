/**
 * A node admits a socket only once it hears the other nodes (its adapter listens): a socket admitted
 * earlier would miss what they relay meanwhile, a logout-all (its socket kept until the token version
 * is re-read, SESSION_RECHECK_MS later) or a change (lost for that socket). The adapter bounds the
 * wait for a database that does not answer, and tells a listener that comes later as restored (every
 * socket resyncs).
 */
import type { Logger } from '../core/logger';
import type { IoServer } from '../changes/notifier';

export function admitOnceHeard(io: IoServer, adapter: { ready(): Promise<void> } | undefined, logger: Logger): void {
  if (!adapter) return; // a single node, or the workers' primary relays (it is up before them)
  let heard = false;
  let told = false;
  const hearing = adapter.ready().then(() => {
    heard = true;
  });
  io.use((_socket, next) => {
    if (heard) {
      next();
      return;
    }
    if (!told) {
      told = true;
      logger.info('socket handshakes wait until this node hears the other nodes');
    }
    void hearing.then(() => next());
  });
}
