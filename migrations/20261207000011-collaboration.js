'use strict';
/**
 * Collaboration: a task's assignee (a member of its list, cleared when they leave it) and the version
 * at which each of its client-settable fields last changed (`field_versions`: {field: version}; a field
 * absent has not changed since the task was created), which lets a stale `expectedVersion` merge when
 * the fields it sets did not change meanwhile. `activities`: one entry per change that takes a list's
 * seq, written in the same transaction with that seq (so (list_id, seq) is the key); kept for
 * ACTIVITY_RETENTION_DAYS (server/maintenance.ts), gone with their list.
 */
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query(`
      ALTER TABLE tasks
        ADD COLUMN assignee_id uuid REFERENCES users (id) ON DELETE SET NULL,
        ADD COLUMN field_versions jsonb NOT NULL DEFAULT '{}';
      -- tasks changed before this migration: when each field changed is not known, so every field counts
      -- as changed at the task's version (a stale expectedVersion conflicts on every field, as it did)
      UPDATE tasks SET field_versions = jsonb_build_object('title', version, 'notes', version, 'completed', version,
        'dueAt', version, 'priority', version, 'position', version, 'listId', version, 'assigneeId', version)
       WHERE version > 1;
      CREATE INDEX tasks_assignee ON tasks (list_id, assignee_id) WHERE assignee_id IS NOT NULL;
      CREATE TABLE activities (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        list_id uuid NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
        seq bigint NOT NULL,
        at timestamptz NOT NULL,
        actor_id uuid NOT NULL,
        kind varchar(40) NOT NULL,
        task_id uuid,
        comment_id uuid,
        user_id uuid,
        changes jsonb,
        PRIMARY KEY (list_id, seq)
      );
      CREATE INDEX activities_task ON activities (list_id, task_id, seq) WHERE task_id IS NOT NULL;
      CREATE INDEX activities_at ON activities (at);
    `);
  },
  async down(queryInterface) {
    await queryInterface.sequelize.query(`
      DROP TABLE activities;
      ALTER TABLE tasks DROP COLUMN field_versions, DROP COLUMN assignee_id;
    `);
  },
};
