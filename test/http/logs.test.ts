import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createServer } from '../../server/app';
import { createLogger } from '../../server/logger';
import { testDb } from '../support/database';
import { request, testConfig, type TestServer } from '../support/server';

describe('logs', () => {
  it('are JSON lines with a request id and never hold a password, token or hash, even at trace level', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
    const parts = createServer(testConfig(), { sequelize: testDb().sequelize, logger: createLogger('trace', sink) });
    await new Promise<void>((resolve) => parts.httpServer.listen(0, '127.0.0.1', resolve));
    const server: TestServer = { url: `http://127.0.0.1:${(parts.httpServer.address() as { port: number }).port}`, parts, close: () => parts.close() };
    try {
      const password = 'a very secret password';
      const email = `logs-${Date.now()}@example.com`;
      const reg = await request(server, 'POST', '/api/auth/register', { body: { email, password, name: 'Logs' } });
      const login = await request(server, 'POST', '/api/auth/login', { body: { email, password } });
      await request(server, 'POST', '/api/auth/login', { body: { email, password: `${password} wrong` } });
      await request(server, 'GET', '/api/auth/me', { token: login.body.token });
      await request(server, 'GET', '/api/auth/me', { token: 'not.a.token' });
      await request(server, 'POST', '/api/auth/login', { body: `{"email":"${email}","password":"${password}"` }); // malformed JSON

      expect(lines.length).to.be.greaterThan(5);
      const parsed = lines.map((l) => JSON.parse(l));
      expect(parsed.filter((l) => l.req?.id).length, 'request lines carry an id').to.be.greaterThan(5);
      const all = lines.join('\n');
      for (const secret of [password, reg.body.token, login.body.token, 'not.a.token']) expect(all).not.to.include(secret);
      expect(all).not.to.match(/\$2[aby]\$\d\d\$/);
    } finally {
      await server.close();
    }
  });
});
