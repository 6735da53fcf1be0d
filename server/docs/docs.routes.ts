/**
 * The API documents and their pages: /openapi.json, /asyncapi.json, Swagger UI at /docs (its files from
 * the swagger-ui-dist package under /docs/assets/, nothing from a CDN) and the events page at
 * /docs/events. Nothing is built or read at start-up: the builders are loaded and each document built
 * on its first request, then kept, with its brotli and gzip copies (made on the first request that
 * takes each: the documents shrink about 10 times, Swagger UI's 1.7 MB script about 4.5 times).
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler, type Router } from 'express';
import helmet from 'helmet';
import { compressedOnce } from '../core/compress';

type Documents = typeof import('./documents');
let documents: Documents | undefined;
/** The builders, loaded on the first request for a document (see documents.ts). */
const docs = (): Documents =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily, so as not to slow the server's start
  (documents ??= require('./documents') as Documents);

/** The swagger-ui-dist files the page loads; no other file of the package is served. */
const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png']);
/** Of those, the ones worth compressing (kept in memory with their compressed copies), and their type. */
const TEXT_ASSETS: Partial<Record<string, string>> = { 'swagger-ui.css': 'css', 'swagger-ui-bundle.js': 'js' };
/** As express.static sent them: cached a day. */
const ASSET_CACHE = { 'Cache-Control': 'public, max-age=86400' };

/**
 * Swagger UI's start: loads /openapi.json; a successful register or login authorizes the page with its
 * token, kept in localStorage (persistAuthorization) so that a reload stays signed in; a successful log
 * out (or log out everywhere) signs the page out and removes that token from localStorage.
 */
const INITIALIZER = `'use strict';
window.addEventListener('load', function () {
  var ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    persistAuthorization: true,
    displayRequestDuration: true,
    responseInterceptor: function (res) {
      if (res.ok && /\\/api\\/auth\\/(login|register)$/.test(res.url) && res.body && res.body.token) {
        var schema = ui.specSelectors.specJson().getIn(['components', 'securitySchemes', 'bearer']).toJS();
        ui.authActions.authorizeWithPersistOption({ bearer: { name: 'bearer', schema: schema, value: res.body.token } });
      } else if (res.ok && /\\/api\\/auth\\/logout(-all)?$/.test(res.url)) {
        ui.authActions.logoutWithPersistOption(['bearer']);
      }
      return res;
    },
  });
  window.ui = ui;
});
`;

const SWAGGER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Todo server: HTTP API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
</head><body>
<p style="font:14px system-ui,sans-serif;margin:.5rem 1.5rem">Socket.IO events: <a href="/docs/events">/docs/events</a>.
Documents: <a href="/openapi.json">/openapi.json</a>, <a href="/asyncapi.json">/asyncapi.json</a>.</p>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body></html>
`;

/**
 * helmet's default policy (scripts and styles from this origin only, no inline script; Swagger UI's
 * inline styles are allowed by it), less `upgrade-insecure-requests`, which would send the page's own
 * files and requests to https:// on a server reached over plain HTTP.
 */
const docsCsp = helmet.contentSecurityPolicy({
  useDefaults: true,
  directives: { 'upgrade-insecure-requests': null },
});

const html =
  (page: () => string): RequestHandler =>
  (_req, res) => {
    res.type('html').set('Cache-Control', 'no-cache').send(page());
  };

/** The swagger-ui-dist package's folder, looked up on the first asset request. */
const swaggerDir = () => path.dirname(require.resolve('swagger-ui-dist/package.json'));

export function docsRoutes(): Router {
  let files: RequestHandler | undefined;
  const texts = new Map<string, RequestHandler>(); // each made on its first request
  const assets: RequestHandler = (req, res, next) => {
    const name = req.path.slice(1);
    if (name === 'init.js') {
      res.type('js').set('Cache-Control', 'no-cache').send(INITIALIZER);
      return;
    }
    if (!ASSETS.has(name)) {
      next();
      return;
    }
    const type = TEXT_ASSETS[name];
    if (type && (req.method === 'GET' || req.method === 'HEAD')) {
      let text = texts.get(name);
      if (!text) {
        text = compressedOnce(() => fs.promises.readFile(path.join(swaggerDir(), name)), type, ASSET_CACHE);
        texts.set(name, text);
      }
      text(req, res, next);
      return;
    }
    files ??= express.static(swaggerDir(), { index: false, redirect: false, maxAge: '1d' });
    files(req, res, next);
  };
  const json = (body: () => string): RequestHandler => compressedOnce(body, 'json');
  return express
    .Router()
    .get(
      '/openapi.json',
      json(() => docs().openApiJson()),
    )
    .get(
      '/asyncapi.json',
      json(() => docs().asyncApiJson()),
    )
    .get(
      '/docs',
      docsCsp,
      html(() => SWAGGER_PAGE),
    )
    .get(
      '/docs/events',
      docsCsp,
      compressedOnce(() => docs().eventsPage(), 'html', { 'Cache-Control': 'no-cache' }),
    )
    .use('/docs/assets', assets);
}
