'use strict';
/**
 * Trash: who deleted a task (`deleted_by`, with `deleted_at`), so that a list's trash (`trash:list`)
 * names them; a deleted task can be restored for TRASH_RETENTION_DAYS, then server/maintenance.ts
 * deletes its row for good (its tombstones stay: sync reports the departure from them). Tasks deleted
 * before this migration were deleted by their last `updated_by` (a delete sets it).
 */
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query(`
      ALTER TABLE tasks ADD COLUMN deleted_by uuid REFERENCES users (id) ON DELETE SET NULL;
      UPDATE tasks SET deleted_by = updated_by WHERE deleted_at IS NOT NULL;
      -- a list's trash, newest deletion first (trash:list), and the purge past retention
      CREATE INDEX tasks_trash ON tasks (list_id, deleted_at DESC, id DESC) WHERE deleted_at IS NOT NULL;
      CREATE INDEX tasks_deleted_at ON tasks (deleted_at) WHERE deleted_at IS NOT NULL;
    `);
  },
  async down(queryInterface) {
    await queryInterface.sequelize.query(`
      DROP INDEX tasks_deleted_at;
      DROP INDEX tasks_trash;
      ALTER TABLE tasks DROP COLUMN deleted_by;
    `);
  },
};
