/**
 * The web app at `/`: the files `npm run build` bundles from web/ into dist/web/ (index.html and
 * content-hashed assets under assets/). index.html is revalidated on every load (`no-cache`), so a new
 * build is picked up at once; the hashed assets never change under their name, so they are cached for a
 * year (`immutable`). /sw.js, the service worker that lets the app open offline, is revalidated like the
 * page. Without a build, `/` answers 503 with a message saying how to make one.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler, type Router } from 'express';
import helmet from 'helmet';
import { encodingFor } from '../core/compress';
import { projectRoot } from '../core/paths';

/** Where `npm run build` (dev/build-web.ts) writes the app. */
export const WEB_DIR = path.join(projectRoot, 'dist', 'web');

/**
 * helmet's default Content-Security-Policy (scripts, styles, fonts, images and connections from this
 * origin only; no inline scripts; socket.io's WebSocket on the same origin is `connect-src 'self'`), less
 * `upgrade-insecure-requests`, which would rewrite the app's own script and socket URLs to https:// and
 * so break the app served over plain HTTP on a LAN address (a phone opening http://192.168.x.y:3000).
 */
const appCsp = helmet.contentSecurityPolicy({
  useDefaults: true,
  directives: { 'upgrade-insecure-requests': null, 'connect-src': ["'self'"] },
});

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Todo: web app not built</title></head>
<body><h1>The web app is not built</h1>
<p>Run <code>npm run build</code> (or <code>npm start</code>, which builds first) and reload this page.
The API is served under <code>/api</code>.</p></body></html>
`;

/** The routes of the web app: `/` (and `/index.html`) and `/assets/*`, served from `dir`. */
export function webRoutes(dir: string = WEB_DIR): Router {
  const router = express.Router();
  const index = path.join(dir, 'index.html');

  const page: RequestHandler = (_req, res, next) => {
    fs.readFile(index, (err, html) => {
      if (err) {
        if (err.code !== 'ENOENT') {
          next(err);
          return;
        }
        res.status(503).type('html').set('Cache-Control', 'no-store').send(NOT_BUILT);
        return;
      }
      res.type('html').set('Cache-Control', 'no-cache').send(html);
    });
  };
  router.get(['/', '/index.html'], appCsp, page);
  // the service worker: revalidated like the page, so a new build's worker is found at the next load
  router.get('/sw.js', (_req, res, next) => {
    res.sendFile(path.join(dir, 'sw.js'), { headers: { 'Cache-Control': 'no-cache' } }, (err) => {
      if (err && !res.headersSent) next();
    });
  });
  router.use('/assets', precompressed(path.join(dir, 'assets')));
  router.use(
    '/assets',
    express.static(path.join(dir, 'assets'), {
      index: false,
      redirect: false,
      fallthrough: true, // a missing asset falls through to the JSON 404
      immutable: true,
      maxAge: '365d',
    }),
  );
  return router;
}

const ASSET_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * A script or stylesheet from its brotli or gzip copy (written by the build) when the browser takes
 * that encoding; anything else goes on to express.static.
 */
function precompressed(dir: string): RequestHandler {
  return (req, res, next) => {
    const name = path.basename(req.path);
    const type = ASSET_TYPES[path.extname(name)];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !type || name !== req.path.slice(1)) {
      next();
      return;
    }
    const encoding = encodingFor(req); // brotli when the browser weighs both alike
    if (encoding === undefined) {
      next();
      return;
    }
    const file = path.join(dir, `${name}.${encoding === 'br' ? 'br' : 'gz'}`);
    res.vary('Accept-Encoding');
    fs.stat(file, (err, stat) => {
      if (err || !stat.isFile()) {
        next();
        return;
      }
      res.set({ 'Content-Type': type, 'Content-Encoding': encoding });
      res.sendFile(file, { immutable: true, maxAge: '365d', dotfiles: 'deny' }, (sendErr) => {
        if (sendErr && !res.headersSent) next();
      });
    });
  };
}
