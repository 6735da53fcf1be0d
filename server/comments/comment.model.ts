import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';
import type { Comment as CommentDto } from '../../shared/types';

/**
 * A comment on a task. A deleted one stays as its tombstone (`deletedAt` set, `seq` the deletion's,
 * body emptied). `notified`: everyone ever sent a `mention` of it (once per comment).
 */
export class Comment extends Model<InferAttributes<Comment>, InferCreationAttributes<Comment>> {
  declare id: CreationOptional<string>;
  declare taskId: string;
  declare listId: string;
  declare authorId: string;
  declare body: string;
  declare mentions: string[];
  declare notified: string[];
  declare seq: number;
  declare createdAt: Date;
  declare editedAt: Date | null;
  declare deletedAt: Date | null;

  toDto(): CommentDto {
    return {
      id: this.id,
      taskId: this.taskId,
      listId: this.listId,
      authorId: this.authorId,
      body: this.body,
      mentions: this.mentions,
      seq: this.seq,
      createdAt: this.createdAt.toISOString(),
      editedAt: this.editedAt?.toISOString() ?? null,
    };
  }

  static initModel(sequelize: Sequelize): typeof Comment {
    return Comment.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        taskId: { type: DataTypes.UUID, allowNull: false },
        listId: { type: DataTypes.UUID, allowNull: false },
        authorId: { type: DataTypes.UUID, allowNull: false },
        body: { type: DataTypes.TEXT, allowNull: false },
        mentions: { type: DataTypes.ARRAY(DataTypes.UUID), allowNull: false, defaultValue: [] },
        notified: { type: DataTypes.ARRAY(DataTypes.UUID), allowNull: false, defaultValue: [] },
        seq: { type: DataTypes.BIGINT, allowNull: false },
        createdAt: { type: DataTypes.DATE, allowNull: false },
        editedAt: { type: DataTypes.DATE, allowNull: true },
        deletedAt: { type: DataTypes.DATE, allowNull: true },
      },
      { sequelize, tableName: 'comments', underscored: true, timestamps: false },
    );
  }
}
