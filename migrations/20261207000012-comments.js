'use strict';
/**
 * Comments on tasks. A comment takes its list's seq like a task (`seq`: its latest change); a deleted
 * one stays as its own tombstone (`deleted_at` set, `seq` the deletion's, body emptied) so that `sync`
 * can tell a device that was away. `notified`: everyone a `mention` was ever sent to for the comment
 * (each is told once per comment). A task deleted for good, or its list, takes its comments.
 */
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query(`
      CREATE TABLE comments (
        id uuid PRIMARY KEY,
        task_id uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
        list_id uuid NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
        author_id uuid NOT NULL,
        body text NOT NULL,
        mentions uuid[] NOT NULL DEFAULT '{}',
        notified uuid[] NOT NULL DEFAULT '{}',
        seq bigint NOT NULL,
        created_at timestamptz NOT NULL,
        edited_at timestamptz,
        deleted_at timestamptz
      );
      CREATE INDEX comments_task ON comments (task_id, created_at, id) WHERE deleted_at IS NULL;
      CREATE INDEX comments_list_seq ON comments (list_id, seq);
    `);
  },
  async down(queryInterface) {
    await queryInterface.sequelize.query('DROP TABLE comments');
  },
};
