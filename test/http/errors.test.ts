import { expect } from 'chai';
import { type ApiErrorBody, registerUser, request, useServer } from '../support/server';

describe('HTTP error bodies', () => {
  const server = useServer();

  it('answers malformed JSON with 400 validation_error and no stack trace', async () => {
    const res = await request(server(), 'POST', '/api/auth/login', { body: '{"email": "a@b.c", ' });
    expect(res.status).to.equal(400);
    expect(res.body).to.deep.equal({ error: { code: 'validation_error', message: 'The body is not valid JSON' } });
  });

  it('answers a body over 64 KiB with 413 payload_too_large', async () => {
    const res = await request<ApiErrorBody>(server(), 'POST', '/api/auth/register', {
      body: { email: 'a@b.co', password: 'x'.repeat(70_000), name: 'A' },
    });
    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('payload_too_large');
  });

  it('answers a path with bad percent-encoding with 400 validation_error, not 500', async () => {
    const user = await registerUser(server());
    for (const [method, path] of [
      ['GET', '/api/lists/%E0%A4%A/tasks'],
      ['POST', '/api/lists/%ZZ/tasks'],
      ['PATCH', '/api/tasks/%E0%A4%A'],
      ['DELETE', '/api/tasks/%'],
    ]) {
      const res = await request<ApiErrorBody>(server(), method, path, {
        token: user.token,
        body: method === 'GET' ? undefined : { title: 'x' },
      });
      expect(res.status, `${method} ${path}`).to.equal(400);
      expect(res.body.error.code).to.equal('validation_error');
      expect(JSON.stringify(res.body)).not.to.match(/URIError|at .*\.js|decode/);
    }
  });

  it('answers a body nested too deeply (30,000 arrays, just under 64 KiB) with 400 validation_error', async () => {
    const user = await registerUser(server());
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    for (const body of [deep, `{"title":${deep}}`, `{"title":"x","notes":"n","extra":${deep}}`]) {
      const res = await request<ApiErrorBody>(server(), 'POST', `/api/lists/${user.user.id}/tasks`, {
        token: user.token,
        body,
      });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('validation_error');
    }
    const login = await request<ApiErrorBody>(server(), 'POST', '/api/auth/login', {
      body: `{"email":"a@b.co","password":${deep}}`,
    });
    expect(login.status).to.equal(400);
    expect(login.body.error.code).to.equal('validation_error');
    // 17 levels is refused, the contract's own payloads (about 3) are not
    const nested = (n: number): unknown => (n === 0 ? 'x' : { a: nested(n - 1) });
    const seventeen = await request<ApiErrorBody>(server(), 'PATCH', `/api/tasks/${user.user.id}`, {
      token: user.token,
      body: { title: 'x', extra: nested(16) },
    });
    expect(seventeen.status).to.equal(400);
    expect(seventeen.body.error.message).to.match(/nested/);
  });

  it('answers a body nested 100,000 deep (over 64 KiB) with 413, never a crash', async () => {
    const res = await request<ApiErrorBody>(server(), 'POST', '/api/auth/login', {
      body: `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    });
    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('payload_too_large');
    expect((await request(server(), 'GET', '/health')).status).to.equal(200);
  });

  it('answers an unknown route with 404 not_found', async () => {
    const res = await request<ApiErrorBody>(server(), 'GET', '/api/nothing-here');
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('not_found');
  });

  it('sets security headers and a request id', async () => {
    const res = await request(server(), 'GET', '/health');
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(res.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-powered-by')).to.equal(null);
  });
});
