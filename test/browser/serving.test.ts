/** The web app as the server serves it: caching headers, the Content-Security-Policy, compression, no build. */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import express from 'express';
import { buildWeb, type WebBuild } from '../../dev/build-web';
import { webRoutes } from '../../server/http/web';
import { type ApiErrorBody, request, startServer, type TestServer } from '../support/server';

describe('web app serving', function () {
  this.timeout(60_000);
  let server: TestServer;
  let built: WebBuild;

  before(async () => {
    built = await buildWeb(); // dist/web, where the server looks (as after npm run build)
    server = await startServer();
  });
  after(() => server.close());

  it('serves index.html at / revalidated on every load, under a CSP that allows only this origin', async () => {
    const res = await request<string>(server, 'GET', '/');
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    expect(res.headers.get('cache-control')).to.equal('no-cache');
    expect(res.body).to.include(`/assets/${built.js}`).and.include(`/assets/${built.css}`);
    expect(res.body, 'no inline script').not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).to.include("default-src 'self'").and.include("script-src 'self'").and.include("connect-src 'self'");
    expect(csp, 'plain HTTP on a LAN address must keep working').not.to.include('upgrade-insecure-requests');
  });

  it('serves the hashed script and styles as immutable for a year, brotli or gzip when asked', async () => {
    for (const [name, type] of [
      [built.js, /^text\/javascript/],
      [built.css, /^text\/css/],
    ] as const) {
      for (const encoding of ['br', 'gzip', 'identity']) {
        const res = await fetch(`${server.url}/assets/${name}`, { headers: { 'accept-encoding': encoding } });
        expect(res.status, `${name} ${encoding}`).to.equal(200);
        expect(res.headers.get('content-type')).to.match(type);
        expect(res.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
        expect(res.headers.get('content-encoding') ?? 'identity').to.equal(encoding);
        const body = await res.text(); // fetch decodes br and gzip
        expect(body.length).to.be.greaterThan(100);
      }
    }
    expect(built.sizes.jsGzip, 'the gzipped script stays small').to.be.below(60 * 1024);
  });

  it('serves the service worker at /sw.js, revalidated on every load, caching this build', async () => {
    const res = await request<string>(server, 'GET', '/sw.js');
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/javascript/);
    expect(res.headers.get('cache-control')).to.equal('no-cache');
    expect(res.body).to.include(`/assets/${built.js}`).and.include(`/assets/${built.css}`);
  });

  it('keeps JSON 404s for unknown API routes and missing assets', async () => {
    for (const url of ['/api/nope', '/assets/missing-123.js', '/assets/../package.json']) {
      const res = await request<ApiErrorBody>(server, 'GET', url);
      expect(res.status, url).to.equal(404);
      expect(res.body.error.code, url).to.equal('not_found');
    }
  });

  it('answers / with a clear message when the app is not built', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'todo-web-'));
    const app = express().use(webRoutes(empty));
    const http = app.listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => http.once('listening', resolve));
      const res = await fetch(`http://127.0.0.1:${String((http.address() as AddressInfo).port)}/`);
      expect(res.status).to.equal(503);
      expect(await res.text()).to.include('npm run build');
    } finally {
      http.close();
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
