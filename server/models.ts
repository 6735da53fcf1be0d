/**
 * The database with every domain's models: where they are initialized and associated. Sequelize
 * models are process-wide, so the latest instance made here is the one they use. Not every write goes
 * through their checks: task writes skip the models' validation pass and hooks (task.service.ts
 * FAST; joi checked the values), and the migrations, not the models, hold the schema.
 */
import type { Sequelize } from 'sequelize';
import { User } from './auth/user.model';
import { Activity } from './changes/activity.model';
import { Mutation } from './changes/mutation.model';
import { Comment } from './comments/comment.model';
import { openSequelize, type DbOptions } from './core/db/sequelize';
import { UserBlock } from './lists/block.model';
import { List } from './lists/list.model';
import { ListMember } from './lists/member.model';
import { Task } from './tasks/task.model';
import { TaskTombstone } from './tasks/tombstone.model';

export function createSequelize(options: DbOptions): Sequelize {
  const sequelize = openSequelize(options);
  for (const model of [Mutation, User, List, ListMember, Task, TaskTombstone, UserBlock, Activity, Comment])
    model.initModel(sequelize);
  ListMember.belongsTo(User, { as: 'user', foreignKey: 'userId' }); // a member's email and name
  UserBlock.belongsTo(User, { as: 'blocked', foreignKey: 'blockedId' }); // a blocked person's email and name
  return sequelize;
}
