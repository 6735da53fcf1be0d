/** Where moveTask puts a task between two neighbours, re-keying as few of them as it must. */
import { TodoClientError } from './errors';
import { comparePositions, positionsBetween } from './position';
import type { TaskView } from './types';

/** The moved task's new position, and tasks re-keyed so that it fits. */
export interface Placement {
  position: string;
  rekey: Array<{ id: string; position: string }>;
}

/** Where to put a task among `order` (its list without it) at index `gap`: re-keys as few neighbours as it must. */
function place(order: TaskView[], gap: number): Placement {
  const n = order.length;
  let l = gap;
  let r = gap - 1;
  for (;;) {
    const lower = l > 0 ? order[l - 1].position : null;
    const upper = r + 1 < n ? order[r + 1].position : null;
    try {
      const keys = positionsBetween(lower, upper, r - l + 2);
      const before = order.slice(l, gap).map((t, i) => ({ id: t.id, position: keys[i] }));
      const after = order.slice(gap, r + 1).map((t, i) => ({ id: t.id, position: keys[gap - l + 1 + i] }));
      return {
        position: keys[gap - l],
        rekey: [...before, ...after].filter((k) => order.find((t) => t.id === k.id)?.position !== k.position),
      };
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      // no room: take in a neighbour, first the one blocking (an empty or equal upper key), else alternately
      const upperBlocks = upper !== null && (upper === '' || (lower !== null && comparePositions(upper, lower) <= 0));
      if (r + 1 < n && (upperBlocks || l === 0 || r - gap < gap - l)) r++;
      else if (l > 0) l--;
      else throw err; // both ends open: cannot happen
    }
  }
}

/**
 * Places the task `id` of the sorted `tasks` (its list) between the neighbours `before` and `after`
 * (ids; null: the list's start or end), or says why it cannot.
 */
export function placeBetween(
  tasks: TaskView[],
  id: string,
  before: string | null,
  after: string | null,
): Placement | TodoClientError {
  const order = tasks.filter((t) => t.id !== id);
  const at = (ref: string | null) => (ref === null ? undefined : order.findIndex((t) => t.id === ref));
  const [i, j] = [at(before), at(after)];
  if (i === -1 || j === -1)
    return new TodoClientError(
      'not_found',
      'A neighbour is not in the task’s list',
      undefined,
      undefined,
      'task:update',
    );
  // the gap after the upper neighbour (whichever of the two sorts first), or before the lower one
  let gap: number;
  if (i !== undefined && j !== undefined) gap = Math.min(i, j) + 1;
  else if (i !== undefined) gap = i + 1;
  else if (j !== undefined) gap = j;
  else gap = order.length;
  try {
    return place(order, gap);
  } catch (err) {
    return new TodoClientError('validation_error', (err as Error).message, undefined, undefined, 'task:update');
  }
}
