'use strict';
/** The first answer to each (user, mutationId), so that a retried mutation is not applied twice. */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('mutations', {
      user_id: { type: Sequelize.UUID, primaryKey: true, references: { model: 'users', key: 'id' }, onDelete: 'CASCADE' },
      mutation_id: { type: Sequelize.UUID, primaryKey: true },
      event: { type: Sequelize.STRING(40), allowNull: false },
      response: { type: Sequelize.JSONB, allowNull: true },
      created_at: { type: Sequelize.DATE, allowNull: false },
    });
    // the periodic clean-up deletes by age
    await queryInterface.addIndex('mutations', ['created_at']);
  },
  async down(queryInterface) {
    await queryInterface.dropTable('mutations');
  },
};
