import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';
import type { List as ListDto, Role } from '../../shared/types';
import { LIMITS } from '../../shared/limits';

export class List extends Model<InferAttributes<List>, InferCreationAttributes<List>> {
  declare id: CreationOptional<string>;
  declare name: string;
  declare ownerId: string;
  declare seq: CreationOptional<number>;
  /** Live tasks in the list (kept by the statement that takes the seq). */
  declare taskCount: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  /** The list as its receiver sees it: `role` is the receiver's own. */
  toDto(role: Role): ListDto {
    return {
      id: this.id,
      name: this.name,
      ownerId: this.ownerId,
      role,
      seq: this.seq,
      createdAt: this.createdAt.toISOString(),
      updatedAt: this.updatedAt.toISOString(),
    };
  }

  static initModel(sequelize: Sequelize): typeof List {
    return List.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        name: { type: DataTypes.STRING(LIMITS.listNameMax), allowNull: false },
        ownerId: { type: DataTypes.UUID, allowNull: false },
        seq: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
        taskCount: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'lists', underscored: true },
    );
  }
}
