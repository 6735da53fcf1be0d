'use strict';
/** Where the Socket.IO PostgreSQL adapter keeps broadcasts too large for a NOTIFY (about 8 kB). */
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query(`
      CREATE TABLE socket_io_attachments (
        id bigserial PRIMARY KEY,
        created_at timestamptz DEFAULT now(),
        payload bytea
      )`);
  },
  async down(queryInterface) {
    await queryInterface.dropTable('socket_io_attachments');
  },
};
