/**
 * The order in which one node sends a list's changes (server/changes/delivery-order.ts): by seq,
 * whatever order the committed transactions come back in, and never held by a seq another node took.
 */
import { expect } from 'chai';
import { DeliveryOrder } from '../server/changes/delivery-order';
import { Outbox } from '../server/changes/outbox';

const LIST = '5d5b3749-43eb-470c-986b-a17f06e0a3b1';

/** A transaction that took `seq` of the list: its outbox holds the turn and one note. */
function change(order: DeliveryOrder, seq: number): Outbox {
  const out = new Outbox();
  order.reserve(out, LIST, seq);
  out.add({ event: 'task:deleted', payload: { id: LIST, listId: LIST, seq }, to: [], listId: LIST, seq });
  return out;
}

/** Sends the outbox's note as the notifier does: waits its turn, marks it sent, then releases its turns. */
async function send(order: DeliveryOrder, out: Outbox, sent: number[]): Promise<void> {
  for (const note of out.notes) {
    await order.before(LIST, note.seq!);
    sent.push(note.seq!);
    order.wasSent(LIST, note.seq!, out);
  }
  order.cancel(out);
}

describe("the order of one list's changes on a node", () => {
  it('sends them by seq when the later one commits first', async () => {
    const order = new DeliveryOrder();
    const sent: number[] = [];
    const [one, two, three] = [change(order, 1), change(order, 2), change(order, 3)];
    const later = [send(order, three, sent), send(order, two, sent)];
    await send(order, one, sent);
    await Promise.all(later);
    expect(sent).to.deep.equal([1, 2, 3]);
  });

  it('does not wait for a seq another node took (no turn here)', async () => {
    const order = new DeliveryOrder();
    const sent: number[] = [];
    await send(order, change(order, 7), sent); // 6 was taken elsewhere
    expect(sent).to.deep.equal([7]);
  });

  it('lets the next seq go once the one before it rolled back', async () => {
    const order = new DeliveryOrder();
    const sent: number[] = [];
    const rolledBack = change(order, 1);
    const next = send(order, change(order, 2), sent);
    order.cancel(rolledBack);
    await next;
    expect(sent).to.deep.equal([2]);
  });
});
