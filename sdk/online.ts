/**
 * The calls that are not queued (members, sharing, leaving, blocks, the trash): their effect cannot be shown
 * before the server has answered, so offline (or with no answer) they reject with code 'offline'.
 */
import type { AckData, ClientEventName, ServerEventMessage } from '../shared/events';
import type { Ack, ActivityPage, Block, Member, Task, TrashPage } from '../shared/types';
import { apiError, offlineError, refused, TodoClientError, uuid } from './errors';
import type { Payload } from './queue';

export interface OnlineDelegate {
  /** Connected, with a session whose token is good. */
  canCall(): boolean;
  call<E extends ClientEventName>(event: E, payload: Payload<E>): Promise<Ack<AckData<E>>>;
  userId(): string | undefined;
  /** An answer fed in as the event the other devices got. */
  receive(ev: ServerEventMessage): void;
  /** Lists this user left (their ack carries no seqs, and this socket gets no member:removed). */
  left(listIds: string[]): void;
  /** Deleted tasks read (trash:list): a queued restore of one shows it back at once. */
  trashed(tasks: Task[]): void;
}

export class OnlineCalls {
  constructor(private readonly d: OnlineDelegate) {}

  private async online<E extends ClientEventName>(event: E, payload: Payload<E>): Promise<AckData<E>> {
    if (!this.d.canCall()) throw offlineError(event);
    let ack: Ack<AckData<E>>;
    try {
      ack = await this.d.call(event, payload);
    } catch {
      throw offlineError(event);
    }
    if (!ack.ok) throw apiError(ack.error, event);
    return ack.data;
  }

  async members(listId: string): Promise<Member[]> {
    return (await this.online('list:members', { listId })).members;
  }

  async share(listId: string, email: string, role: 'editor' | 'viewer'): Promise<Member> {
    const data = await this.online('list:share', { listId, email, role });
    this.d.receive({ event: 'member:added', payload: data });
    return data.member;
  }

  async unshare(listId: string, userId: string): Promise<void> {
    const data = await this.online('list:unshare', { listId, userId });
    this.d.receive({ event: 'member:removed', payload: data });
  }

  leave(listId: string): Promise<void> {
    const userId = this.d.userId();
    if (!userId)
      return refused(new TodoClientError('unauthorized', 'Not logged in', undefined, undefined, 'list:unshare'));
    return this.unshare(listId, userId);
  }

  async leaveAllFrom(ownerId: string): Promise<string[]> {
    const { listIds } = await this.online('lists:leave', { ownerId, mutationId: uuid() });
    this.d.left(listIds);
    return listIds;
  }

  async block(userId: string, opts: { leave?: boolean } = {}): Promise<{ block: Block; listIds: string[] }> {
    const payload = opts.leave ? { userId, leave: true, mutationId: uuid() } : { userId, mutationId: uuid() };
    const data = await this.online('user:block', payload);
    this.d.left(data.listIds);
    return data;
  }

  async unblock(userId: string): Promise<void> {
    await this.online('user:unblock', { userId, mutationId: uuid() });
  }

  /** A list's activity (or one task's), newest first; `before`: the `next` of the page before. */
  activity(listId: string, opts: { taskId?: string; before?: string; limit?: number } = {}): Promise<ActivityPage> {
    const payload: Payload<'activity:list'> = { listId };
    if (opts.taskId !== undefined) payload.taskId = opts.taskId;
    if (opts.before !== undefined) payload.before = opts.before;
    if (opts.limit !== undefined) payload.limit = opts.limit;
    return this.online('activity:list', payload);
  }

  async blocks(): Promise<Block[]> {
    return (await this.online('blocks:list', {})).blocks;
  }

  async trash(listId: string, opts: { after?: string; limit?: number } = {}): Promise<TrashPage> {
    const page = await this.online('trash:list', { listId, ...opts });
    this.d.trashed(page.tasks);
    return page;
  }
}
