/**
 * The fuzz's socket (test/fuzz/socket.test.ts): events emitted with an ack, or written raw, and every
 * ack counted per ack id, so that a property can end by checking that each event got exactly one.
 */
import crypto from 'node:crypto';
import { expect } from 'chai';
import type { ClientSocket, Open } from '../support/server';
import { short } from './checks';

const ACK_MS = 2000;
/** socket.io-parser's PacketType.ACK and BINARY_ACK, as numbers: socket.io-client does not re-export the enum. */
const [ACK, BINARY_ACK] = [3, 6];

/** alice's socket for one property: reconnected if the server closed it, every ack counted per ack id. */
export function fuzzSocket(device: Open, token: string) {
  const tracked: Array<{ socket: ClientSocket; emitted: number; acks: Map<number, number> }> = [];
  const closed: string[] = [];
  let current: (typeof tracked)[number] | undefined;
  let last = '';
  let rawId = 1_000_000_000;
  async function ensure() {
    if (current?.socket.connected) return current;
    const socket = await device(token);
    const entry = { socket, emitted: 0, acks: new Map<number, number>() };
    socket.io.on('packet', (packet) => {
      if (((packet.type as number) === ACK || (packet.type as number) === BINARY_ACK) && packet.nsp === '/')
        entry.acks.set(packet.id!, (entry.acks.get(packet.id!) ?? 0) + 1);
    });
    socket.on('disconnect', (reason) => {
      if (reason !== 'io client disconnect') closed.push(`${reason} after ${last}`);
    });
    tracked.push(entry);
    return (current = entry);
  }
  return {
    /** emit(event, ...args) with an ack; resolves with the ack or fails when none comes within ACK_MS. */
    async emit(event: string, ...args: unknown[]): Promise<unknown> {
      const entry = await ensure();
      last = `${event} ${short(args, 200)}`;
      entry.emitted++;
      try {
        return await (
          entry.socket.timeout(ACK_MS) as unknown as { emitWithAck(e: string, ...a: unknown[]): Promise<unknown> }
        ).emitWithAck(event, ...args);
      } catch (err) {
        throw new Error(`no ack within ${ACK_MS} ms for ${last} (${(err as Error).message})`, { cause: err });
      }
    },
    /** Sends `["event", <text>]` as written, with an ack id of its own (socket.io-client would re-encode the payload). */
    async raw(event: string, text: string): Promise<unknown> {
      const entry = await ensure();
      last = `${event} raw ${short(text, 200)}`;
      entry.emitted++;
      const id = rawId++;
      const sock = entry.socket as unknown as {
        acks: Record<number, (a: unknown) => void>;
        io: { engine: { write(m: string): void } };
      };
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- socket.io-client's own ack table, a plain object
          delete sock.acks[id];
          reject(new Error(`no ack within ${ACK_MS} ms for ${last}`));
        }, ACK_MS);
        sock.acks[id] = (answer) => {
          clearTimeout(timer);
          resolve(answer);
        };
        sock.io.engine.write(`2${id}[${JSON.stringify(event)},${text}]`);
      });
    },
    /** After a fence event: every event got exactly one ack, and the server closed no socket. */
    async verify(): Promise<void> {
      if (current?.socket.connected) await this.emit('list:members', { listId: crypto.randomUUID() });
      for (const entry of tracked) {
        const repeated = [...entry.acks].filter(([, n]) => n !== 1);
        expect(repeated, 'ack ids answered more than once').to.deep.equal([]);
        if (entry.socket.connected)
          expect(entry.acks.size, 'acks received for the events sent').to.equal(entry.emitted);
      }
      expect(closed, 'sockets closed by the server').to.deep.equal([]);
    },
  };
}
