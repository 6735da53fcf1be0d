'use strict';
/** Lists with their change counter, and list members with roles. */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('lists', {
      id: { type: Sequelize.UUID, primaryKey: true, allowNull: false },
      name: { type: Sequelize.STRING(200), allowNull: false },
      owner_id: { type: Sequelize.UUID, allowNull: false, references: { model: 'users', key: 'id' }, onDelete: 'CASCADE' },
      seq: { type: Sequelize.BIGINT, allowNull: false, defaultValue: 0 },
      created_at: { type: Sequelize.DATE, allowNull: false },
      updated_at: { type: Sequelize.DATE, allowNull: false },
    });
    await queryInterface.addIndex('lists', ['owner_id']);
    await queryInterface.createTable('list_members', {
      list_id: { type: Sequelize.UUID, primaryKey: true, references: { model: 'lists', key: 'id' }, onDelete: 'CASCADE' },
      user_id: { type: Sequelize.UUID, primaryKey: true, references: { model: 'users', key: 'id' }, onDelete: 'CASCADE' },
      role: { type: Sequelize.ENUM('owner', 'editor', 'viewer'), allowNull: false },
      created_at: { type: Sequelize.DATE, allowNull: false },
      updated_at: { type: Sequelize.DATE, allowNull: false },
    });
    // "which lists may this user see": every socket connect, sync and list read
    await queryInterface.addIndex('list_members', ['user_id']);
  },
  async down(queryInterface) {
    await queryInterface.dropTable('list_members');
    await queryInterface.sequelize.query('DROP TYPE IF EXISTS "enum_list_members_role"');
    await queryInterface.dropTable('lists');
  },
};
