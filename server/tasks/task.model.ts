import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';
import type { Task as TaskDto, TaskField } from '../../shared/types';

/** The version at which each client-settable field last changed (a field absent: not since the task was made). */
export type FieldVersions = Partial<Record<TaskField, number>>;
import { LIMITS } from '../../shared/limits';

export class Task extends Model<InferAttributes<Task>, InferCreationAttributes<Task>> {
  declare id: CreationOptional<string>;
  declare listId: string;
  declare title: string;
  declare notes: CreationOptional<string>;
  declare completed: CreationOptional<boolean>;
  declare completedAt: Date | null;
  declare dueAt: Date | null;
  declare priority: CreationOptional<number>;
  declare position: CreationOptional<string>;
  declare version: CreationOptional<number>;
  declare seq: number;
  declare createdBy: string;
  declare updatedBy: string;
  declare deletedAt: CreationOptional<Date | null>;
  /** Who deleted the task (null while it is live). */
  declare deletedBy: CreationOptional<string | null>;
  declare assigneeId: CreationOptional<string | null>;
  declare fieldVersions: CreationOptional<FieldVersions>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  toDto(): TaskDto {
    return {
      id: this.id,
      listId: this.listId,
      title: this.title,
      notes: this.notes,
      completed: this.completed,
      completedAt: this.completedAt?.toISOString() ?? null,
      dueAt: this.dueAt?.toISOString() ?? null,
      priority: this.priority,
      position: this.position,
      version: this.version,
      seq: this.seq,
      createdBy: this.createdBy,
      updatedBy: this.updatedBy,
      createdAt: this.createdAt.toISOString(),
      updatedAt: this.updatedAt.toISOString(),
      assigneeId: this.assigneeId,
    };
  }

  static initModel(sequelize: Sequelize): typeof Task {
    return Task.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        listId: { type: DataTypes.UUID, allowNull: false },
        title: { type: DataTypes.STRING(LIMITS.titleMax), allowNull: false },
        notes: { type: DataTypes.TEXT, allowNull: false, defaultValue: '' },
        completed: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        completedAt: { type: DataTypes.DATE, allowNull: true },
        dueAt: { type: DataTypes.DATE, allowNull: true },
        priority: { type: DataTypes.SMALLINT, allowNull: false, defaultValue: 0 },
        position: { type: DataTypes.STRING(LIMITS.positionMax), allowNull: false, defaultValue: '' },
        version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
        seq: { type: DataTypes.BIGINT, allowNull: false },
        createdBy: { type: DataTypes.UUID, allowNull: false },
        updatedBy: { type: DataTypes.UUID, allowNull: false },
        deletedAt: { type: DataTypes.DATE, allowNull: true },
        deletedBy: { type: DataTypes.UUID, allowNull: true },
        assigneeId: { type: DataTypes.UUID, allowNull: true, defaultValue: null },
        fieldVersions: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'tasks', underscored: true },
    );
  }
}
