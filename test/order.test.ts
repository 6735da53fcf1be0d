/**
 * The order in which one node sends a list's changes (server/core/order.ts): by seq, whatever order
 * the committed changes come back in, and never held for long by a gap that another node left.
 */
import { expect } from 'chai';
import { ListOrder } from '../server/core/order';
import { Outbox } from '../server/core/outbox';

const LIST = '5d5b3749-43eb-470c-986b-a17f06e0a3b1';

/** An autocommit change's outbox with one note of seq `seq`. */
function change(seq: number): Outbox {
  const out = new Outbox();
  out.add({ event: 'task:deleted', payload: { id: LIST, listId: LIST, seq }, to: [], listId: LIST, seq });
  return out;
}

/** Sends the outbox's note as the notifier does: waits its turn, then marks it sent; resolves with its seq. */
async function send(order: ListOrder, out: Outbox, sent: number[], statement?: () => void): Promise<void> {
  order.arrived(out, statement);
  for (const note of out.notes) {
    await order.before(LIST, note.seq!);
    sent.push(note.seq!);
    order.wasSent(LIST, note.seq!);
  }
}

describe("the order of one list's changes on a node", () => {
  it('sends them by seq when the later one comes back first', async () => {
    const order = new ListOrder();
    const sent: number[] = [];
    const landed = [order.expect(), order.expect(), order.expect()];
    await send(order, change(1), sent, landed[0]);
    landed[0]();
    const third = send(order, change(3), sent, landed[2]); // 3 is back before 2: it waits
    const second = send(order, change(2), sent, landed[1]);
    await Promise.all([second, third]);
    landed[1]();
    landed[2]();
    expect(sent).to.deep.equal([1, 2, 3]);
  });

  it('does not wait for a gap when no other change of this node is on its way (another node took it)', async () => {
    const order = new ListOrder();
    const sent: number[] = [];
    const landed = order.expect();
    await send(order, change(1), sent, landed);
    landed();
    const alone = order.expect();
    await send(order, change(3), sent, alone); // 2 was another node's: nothing here waits for it
    alone();
    expect(sent).to.deep.equal([1, 3]);
  });

  it('sends a change after one whose answer comes much later, however slow (no time guess)', async () => {
    const order = new ListOrder();
    const sent: number[] = [];
    const [one, two] = [order.expect(), order.expect()];
    const second = send(order, change(2), sent, two); // 2 is back first; 1 is still on its way
    await new Promise((resolve) => setTimeout(resolve, 50)); // a slow answer, as on a loaded machine
    expect(sent).to.deep.equal([]);
    await send(order, change(1), sent, one);
    await second;
    one();
    two();
    expect(sent).to.deep.equal([1, 2]);
  });

  it('waits for a gap only until the statements on their way when it came have answered, and keeps nothing of the wait', async () => {
    const order = new ListOrder();
    const sent: number[] = [];
    const first = order.expect();
    await send(order, change(1), sent, first);
    first();
    const other = order.expect(); // a change of another list, or one that will fail
    const mine = order.expect();
    const third = send(order, change(3), sent, mine);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent, '3 waits while a statement that may be 2 is on its way').to.deep.equal([1]);
    other(); // it failed: 2 was another node's
    await third;
    mine();
    expect(sent).to.deep.equal([1, 3]);
    const inside = order as unknown as {
      waiting: Map<string, unknown>;
      arrivals: Map<string, unknown>;
      here: Map<string, unknown>;
      unanswered: Set<unknown>;
    };
    expect([inside.waiting.size, inside.arrivals.size, inside.here.size, inside.unanswered.size]).to.deep.equal([
      0, 0, 0, 0,
    ]);
  });
});
