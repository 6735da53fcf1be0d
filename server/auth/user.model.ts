import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';
import type { User as UserDto } from '../../shared/types';
import { LIMITS } from '../../shared/limits';

export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: CreationOptional<string>;
  declare email: string;
  declare name: string;
  declare passwordHash: string;
  declare tokenVersion: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  /** The public shape: never the hash. */
  toDto(): UserDto {
    return { id: this.id, email: this.email, name: this.name, createdAt: this.createdAt.toISOString() };
  }

  static initModel(sequelize: Sequelize): typeof User {
    return User.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        email: { type: DataTypes.STRING(LIMITS.emailMax), allowNull: false },
        name: { type: DataTypes.STRING(LIMITS.userNameMax), allowNull: false },
        passwordHash: { type: DataTypes.STRING(100), allowNull: false },
        tokenVersion: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'users', underscored: true },
    );
  }
}
