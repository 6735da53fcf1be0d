import type { Ctx } from '../changes/context';
import type { DomainEvents, SocketDomain } from '../core/socket-domain';
import { listComments } from './comment.reads';
import { createComment, deleteComment, updateComment } from './comment.service';

export const commentEvents = (ctx: Ctx): DomainEvents => ({
  'comment:create': (actor, input) => createComment(ctx, actor, input),
  'comment:update': (actor, input) => updateComment(ctx, actor, input),
  'comment:delete': (actor, input) => deleteComment(ctx, actor, input),
  'comments:list': (actor, input) => listComments(ctx, actor, input),
});

/** The comments' part of the socket transport. */
export const commentDomain = (ctx: Ctx): SocketDomain => ({ events: commentEvents(ctx) });
