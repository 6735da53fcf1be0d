import { expect } from 'chai';
import { request, startServer, type TestServer } from '../support/server';

describe('HTTP error bodies', () => {
  let server: TestServer;
  before(async () => { server = await startServer(); });
  after(async () => { await server.close(); });

  it('answers malformed JSON with 400 validation_error and no stack trace', async () => {
    const res = await request(server, 'POST', '/api/auth/login', { body: '{"email": "a@b.c", ' });
    expect(res.status).to.equal(400);
    expect(res.body).to.deep.equal({ error: { code: 'validation_error', message: 'The body is not valid JSON' } });
  });

  it('answers a body over 64 KiB with 413 payload_too_large', async () => {
    const res = await request(server, 'POST', '/api/auth/register', { body: { email: 'a@b.co', password: 'x'.repeat(70_000), name: 'A' } });
    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('payload_too_large');
  });

  it('answers an unknown route with 404 not_found', async () => {
    const res = await request(server, 'GET', '/api/nothing-here');
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('not_found');
  });

  it('sets security headers and a request id', async () => {
    const res = await request(server, 'GET', '/health');
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(res.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-powered-by')).to.equal(null);
  });
});
