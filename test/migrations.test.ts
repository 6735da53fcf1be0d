import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { QueryTypes, Sequelize } from 'sequelize';
import { createMigrator } from '../server/core/db/migrate';
import { projectRoot } from '../server/core/paths';
import { createDatabase, dropDatabase } from '../dev/databases';
import { testDb } from './support/database';

const run = promisify(execFile);
const TABLES = ['list_members', 'lists', 'mutations', 'socket_io_attachments', 'task_tombstones', 'tasks', 'users'];

async function tables(sequelize: Sequelize): Promise<string[]> {
  const rows = await sequelize.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'SequelizeMeta' ORDER BY 1`,
    { type: QueryTypes.SELECT },
  );
  return rows.map((r) => r.name);
}

describe('migrations on an empty database', () => {
  let db: { name: string; url: string };
  let sequelize: Sequelize;
  beforeEach(async () => {
    db = await createDatabase(testDb().serverUrl, 'todo_migrate');
    sequelize = new Sequelize(db.url, { logging: false });
  });
  afterEach(async () => {
    await sequelize.close();
    await dropDatabase(testDb().serverUrl, db.name);
  });

  it('go up, all the way down, and up again from the server', async () => {
    const migrator = createMigrator(sequelize);
    expect(await migrator.up()).to.have.length(8);
    expect(await tables(sequelize)).to.deep.equal(TABLES);
    await migrator.down({ to: 0 });
    expect(await tables(sequelize)).to.deep.equal([]);
    await migrator.up();
    expect(await tables(sequelize)).to.deep.equal(TABLES);
  });

  it('run with sequelize-cli db:migrate and db:migrate:undo:all through .sequelizerc', async function () {
    this.timeout(30_000);
    const env = { ...process.env, DATABASE_URL: db.url };
    const cli = (cmd: string) =>
      run(process.execPath, [require.resolve('sequelize-cli/lib/sequelize'), cmd], { cwd: projectRoot, env });
    await cli('db:migrate');
    expect(await tables(sequelize)).to.deep.equal(TABLES);
    // the server's migrator sees them as done
    expect(await createMigrator(sequelize).pending()).to.deep.equal([]);
    await cli('db:migrate:undo:all');
    expect(await tables(sequelize)).to.deep.equal([]);
  });
});
