'use strict';
/**
 * Tasks (deletes keep the row as a tombstone: deleted_at) and task_tombstones: one row per task
 * leaving a list (deleted or moved away), so that `sync` can report it by the list's seq.
 */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('tasks', {
      id: { type: Sequelize.UUID, primaryKey: true, allowNull: false },
      list_id: { type: Sequelize.UUID, allowNull: false, references: { model: 'lists', key: 'id' }, onDelete: 'CASCADE' },
      title: { type: Sequelize.STRING(500), allowNull: false },
      notes: { type: Sequelize.TEXT, allowNull: false, defaultValue: '' },
      completed: { type: Sequelize.BOOLEAN, allowNull: false, defaultValue: false },
      completed_at: { type: Sequelize.DATE, allowNull: true },
      due_at: { type: Sequelize.DATE, allowNull: true },
      priority: { type: Sequelize.SMALLINT, allowNull: false, defaultValue: 0 },
      position: { type: Sequelize.STRING(200), allowNull: false, defaultValue: '' },
      version: { type: Sequelize.INTEGER, allowNull: false, defaultValue: 1 },
      seq: { type: Sequelize.BIGINT, allowNull: false },
      created_by: { type: Sequelize.UUID, allowNull: false, references: { model: 'users', key: 'id' }, onDelete: 'CASCADE' },
      updated_by: { type: Sequelize.UUID, allowNull: false, references: { model: 'users', key: 'id' }, onDelete: 'CASCADE' },
      deleted_at: { type: Sequelize.DATE, allowNull: true },
      created_at: { type: Sequelize.DATE, allowNull: false },
      updated_at: { type: Sequelize.DATE, allowNull: false },
    });
    // positions sort byte-wise everywhere (as clients compare them), whatever the database's locale
    await queryInterface.sequelize.query('ALTER TABLE tasks ALTER COLUMN position TYPE varchar(200) COLLATE "C"');
    // sync: the tasks of a list changed after a seq
    await queryInterface.addIndex('tasks', ['list_id', 'seq']);
    // list reads: live tasks in sort order
    await queryInterface.addIndex('tasks', ['list_id', 'position', 'created_at', 'id'], {
      name: 'tasks_live_order', where: { deleted_at: null },
    });
    await queryInterface.createTable('task_tombstones', {
      list_id: { type: Sequelize.UUID, primaryKey: true, references: { model: 'lists', key: 'id' }, onDelete: 'CASCADE' },
      seq: { type: Sequelize.BIGINT, primaryKey: true },
      task_id: { type: Sequelize.UUID, allowNull: false },
      created_at: { type: Sequelize.DATE, allowNull: false },
    });
  },
  async down(queryInterface) {
    await queryInterface.dropTable('task_tombstones');
    await queryInterface.dropTable('tasks');
  },
};
