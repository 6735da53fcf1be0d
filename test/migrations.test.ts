import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { QueryTypes, Sequelize } from 'sequelize';
import { createMigrator } from '../server/core/db/migrate';
import { createDatabase, dropDatabase, projectRoot } from '../dev/kit';
import { testDb } from './support/database';

const run = promisify(execFile);
const TABLES = [
  'activities',
  'comments',
  'list_members',
  'lists',
  'mutations',
  'revoked_tokens',
  'socket_io_attachments',
  'task_tombstones',
  'tasks',
  'user_blocks',
  'users',
];
/** Every migration file of migrations/. */
const MIGRATIONS = fs.readdirSync(path.join(projectRoot, 'migrations')).filter((f) => f.endsWith('.js')).length;

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
    expect(await migrator.up()).to.have.length(MIGRATIONS);
    expect(await tables(sequelize)).to.deep.equal(TABLES);
    await migrator.down({ to: 0 });
    expect(await tables(sequelize)).to.deep.equal([]);
    await migrator.up();
    expect(await tables(sequelize)).to.deep.equal(TABLES);
  });

  it('rewrite the emails stored before in one form (NFC, punycode domain), the older account keeping a form two share', async () => {
    const migrator = createMigrator(sequelize);
    await migrator.up({ to: '20261130000007-task-functions.js' });
    const stored = [
      ['carol@b\u00fccher.example', 'carol@xn--bcher-kva.example'],
      ['ren\u00e9@example.org', 'ren\u00e9@example.org'], // the older of two that meet in one form
      ['rene\u0301@example.org', 'rene\u0301@example.org'], // left as it was
      ['zo\u0308e@m\u00fcnchen.example', 'z\u00f6e@xn--mnchen-3ya.example'],
      ['plain@example.org', 'plain@example.org'],
    ];
    for (const [i, [email]] of stored.entries())
      await sequelize.query(
        `INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES (gen_random_uuid(), $1, 'U', 'x', now() + make_interval(secs => $2), now())`,
        { bind: [email, i] },
      );
    await migrator.up();
    const rows = await sequelize.query<{ email: string }>('SELECT email FROM users ORDER BY created_at', {
      type: QueryTypes.SELECT,
    });
    expect(rows.map((r) => r.email)).to.deep.equal(stored.map(([, after]) => after));
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
