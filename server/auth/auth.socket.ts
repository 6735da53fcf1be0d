import type { DomainEvents, SocketDomain } from '../core/socket-domain';
import { AppError } from '../core/errors';
import type { AuthCtx } from './auth.context';
import { checkToken } from './auth.service';

export const authEvents = (ctx: AuthCtx): DomainEvents => ({
  /** A newer token of the same user moves the socket's expiry, and the socket runs on it (an older one changes nothing). */
  'auth:refresh': async (actor, input, connection) => {
    const { userId, exp, tokenId } = await checkToken(ctx, input.token);
    if (userId !== actor.userId) throw new AppError('unauthorized', 'The token belongs to another user');
    if (exp > connection.exp) connection.extend(exp, tokenId); // a log out of the new token now ends this socket
    return { expiresAt: new Date(connection.exp * 1000).toISOString() };
  },
});

/** The auth part of the socket transport. */
export const authDomain = (ctx: AuthCtx): SocketDomain => ({ events: authEvents(ctx) });
