import type { Ctx } from '../changes/context';
import type { DomainEvents, SocketDomain } from '../core/socket-domain';
import { sync } from './sync.service';

export const syncEvents = (ctx: Ctx): DomainEvents => ({
  // an expensive read: a few of the user's at once, and none for a client that does not read its
  // answers (checked again when its turn comes); the wrapper charges the answer by its size
  sync: (actor, input, connection) =>
    ctx.reads.run(actor.userId, async () => {
      connection.checkReading();
      return sync(ctx, actor, input);
    }),
});

/** The sync part of the socket transport. */
export const syncDomain = (ctx: Ctx): SocketDomain => ({ events: syncEvents(ctx) });
