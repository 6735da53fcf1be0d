/**
 * What becomes of a member's part of a list they leave or are removed from, beyond the membership:
 * the domains above lists say it (the tasks domain unassigns their tasks, each a change of its own
 * after the `member:removed`). app.ts sets the handler once, as it wires the domains; until then a
 * departure changes nothing more.
 */
import type { Actor, Ctx } from '../changes/context';
import type { ChangeScope } from '../changes/mutate';
import type { MemberRow } from './access';

export interface Departure {
  /** Who left (or was removed). */
  userId: string;
  /** The lists they left, each with the members who stay and the time of the change. */
  lists: Array<{ listId: string; members: MemberRow[]; at: Date }>;
}

export type MemberLeftHandler = (ctx: Ctx, actor: Actor, scope: ChangeScope, departure: Departure) => Promise<void>;

let handler: MemberLeftHandler = () => Promise.resolve();

/** Called by app.ts with the handler of the domains above. */
export function onMemberLeft(h: MemberLeftHandler): void {
  handler = h;
}

/** Inside the change that removed the member, after its `member:removed` note. */
export const memberLeft: MemberLeftHandler = (ctx, actor, scope, departure) => handler(ctx, actor, scope, departure);
