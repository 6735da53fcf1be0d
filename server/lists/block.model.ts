import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type NonAttribute,
  type Sequelize,
} from 'sequelize';
import type { Block as BlockDto } from '../../shared/types';
import type { User } from '../auth/user.model';

/** A user (blocker) who refuses the shares of another (blocked). */
export class UserBlock extends Model<InferAttributes<UserBlock>, InferCreationAttributes<UserBlock>> {
  declare blockerId: string;
  declare blockedId: string;
  declare createdAt: CreationOptional<Date>;
  declare blocked?: NonAttribute<User>;

  /** The block as its blocker sees it: who is blocked, and since when. */
  toDto(user: Pick<User, 'email' | 'name'> = this.blocked!): BlockDto {
    return { userId: this.blockedId, email: user.email, name: user.name, createdAt: this.createdAt.toISOString() };
  }

  static initModel(sequelize: Sequelize): typeof UserBlock {
    return UserBlock.init(
      {
        blockerId: { type: DataTypes.UUID, primaryKey: true },
        blockedId: { type: DataTypes.UUID, primaryKey: true },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'user_blocks', underscored: true, updatedAt: false },
    );
  }
}
