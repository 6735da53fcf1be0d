import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

/** A task that left a list (deleted, or moved to another list) at the list's change `seq`. */
export class TaskTombstone extends Model<InferAttributes<TaskTombstone>, InferCreationAttributes<TaskTombstone>> {
  declare listId: string;
  declare seq: number;
  declare taskId: string;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof TaskTombstone {
    return TaskTombstone.init(
      {
        listId: { type: DataTypes.UUID, primaryKey: true },
        seq: { type: DataTypes.BIGINT, primaryKey: true },
        taskId: { type: DataTypes.UUID, allowNull: false },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'task_tombstones', underscored: true, updatedAt: false },
    );
  }
}
