/**
 * The presence domain's part of the socket transport: `presence:join` and `presence:leave`, and a
 * socket's disconnect, which leaves every list it joined (the others are sent the new state at once).
 */
import type { DomainEvents, SocketDomain } from '../core/socket-domain';
import type { PresenceHub } from './presence.hub';

export const presenceEvents = (hub: PresenceHub): DomainEvents => ({
  'presence:join': (actor, input) => hub.join(actor, input),
  'presence:leave': (actor, input) => {
    if (actor.socketId) hub.leave(actor.socketId, input.listId);
    return Promise.resolve({});
  },
});

export const presenceDomain = (hub: PresenceHub): SocketDomain => ({
  events: presenceEvents(hub),
  disconnected: (socket) => hub.leave(socket.id),
});
