'use strict';
/**
 * The task mutations as SQL functions: each is one round trip instead of about nine, with the same
 * rules as before (the list's next seq under its row lock, the role check, expectedVersion, the
 * bound of live tasks, tombstones, the mutation record). The server calls each as one statement, in
 * its own transaction (mutateInOneStatement in server/core/db/mutate.ts): the notes go out after the
 * commit, in seq order per list.
 *
 * Refusals are raised with SQLSTATEs of class TD, which server/core/errors.ts maps to the contract's
 * codes: TDNF1 not_found, TDFB1 forbidden, TDCF1 conflict (DETAIL: the current task, as JSON),
 * TDLE1 limit_exceeded. Answers are the contract's JSON, built by todo_task_json.
 */
// the createdAt of the list's latest task: a list's tasks get increasing createdAt, one millisecond
// apart at least, so tasks at one position keep the order they were created in
const COLUMN = 'ALTER TABLE lists ADD COLUMN last_task_created_at timestamptz;';

// the functions (migration 10 drops them, and takes them from here to restore them on its way down)
const FUNCTIONS = String.raw`
-- a timestamp as JavaScript's Date.prototype.toISOString() writes it (milliseconds, truncated)
CREATE FUNCTION todo_iso(ts timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN ts IS NULL THEN NULL
    WHEN extract(year FROM ts AT TIME ZONE 'UTC') <= 9999 THEN to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    ELSE '+' || lpad(extract(year FROM ts AT TIME ZONE 'UTC')::int::text, 6, '0') || to_char(ts AT TIME ZONE 'UTC', '-MM-DD"T"HH24:MI:SS.MS"Z"')
  END
$$;

-- the time of a change, to the millisecond: what clients see of createdAt is all the sort order uses
CREATE FUNCTION todo_now() RETURNS timestamptz LANGUAGE sql VOLATILE AS $$
  SELECT date_trunc('milliseconds', clock_timestamp())
$$;

-- a task as the contract's JSON (the same fields and order as Task.toDto)
CREATE FUNCTION todo_task_json(t tasks) RETURNS json LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'id', t.id, 'listId', t.list_id, 'title', t.title, 'notes', t.notes, 'completed', t.completed,
    'completedAt', todo_iso(t.completed_at), 'dueAt', todo_iso(t.due_at), 'priority', t.priority,
    'position', t.position, 'version', t.version, 'seq', t.seq, 'createdBy', t.created_by,
    'updatedBy', t.updated_by, 'createdAt', todo_iso(t.created_at), 'updatedAt', todo_iso(t.updated_at))
$$;

-- the first answer to a repeated (user, mutation id), or NULL for a new one; a mutation id used for
-- another event is a conflict
CREATE FUNCTION todo_claim(p_user uuid, p_mutation uuid, p_event text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  first record;
BEGIN
  IF p_mutation IS NULL THEN RETURN NULL; END IF;
  -- a concurrent twin waits here until the first one commits (then finds its answer) or rolls back
  PERFORM pg_advisory_xact_lock(3, hashtext(p_user::text || p_mutation::text));
  SELECT event, response INTO first FROM mutations WHERE user_id = p_user AND mutation_id = p_mutation;
  IF NOT FOUND THEN RETURN NULL; END IF;
  IF first.event <> p_event THEN
    RAISE EXCEPTION USING ERRCODE = 'TDCF1', MESSAGE = 'This mutationId was already used for ' || first.event;
  END IF;
  RETURN jsonb_build_object('replay', first.response);
END
$$;

-- records the answer to (user, mutation id), one write at the end of the change (twins wait for each
-- other in todo_claim; a list event's record of the same id, made without that lock, makes this a
-- unique violation: the change is rolled back and the server asks again, which finds the record)
CREATE FUNCTION todo_remember(p_user uuid, p_mutation uuid, p_event text, p_answer json) RETURNS void LANGUAGE sql AS $$
  INSERT INTO mutations (user_id, mutation_id, event, response, created_at)
  SELECT p_user, p_mutation, p_event, p_answer::jsonb, now() WHERE p_mutation IS NOT NULL
$$;

-- who hears of a change in a list: its members, once the caller is found to be owner or editor there
-- (what: 'Task' or 'List', for the message); one read of the list's members for both
CREATE FUNCTION todo_audience(p_list uuid, p_user uuid, what text) RETURNS uuid[] LANGUAGE plpgsql AS $$
DECLARE
  everyone uuid[];
  r text;
BEGIN
  SELECT array_agg(user_id), max(role::text) FILTER (WHERE user_id = p_user) INTO everyone, r
    FROM list_members WHERE list_id = p_list;
  IF r IS NULL THEN RAISE EXCEPTION USING ERRCODE = 'TDNF1', MESSAGE = what || ' not found'; END IF;
  IF r = 'viewer' THEN RAISE EXCEPTION USING ERRCODE = 'TDFB1', MESSAGE = 'Your role (viewer) may not do this'; END IF;
  RETURN everyone;
END
$$;

-- task:create. Answers {answer, seq, to} (to: the list's members), {answer} alone for a create
-- retried by id (nothing changed), or {replay} for a repeated mutation id.
CREATE FUNCTION todo_task_create(
  p_user uuid, p_list uuid, p_id uuid, p_title text, p_notes text, p_due timestamptz, p_priority int,
  p_position text, p_max_tasks int, p_mutation uuid
) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
  claimed jsonb;
  existing tasks;
  seq_taken bigint;
  live int;
  created tasks;
  answer json;
  audience uuid[];
  event text := 'task:create';
  ts timestamptz := todo_now();
BEGIN
  claimed := todo_claim(p_user, p_mutation, event);
  IF claimed IS NOT NULL THEN RETURN claimed::json; END IF;
  IF p_id IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(2, hashtext(p_id::text)); -- a retry sent meanwhile waits, then finds the task
    SELECT * INTO existing FROM tasks WHERE id = p_id;
    IF FOUND THEN
      -- the creator who still sees the task's list gets it again; anyone else's id is taken
      IF existing.created_by = p_user AND EXISTS (SELECT 1 FROM list_members WHERE list_id = existing.list_id AND user_id = p_user) THEN
        IF existing.deleted_at IS NOT NULL THEN
          RAISE EXCEPTION USING ERRCODE = 'TDCF1', MESSAGE = 'This task was created and deleted since';
        END IF;
        answer := json_build_object('task', todo_task_json(existing));
        PERFORM todo_remember(p_user, p_mutation, event, answer);
        RETURN json_build_object('answer', answer); -- nothing changed: nothing to send
      END IF;
    END IF;
  END IF;
  UPDATE lists SET seq = seq + 1, task_count = task_count + 1,
                   last_task_created_at = greatest(ts, last_task_created_at + interval '1 millisecond')
   WHERE id = p_list RETURNING seq, task_count, last_task_created_at INTO seq_taken, live, ts;
  IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = 'TDNF1', MESSAGE = 'List not found'; END IF;
  audience := todo_audience(p_list, p_user, 'List');
  IF live > p_max_tasks THEN
    RAISE EXCEPTION USING ERRCODE = 'TDLE1', MESSAGE = 'A list holds at most ' || p_max_tasks || ' tasks';
  END IF;
  IF existing.id IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'TDCF1', MESSAGE = 'A task with this id exists already';
  END IF;
  INSERT INTO tasks (id, list_id, title, notes, completed, completed_at, due_at, priority, position, version, seq,
                     created_by, updated_by, created_at, updated_at)
  VALUES (coalesce(p_id, gen_random_uuid()), p_list, p_title, coalesce(p_notes, ''), false, NULL, p_due,
          coalesce(p_priority, 0), coalesce(p_position, ''), 1, seq_taken, p_user, p_user, ts, ts)
  RETURNING * INTO created;
  answer := json_build_object('task', todo_task_json(created));
  PERFORM todo_remember(p_user, p_mutation, event, answer);
  RETURN json_build_object('answer', answer, 'seq', seq_taken, 'to', audience);
END
$$;

-- task:update (p_patch: the validated patch, a move when it names another listId) and task:delete
-- (p_delete). Answers {answer, seq, to[, from: {seq, to}]} or {replay}.
CREATE FUNCTION todo_task_change(
  p_user uuid, p_task uuid, p_patch jsonb, p_delete boolean, p_expected int, p_max_tasks int, p_mutation uuid
) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
  claimed jsonb;
  from_list uuid;
  target uuid := CASE WHEN p_delete THEN NULL ELSE (p_patch->>'listId')::uuid END;
  l uuid;
  taken bigint;
  live int;
  from_seq bigint;
  to_seq bigint;
  target_live int;
  audience uuid[];
  from_audience uuid[];
  t tasks;
  answer json;
  gone json;
  event text := CASE WHEN p_delete THEN 'task:delete' ELSE 'task:update' END;
  ts timestamptz := todo_now();
BEGIN
  claimed := todo_claim(p_user, p_mutation, event);
  IF claimed IS NOT NULL THEN RETURN claimed::json; END IF;
  IF target IS NULL THEN
    -- the common case: one list, locked by taking its seq (found through the task)
    UPDATE lists SET seq = seq + 1, task_count = task_count - CASE WHEN p_delete THEN 1 ELSE 0 END
     WHERE id = (SELECT list_id FROM tasks WHERE id = p_task AND deleted_at IS NULL)
    RETURNING id, seq INTO from_list, from_seq;
    IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = 'TDNF1', MESSAGE = 'Task not found'; END IF;
    target := from_list;
    to_seq := from_seq;
  ELSE
    SELECT list_id INTO from_list FROM tasks WHERE id = p_task AND deleted_at IS NULL;
    IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = 'TDNF1', MESSAGE = 'Task not found'; END IF;
    -- lock both lists by taking their seqs, in id order so that two opposite moves cannot deadlock
    FOR l IN SELECT DISTINCT x FROM unnest(ARRAY[from_list, target]) x ORDER BY x LOOP
      UPDATE lists SET seq = seq + 1,
                       task_count = task_count + CASE WHEN target = from_list THEN 0 WHEN l = target THEN 1 ELSE -1 END
       WHERE id = l RETURNING seq, task_count INTO taken, live;
      IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = 'TDNF1', MESSAGE = 'List not found'; END IF;
      IF l = from_list THEN from_seq := taken; END IF;
      IF l = target THEN to_seq := taken; target_live := live; END IF;
    END LOOP;
  END IF;
  from_audience := todo_audience(from_list, p_user, 'Task');

  IF p_delete THEN
    UPDATE tasks SET deleted_at = ts, seq = from_seq, version = version + 1, updated_by = p_user, updated_at = ts
     WHERE id = p_task AND list_id = from_list AND deleted_at IS NULL AND (p_expected IS NULL OR version = p_expected)
    RETURNING * INTO t;
    IF NOT FOUND THEN PERFORM todo_refuse(p_task, from_list); END IF;
    INSERT INTO task_tombstones (list_id, seq, task_id, created_at) VALUES (from_list, from_seq, p_task, ts);
    answer := json_build_object('id', p_task, 'listId', from_list, 'seq', from_seq);
    PERFORM todo_remember(p_user, p_mutation, event, answer);
    RETURN json_build_object('answer', answer, 'seq', from_seq, 'to', from_audience);
  END IF;

  IF target <> from_list THEN
    -- the version is checked before the target list, as a stale task answers conflict first
    SELECT * INTO t FROM tasks WHERE id = p_task;
    IF t.list_id <> from_list OR t.deleted_at IS NOT NULL OR (p_expected IS NOT NULL AND p_expected <> t.version) THEN
      PERFORM todo_refuse(p_task, from_list);
    END IF;
    audience := todo_audience(target, p_user, 'List');
    IF target_live > p_max_tasks THEN
      RAISE EXCEPTION USING ERRCODE = 'TDLE1', MESSAGE = 'A list holds at most ' || p_max_tasks || ' tasks';
    END IF;
  ELSE
    audience := from_audience;
  END IF;
  UPDATE tasks SET
    title = CASE WHEN p_patch ? 'title' THEN p_patch->>'title' ELSE title END,
    notes = CASE WHEN p_patch ? 'notes' THEN p_patch->>'notes' ELSE notes END,
    priority = CASE WHEN p_patch ? 'priority' THEN (p_patch->>'priority')::smallint ELSE priority END,
    position = CASE WHEN p_patch ? 'position' THEN p_patch->>'position' ELSE position END,
    due_at = CASE WHEN p_patch ? 'dueAt' THEN (p_patch->>'dueAt')::timestamptz ELSE due_at END,
    completed_at = CASE WHEN p_patch ? 'completed' AND (p_patch->>'completed')::boolean IS DISTINCT FROM completed
                        THEN CASE WHEN (p_patch->>'completed')::boolean THEN ts END ELSE completed_at END,
    completed = CASE WHEN p_patch ? 'completed' THEN (p_patch->>'completed')::boolean ELSE completed END,
    list_id = target, seq = to_seq, version = version + 1, updated_by = p_user, updated_at = ts
   WHERE id = p_task AND list_id = from_list AND deleted_at IS NULL AND (p_expected IS NULL OR version = p_expected)
  RETURNING * INTO t;
  IF NOT FOUND THEN PERFORM todo_refuse(p_task, from_list); END IF;
  IF target <> from_list THEN
    -- a move is a delete in the old list and a create in the new one, each with its own seq
    INSERT INTO task_tombstones (list_id, seq, task_id, created_at) VALUES (from_list, from_seq, p_task, ts);
    gone := json_build_object('id', p_task, 'listId', from_list, 'seq', from_seq);
    answer := json_build_object('task', todo_task_json(t), 'from', gone);
    PERFORM todo_remember(p_user, p_mutation, event, answer);
    RETURN json_build_object('answer', answer, 'seq', to_seq, 'to', audience,
                             'from', json_build_object('seq', from_seq, 'to', from_audience));
  END IF;
  answer := json_build_object('task', todo_task_json(t));
  PERFORM todo_remember(p_user, p_mutation, event, answer);
  RETURN json_build_object('answer', answer, 'seq', to_seq, 'to', audience);
END
$$;

-- why a task could not be changed under its list's lock (the caller is a writer there): it was
-- deleted, moved to another list meanwhile, or is not at the expected version
CREATE FUNCTION todo_refuse(p_task uuid, p_list uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t tasks;
BEGIN
  SELECT * INTO t FROM tasks WHERE id = p_task;
  IF t.deleted_at IS NOT NULL THEN RAISE EXCEPTION USING ERRCODE = 'TDNF1', MESSAGE = 'Task not found'; END IF;
  IF t.list_id <> p_list THEN
    RAISE EXCEPTION USING ERRCODE = 'TDCF1', MESSAGE = 'The task was moved meanwhile: sync and try again';
  END IF;
  RAISE EXCEPTION USING ERRCODE = 'TDCF1', MESSAGE = 'The task has changed since that version', DETAIL = todo_task_json(t)::text;
END
$$;
`;

module.exports = {
  FUNCTIONS,
  async up(queryInterface) {
    await queryInterface.sequelize.query(COLUMN + FUNCTIONS);
  },
  async down(queryInterface) {
    await queryInterface.sequelize.query(`
      DROP FUNCTION todo_task_change(uuid, uuid, jsonb, boolean, int, int, uuid);
      DROP FUNCTION todo_task_create(uuid, uuid, uuid, text, text, timestamptz, int, text, int, uuid);
      DROP FUNCTION todo_refuse(uuid, uuid);
      DROP FUNCTION todo_audience(uuid, uuid, text);
      DROP FUNCTION todo_remember(uuid, uuid, text, json);
      DROP FUNCTION todo_claim(uuid, uuid, text);
      DROP FUNCTION todo_task_json(tasks);
      DROP FUNCTION todo_now();
      DROP FUNCTION todo_iso(timestamptz);
      ALTER TABLE lists DROP COLUMN last_task_created_at;
    `);
  },
};
