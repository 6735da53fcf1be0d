/**
 * The other nodes this node hears, as the PostgreSQL adapter knows them (a heartbeat adapter: every
 * message carries its sender's id, a new node announces itself and each other node answers it, and a
 * node silent past the heartbeat timeout is forgotten). A node alone need not relay its changes: each
 * would be a NOTIFY that nobody reads. For what a node alone did not relay, `joined` is told when a
 * node is heard that was not known: the notifier then tells every other node's sockets to sync.
 *
 * A starting node waits (bounded) for the first answer of another node before it admits sockets
 * (`firstHeard`): the answering node knows it by then, so the usual join loses no live change, and
 * the sync above repairs the rest.
 */
import type { IoServer } from '../changes/notifier';

interface HeartbeatAdapter {
  uid: string;
  nodesMap: Map<string, number>;
  onMessage(message: { uid?: string }, offset?: string): unknown;
}

export interface Peers {
  /** How many other nodes are heard now. */
  count: () => number;
  /** Resolves once another node was heard (never, for a node alone: bound the wait). */
  firstHeard: Promise<void>;
}

export function watchPeers(io: IoServer, joined: () => void): Peers | undefined {
  const adapter = io.of('/').adapter as unknown as Partial<HeartbeatAdapter>;
  if (!(adapter.nodesMap instanceof Map) || typeof adapter.onMessage !== 'function') return undefined;
  const { nodesMap } = adapter;
  const onMessage = adapter.onMessage.bind(adapter);
  let heard!: () => void;
  const firstHeard = new Promise<void>((resolve) => (heard = resolve));
  adapter.onMessage = (message, offset) => {
    const unknown = message.uid !== undefined && message.uid !== adapter.uid && !nodesMap.has(message.uid);
    const result = onMessage(message, offset);
    if (unknown && nodesMap.has(message.uid!)) {
      heard();
      joined();
    }
    return result;
  };
  return { count: () => nodesMap.size, firstHeard };
}
