import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

/** The first answer to a (user, mutationId): a repeat is answered with it and changes nothing. */
export class Mutation extends Model<InferAttributes<Mutation>, InferCreationAttributes<Mutation>> {
  declare userId: string;
  declare mutationId: string;
  declare event: string;
  declare response: unknown;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): typeof Mutation {
    return Mutation.init(
      {
        userId: { type: DataTypes.UUID, primaryKey: true },
        mutationId: { type: DataTypes.UUID, primaryKey: true },
        event: { type: DataTypes.STRING(40), allowNull: false },
        response: { type: DataTypes.JSONB, allowNull: true },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: 'mutations', underscored: true, updatedAt: false },
    );
  }
}
