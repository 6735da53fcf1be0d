/**
 * A node admits a socket only once it hears the other nodes (its adapter listens): a socket admitted
 * earlier would miss what they relay meanwhile, a logout-all (its socket kept until the token version
 * is re-read, SESSION_RECHECK_MS later) or a change (lost for that socket). The adapter bounds the
 * wait for a database that does not answer, and tells a listener that comes later as restored (every
 * socket resyncs). With `peerHeard` (realtime/peers.ts), it then waits a moment for another node's
 * first answer, so that the nodes it joins relay to it from the start.
 */
import type { Logger } from '../core/logger';
import type { IoServer } from '../changes/notifier';
import { withTimeout } from '../core/timeout';

/** How long a node that listens waits for another node's first answer (none comes to a node alone). */
const PEER_WAIT_MS = 300;

export function admitOnceHeard(
  io: IoServer,
  adapter: { ready(): Promise<void> } | undefined,
  logger: Logger,
  peerHeard?: Promise<void>,
): void {
  if (!adapter) return; // a single node, or the workers' primary relays (it is up before them)
  let heard = false;
  let told = false;
  const hearing = adapter
    .ready()
    .then(() => peerHeard && withTimeout(peerHeard, PEER_WAIT_MS, undefined))
    .then(() => {
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
