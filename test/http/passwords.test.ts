/**
 * Password hashing has its own bounded concurrency (server/auth/passwords.ts): at most
 * PASSWORD_HASH_CONCURRENCY hashes at once and PASSWORD_HASH_QUEUE waiting; beyond that, register and
 * login answer 503 `unavailable` at once, an unknown email like a known one.
 */
import { expect } from 'chai';
import { Passwords } from '../../server/auth/passwords';
import { AppError } from '../../server/core/errors';
import { type ApiErrorBody, registerUser, request, useServer } from '../support/server';

/** A job that runs until `finish()` is called, recording when it started. */
function gate(started: number[], i: number): { job: () => Promise<number>; finish: () => void } {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    job: async () => {
      started.push(i);
      await done;
      return i;
    },
    finish: () => finish(),
  };
}

describe('password hashing', () => {
  it('runs at most its concurrency at once, queues a bounded number first come first served, and refuses the rest at once', async () => {
    const passwords = new Passwords(4, 2, 3);
    const started: number[] = [];
    const gates = Array.from({ length: 8 }, (_, i) => gate(started, i));
    const outcomes = gates.map(({ job }) =>
      passwords.run(job).then(
        (i) => `done ${i}`,
        (err: unknown) => (err instanceof AppError ? err.code : 'other'),
      ),
    );
    // the refusals come at once, before anything has finished
    expect(await Promise.all(outcomes.slice(5))).to.deep.equal(['unavailable', 'unavailable', 'unavailable']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started, 'two run').to.deep.equal([0, 1]);
    gates[1].finish();
    expect(await outcomes[1]).to.equal('done 1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(started, 'the first waiter takes the slot').to.deep.equal([0, 1, 2]);
    for (const i of [0, 2, 3, 4]) {
      gates[i].finish();
      expect(await outcomes[i]).to.equal(`done ${i}`);
    }
    expect(started).to.deep.equal([0, 1, 2, 3, 4]);
    // all slots free again: a new job runs at once
    expect(await passwords.run(() => Promise.resolve('again'))).to.equal('again');
  });

  it('hashes and compares with bcrypt', async () => {
    const passwords = new Passwords(4, 1, 0);
    const hash = await passwords.hash('correct horse battery');
    expect(hash).to.match(/^\$2[aby]\$04\$/);
    expect(await passwords.compare('correct horse battery', hash)).to.equal(true);
    expect(await passwords.compare('wrong horse battery', hash)).to.equal(false);
  });

  describe('register and login while hashing is full', () => {
    const server = useServer({ passwordHashConcurrency: 1, passwordHashQueue: 0 });

    it('answer 503 unavailable at once (a known and an unknown email alike), and are served again after', async () => {
      const user = await registerUser(server());
      let release!: () => void;
      const busy = server().parts.ctx.passwords.run(() => new Promise<void>((resolve) => (release = resolve)));
      const tries = [
        ['/api/auth/login', { email: user.email, password: user.password }],
        ['/api/auth/login', { email: user.email, password: 'wrong password' }],
        ['/api/auth/login', { email: 'nobody@example.com', password: 'wrong password' }],
        ['/api/auth/register', { email: 'new@example.com', password: 'correct horse battery', name: 'New' }],
      ] as const;
      for (const [path, body] of tries) {
        const res = await request<ApiErrorBody>(server(), 'POST', path, { body });
        expect(res.status, path).to.equal(503);
        expect(res.body.error.code).to.equal('unavailable');
        expect(res.headers.get('cache-control')).to.equal('no-store');
        expect(res.headers.get('retry-after'), 'try again in a second').to.equal('1');
      }
      release();
      await busy;
      expect((await request(server(), 'POST', '/api/auth/login', { body: tries[0][1] })).status).to.equal(200);
      expect((await request(server(), 'POST', '/api/auth/login', { body: tries[2][1] })).status).to.equal(401);
    });
  });
});
