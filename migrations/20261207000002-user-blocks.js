'use strict';
/**
 * Blocks: a user (blocker) refuses the shares of another (blocked). One row per pair; a user's own
 * rows are found by the primary key's first column, and the index on blocked_id serves the cascade
 * when an account goes.
 */
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query(`
      CREATE TABLE user_blocks (
        blocker_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        blocked_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (blocker_id, blocked_id),
        CONSTRAINT user_blocks_not_self CHECK (blocker_id <> blocked_id)
      );
      CREATE INDEX user_blocks_blocked ON user_blocks (blocked_id);
    `);
  },
  async down(queryInterface) {
    await queryInterface.sequelize.query('DROP TABLE user_blocks');
  },
};
