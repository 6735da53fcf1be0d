import { expect } from 'chai';
import { devices, inboxOf, next, ok, registerUser, useServer } from '../support/server';
import { record } from '../support/wait';

describe('one user, three devices', () => {
  const server = useServer();
  const open = devices(server);

  it('shows a change made on one device on the other two, and sends no echo to the first', async () => {
    const user = await registerUser(server());
    const listId = await inboxOf(server(), user.token);
    const [phone, laptop, tablet] = await Promise.all([1, 2, 3].map(() => open(user.token)));
    const phoneSaw = record(phone);

    const onLaptop = next(laptop, 'task:created');
    const onTablet = next(tablet, 'task:created');
    const { task } = await ok(phone, 'task:create', { listId, title: '  Buy milk ' });
    expect(task).to.include({ listId, title: 'Buy milk', version: 1, seq: 1, completed: false });
    expect((await onLaptop).task).to.deep.equal(task);
    expect((await onTablet).task).to.deep.equal(task);

    // the laptop's later change reaches the phone: had the phone been echoed its own create, it came first
    const onPhone = next(phone, 'task:updated');
    await ok(laptop, 'task:update', { id: task.id, patch: { completed: true } });
    const updated = (await onPhone).task;
    expect(updated).to.include({ completed: true, version: 2, seq: 2 });
    expect(phoneSaw.map((e) => e.event)).to.deep.equal(['task:updated']);
  });
});
