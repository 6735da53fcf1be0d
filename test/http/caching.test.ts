/**
 * What HTTP answers say to caches, and compression where it pays: `Cache-Control: no-store` on every
 * /api answer and every error; the API documents and Swagger UI's files compressed (brotli or gzip, by
 * Accept-Encoding, made once); JSON answers of 8 KiB or more compressed, smaller ones not.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { expect } from 'chai';
import type { List } from '../../shared/types';
import { inboxOf, registerUser, request, type TestServer, type TestUser, useServer } from '../support/server';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The bytes as sent. */
  wire: Buffer;
  /** The body decoded by its Content-Encoding. */
  text: string;
}

/** A GET whose bytes are kept as sent (fetch would decode them), with these request headers. */
function get(server: TestServer, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    http
      .get(server.url + path, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const wire = Buffer.concat(chunks);
          const encoding = wire.length ? res.headers['content-encoding'] : undefined; // a 304 has no body
          const decoded =
            encoding === 'br' ? zlib.brotliDecompressSync(wire) : encoding === 'gzip' ? zlib.gunzipSync(wire) : wire;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, wire, text: decoded.toString() });
        });
      })
      .on('error', reject);
  });
}

describe('caching and compression', () => {
  let user: TestUser;
  let other: TestUser;
  const server = useServer({ authRateLimit: 5 }); // the first test spends the address's attempts to see a 429
  before(async () => {
    [user, other] = [await registerUser(server()), await registerUser(server())];
  });

  it('sends every /api answer and every error Cache-Control: no-store', async () => {
    const token = user.token;
    const listId = await inboxOf(server(), token);
    const answers = [
      await request(server(), 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } }),
      await request(server(), 'POST', '/api/auth/login', { body: { email: user.email, password: 'wrong password' } }),
      await request(server(), 'GET', '/api/auth/me', { token }),
      await request(server(), 'POST', '/api/auth/refresh', { token }),
      await request(server(), 'GET', '/api/lists', { token }),
      await request(server(), 'POST', '/api/lists', { token, body: { name: 'Cached nowhere' } }),
      await request(server(), 'GET', `/api/lists/${listId}/tasks`, { token }),
      await request(server(), 'GET', '/api/lists'), // 401
      await request(server(), 'GET', '/api/nothing-here', { token }), // 404
      await request(server(), 'POST', '/api/lists', { token, body: '{"name": ' }), // 400: bad JSON
      await request(server(), 'GET', '/no-such-page'), // an error outside /api
    ];
    for (let i = 0; i < 5; i += 1)
      answers.push(
        await request(server(), 'POST', '/api/auth/login', { body: { email: 'x@example.com', password: 'y' } }),
      );
    expect(answers.map((a) => a.status)).to.include.members([200, 201, 400, 401, 404, 429]);
    for (const [i, a] of answers.entries())
      expect(a.headers.get('cache-control'), `answer ${i} (${a.status})`).to.equal('no-store');
  });

  it('sends the API documents and Swagger UI compressed as the client asks, revalidated by ETag', async () => {
    for (const [path, type] of [
      ['/openapi.json', /^application\/json/],
      ['/asyncapi.json', /^application\/json/],
      ['/docs/events', /^text\/html/],
      ['/docs/assets/swagger-ui-bundle.js', /javascript/],
      ['/docs/assets/swagger-ui.css', /^text\/css/],
    ] as const) {
      const plain = await get(server(), path);
      expect(plain.status, path).to.equal(200);
      expect(plain.headers['content-encoding'], path).to.equal(undefined);
      for (const [accept, encoding] of [
        ['br', 'br'],
        ['gzip', 'gzip'],
        ['gzip, deflate, br, zstd', 'br'], // a browser weighs them alike: the smaller
        ['br;q=0.5, gzip', 'gzip'],
        ['identity', undefined],
      ] as const) {
        const res = await get(server(), path, { 'accept-encoding': accept });
        const what = `${path} (${accept})`;
        expect(res.status, what).to.equal(200);
        expect(res.headers['content-type'], what).to.match(type);
        expect(res.headers['content-encoding'], what).to.equal(encoding);
        expect(res.headers.vary, what).to.include('Accept-Encoding');
        expect(res.text, what).to.equal(plain.text);
        if (encoding) expect(res.wire.length, what).to.be.below(plain.wire.length / 3);
        // revalidation: the same copy's ETag is a 304
        const again = await get(server(), path, {
          'accept-encoding': accept,
          'if-none-match': String(res.headers.etag),
        });
        expect(again.status, what).to.equal(304);
      }
    }
  });

  it('compresses a JSON answer of 8 KiB or more, and not a smaller one', async () => {
    const { token } = other;
    const auth = { authorization: `Bearer ${token}` };
    for (let i = 0; i < 60; i += 1)
      await request(server(), 'POST', '/api/lists', { token, body: { name: `A list with a long name, number ${i}` } });
    const plain = await get(server(), '/api/lists', auth);
    expect(plain.wire.length).to.be.above(8 * 1024);
    for (const [accept, encoding] of [
      ['gzip, deflate, br', 'br'],
      ['gzip', 'gzip'],
      ['identity', undefined],
    ] as const) {
      const res = await get(server(), '/api/lists', { ...auth, 'accept-encoding': accept });
      expect(res.status).to.equal(200);
      expect(res.headers['content-encoding'], accept).to.equal(encoding);
      expect(res.headers['content-type']).to.match(/^application\/json/);
      expect(res.headers.vary).to.include('Accept-Encoding');
      expect(res.headers['cache-control']).to.equal('no-store');
      const lists = (JSON.parse(res.text) as { lists: List[] }).lists;
      expect(lists).to.have.length(61);
      if (encoding) expect(res.wire.length, accept).to.be.below(plain.wire.length / 3);
    }
    // a task page, which its route serializes itself (to charge the user by its size)
    const listId = await inboxOf(server(), token);
    for (let i = 0; i < 20; i += 1)
      await request(server(), 'POST', `/api/lists/${listId}/tasks`, {
        token,
        body: { title: `#${i}`, notes: 'n'.repeat(500) },
      });
    const page = await get(server(), `/api/lists/${listId}/tasks`, { ...auth, 'accept-encoding': 'gzip, deflate, br' });
    expect(page.status).to.equal(200);
    expect(page.headers['content-encoding']).to.equal('br');
    expect((JSON.parse(page.text) as { tasks: unknown[] }).tasks).to.have.length(20);
    expect(page.wire.length).to.be.below(4 * 1024);
    const small = await get(server(), '/api/auth/me', { ...auth, 'accept-encoding': 'gzip, br' });
    expect(small.status).to.equal(200);
    expect(small.headers['content-encoding']).to.equal(undefined);
  });
});
