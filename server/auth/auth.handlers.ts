import type { HandlerMap } from '../core/handler';
import { AppError } from '../core/errors';
import type { AuthCtx } from './auth.context';
import { checkToken } from './auth.service';

export const authHandlers = (ctx: AuthCtx): HandlerMap => ({
  /** A newer token of the same user moves the socket's expiry (an older one changes nothing). */
  'auth:refresh': async (actor, input, session) => {
    const { userId, exp } = await checkToken(ctx, input.token);
    if (userId !== actor.userId) throw new AppError('unauthorized', 'The token belongs to another user');
    if (exp > session.exp) session.extend(exp);
    return { expiresAt: new Date(session.exp * 1000).toISOString() };
  },
});
