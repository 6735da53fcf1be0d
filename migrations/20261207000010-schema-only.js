'use strict';
/**
 * Migrations hold schema only from here on: the task changes are made in TypeScript through the
 * models (server/changes/mutate.ts and server/tasks/task.service.ts), so the SQL functions of
 * migrations 7, 8 and 9 go. `lists.roster_seq` is the seq of the list's latest change of members
 * (a share, a role change, a removal): a change reads the members in the statement that takes its
 * seq, and that read is current when the roster_seq it saw is the one it locked (otherwise it reads
 * them again). `lists.last_task_created_at` (migration 7) stays: it keeps a list's createdAt
 * increasing.
 */
const { FUNCTIONS } = require('./20261130000007-task-functions');

module.exports = {
  async up(queryInterface) {
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
      ALTER TABLE lists ADD COLUMN roster_seq bigint NOT NULL DEFAULT 0;
    `);
  },
  async down(queryInterface) {
    // the functions as migration 9 left them
    await queryInterface.sequelize.query(`ALTER TABLE lists DROP COLUMN roster_seq; ${FUNCTIONS}`);
    const { INLINED } = require('./20261207000009-iso-inlined');
    await queryInterface.sequelize.query(INLINED);
  },
};
