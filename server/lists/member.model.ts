import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type NonAttribute,
  type Sequelize,
} from 'sequelize';
import type { Member as MemberDto, Role } from '../../shared/types';
import type { User } from '../auth/user.model';

export class ListMember extends Model<InferAttributes<ListMember>, InferCreationAttributes<ListMember>> {
  declare listId: string;
  declare userId: string;
  declare role: Role;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare user?: NonAttribute<User>;

  toDto(user: Pick<User, 'email' | 'name'> = this.user!): MemberDto {
    return { listId: this.listId, userId: this.userId, email: user.email, name: user.name, role: this.role };
  }

  static initModel(sequelize: Sequelize): typeof ListMember {
    return ListMember.init(
      {
        listId: { type: DataTypes.UUID, primaryKey: true },
        userId: { type: DataTypes.UUID, primaryKey: true },
        role: { type: DataTypes.ENUM('owner', 'editor', 'viewer'), allowNull: false },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'list_members', underscored: true },
    );
  }
}
