/** The Sequelize instance and the one place where models and associations are set up. */
import { Sequelize } from 'sequelize';
import { User } from '../auth/user.model';
import { List } from '../lists/list.model';
import { ListMember } from '../lists/member.model';
import { Task } from '../tasks/task.model';
import { TaskTombstone } from '../tasks/tombstone.model';
import { Mutation } from './mutation.model';

export { User, List, ListMember, Task, TaskTombstone, Mutation };

export interface DbOptions {
  url: string;
  poolMax: number;
  /** Milliseconds to wait for a pooled connection before giving up. */
  acquireTimeout?: number;
}

export function createSequelize({ url, poolMax, acquireTimeout = 10_000 }: DbOptions): Sequelize {
  const sequelize = new Sequelize(url, {
    dialect: 'postgres',
    logging: false,
    pool: { max: poolMax, min: 0, idle: 10_000, acquire: acquireTimeout },
    dialectOptions: { connectionTimeoutMillis: 5_000, application_name: 'todo-server' },
  });
  initModels(sequelize);
  return sequelize;
}

function initModels(sequelize: Sequelize): void {
  for (const model of [User, List, ListMember, Task, TaskTombstone, Mutation]) model.initModel(sequelize);
  ListMember.belongsTo(User, { as: 'user', foreignKey: 'userId' });
  ListMember.belongsTo(List, { as: 'list', foreignKey: 'listId' });
  List.hasMany(ListMember, { as: 'members', foreignKey: 'listId' });
}

/** Connections of the pool in use right now (for /metrics). */
export function poolInUse(sequelize: Sequelize): number {
  const pool = (sequelize.connectionManager as unknown as { pool?: { using?: number } }).pool;
  return pool?.using ?? 0;
}
