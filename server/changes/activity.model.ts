import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';
import type { Activity as ActivityDto, ActivityChanges, ActivityKind } from '../../shared/types';

/** One change of a list (one per seq), written with the change by mutate() (activity.ts). */
export class Activity extends Model<InferAttributes<Activity>, InferCreationAttributes<Activity>> {
  declare id: CreationOptional<string>;
  declare listId: string;
  declare seq: number;
  declare at: Date;
  declare actorId: string;
  declare kind: ActivityKind;
  declare taskId: string | null;
  declare commentId: string | null;
  declare userId: string | null;
  declare changes: ActivityChanges | null;

  toDto(): ActivityDto {
    return {
      id: this.id,
      listId: this.listId,
      seq: this.seq,
      at: this.at.toISOString(),
      actorId: this.actorId,
      kind: this.kind,
      taskId: this.taskId,
      commentId: this.commentId,
      userId: this.userId,
      changes: this.changes,
    };
  }

  static initModel(sequelize: Sequelize): typeof Activity {
    return Activity.init(
      {
        id: { type: DataTypes.UUID, allowNull: false, defaultValue: DataTypes.UUIDV4 },
        listId: { type: DataTypes.UUID, primaryKey: true },
        seq: { type: DataTypes.BIGINT, primaryKey: true },
        at: { type: DataTypes.DATE, allowNull: false },
        actorId: { type: DataTypes.UUID, allowNull: false },
        kind: { type: DataTypes.STRING(40), allowNull: false },
        taskId: { type: DataTypes.UUID, allowNull: true },
        commentId: { type: DataTypes.UUID, allowNull: true },
        userId: { type: DataTypes.UUID, allowNull: true },
        changes: { type: DataTypes.JSONB, allowNull: true },
      },
      { sequelize, tableName: 'activities', underscored: true, timestamps: false },
    );
  }
}
