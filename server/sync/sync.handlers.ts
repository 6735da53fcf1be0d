import type { Ctx } from '../core/context';
import type { HandlerMap } from '../core/handler';
import { sync } from './sync.service';

export const syncHandlers = (ctx: Ctx): HandlerMap => ({
  sync: (actor, input) => sync(ctx, actor, input),
});
