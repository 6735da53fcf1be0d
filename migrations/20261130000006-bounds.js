'use strict';
/**
 * The contract's bounds: `position` up to 255 characters; each list counts its live tasks (kept in
 * step by the statement that takes the list's seq, so the bound costs no extra round trip); and an
 * index for paged `sync` to find a task's latest departure from a list.
 */
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query(`
      ALTER TABLE tasks ALTER COLUMN position TYPE varchar(255) COLLATE "C";
      ALTER TABLE lists ADD COLUMN task_count integer NOT NULL DEFAULT 0;
      UPDATE lists l SET task_count = c.n
        FROM (SELECT list_id, count(*) AS n FROM tasks WHERE deleted_at IS NULL GROUP BY list_id) c
       WHERE c.list_id = l.id;
      CREATE INDEX task_tombstones_list_task ON task_tombstones (list_id, task_id, seq);
    `);
  },
  async down(queryInterface) {
    await queryInterface.sequelize.query(`
      DROP INDEX task_tombstones_list_task;
      ALTER TABLE lists DROP COLUMN task_count;
      UPDATE tasks SET position = left(position, 200) WHERE length(position) > 200;
      ALTER TABLE tasks ALTER COLUMN position TYPE varchar(200) COLLATE "C";
    `);
  },
};
