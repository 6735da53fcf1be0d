'use strict';
/** Users: UUID key, unique case-insensitive email, bcrypt hash, token version for logout-all. */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('users', {
      id: { type: Sequelize.UUID, primaryKey: true, allowNull: false },
      email: { type: Sequelize.STRING(254), allowNull: false },
      name: { type: Sequelize.STRING(100), allowNull: false },
      password_hash: { type: Sequelize.STRING(100), allowNull: false },
      token_version: { type: Sequelize.INTEGER, allowNull: false, defaultValue: 0 },
      created_at: { type: Sequelize.DATE, allowNull: false },
      updated_at: { type: Sequelize.DATE, allowNull: false },
    });
    // emails are stored trimmed and lower-cased; the index on lower() also guards rows written by hand
    await queryInterface.sequelize.query('CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))');
  },
  async down(queryInterface) {
    await queryInterface.dropTable('users');
  },
};
