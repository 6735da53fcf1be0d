/**
 * Builds the web app: web/main.tsx (Preact, the SDK of sdk/, socket.io-client) bundled and minified by
 * esbuild into dist/web/assets/ under content-hashed names, with a gzip and a brotli copy of each, and
 * dist/web/index.html naming them, and dist/web/sw.js, the service worker that lets the app open offline. `npm run build` runs it after tsc (`node dist/dev/build-web.js`);
 * the browser tests call buildWeb() in their before hook.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { build } from 'esbuild';
import { projectRoot } from './kit';

export interface WebBuild {
  dir: string;
  /** Asset file names (under dir/assets) of the entry's script and stylesheet. */
  js: string;
  css: string;
  /** Bytes of the script and stylesheet, raw and gzipped. */
  sizes: { js: number; css: number; jsGzip: number; cssGzip: number };
}

const html = (js: string, css: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light" />
    <meta name="theme-color" content="#1d4ed8" />
    <title>Todo</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/assets/${css}" />
    <script type="module" src="/assets/${js}"></script>
  </head>
  <body>
    <div id="app"><p class="boot">Loading…</p></div>
    <noscript>This app needs JavaScript.</noscript>
  </body>
</html>
`;

/**
 * The service worker (served at /sw.js, so its scope is the whole origin): the page and its assets are
 * kept in a cache named after this build, so the app opens without a network (its data comes from the
 * SDK's IndexedDB). The page is asked of the network first (a new build shows at once) and taken from
 * the cache when that fails; a hashed asset is taken from the cache first, since it never changes.
 * Everything else (the API, socket.io) is left alone.
 */
const serviceWorker = (version: string, files: string[]) => `'use strict';
const CACHE = 'todo-app-${version}';
const FILES = ${JSON.stringify(['/', ...files])};
self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (e) => {
  e.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('todo-app-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});
self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname === '/' || url.pathname === '/index.html') {
    e.respondWith(
      fetch(e.request)
        .then((res) => {
          if (res.ok) {
            const copy = res.clone();
            e.waitUntil(caches.open(CACHE).then((c) => c.put('/', copy)));
          }
          return res;
        })
        .catch(() => caches.match('/', { ignoreVary: true }).then((hit) => hit || Response.error())),
    );
  } else if (url.pathname.startsWith('/assets/')) {
    e.respondWith(
      // ignoreVary: the server varies on Origin (CORS), which a module script's request carries and
      // the cached one did not; a hashed asset is the same bytes for every request
      caches.match(e.request, { ignoreVary: true }).then(
        (hit) =>
          hit ||
          fetch(e.request).then((res) => {
            if (res.ok) {
              const copy = res.clone();
              e.waitUntil(caches.open(CACHE).then((c) => c.put(e.request, copy)));
            }
            return res;
          }),
      ),
    );
  }
});
`;

/** Bundles the app into `<root>/dist/web` (or `outDir`) and returns what it wrote. */
export async function buildWeb(outDir?: string): Promise<WebBuild> {
  const root = projectRoot;
  const dir = outDir ?? path.join(root, 'dist', 'web');
  const assets = path.join(dir, 'assets');
  fs.mkdirSync(assets, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['web/main.tsx'],
    tsconfig: 'web/tsconfig.json',
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    outdir: assets,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
  const js = outputs.find((f) => f.endsWith('.js'));
  const css = outputs.find((f) => f.endsWith('.css'));
  if (!js || !css) throw new Error(`the web build made no script or stylesheet: ${outputs.join(', ')}`);

  const sizes = { js: 0, css: 0, jsGzip: 0, cssGzip: 0 };
  for (const name of outputs) {
    const file = path.join(assets, name);
    const body = fs.readFileSync(file);
    const gzip = zlib.gzipSync(body, { level: 9 });
    fs.writeFileSync(`${file}.gz`, gzip);
    fs.writeFileSync(
      `${file}.br`,
      zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }),
    );
    if (name === js) Object.assign(sizes, { js: body.length, jsGzip: gzip.length });
    if (name === css) Object.assign(sizes, { css: body.length, cssGzip: gzip.length });
  }
  // the service worker, then index.html, each atomically: a server reading one meanwhile gets it whole
  const atomically = (name: string, text: string) => {
    const tmp = path.join(dir, `${name}.${String(process.pid)}.tmp`);
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, path.join(dir, name));
  };
  const page = html(js, css);
  const version = crypto.createHash('sha256').update(page).digest('hex').slice(0, 12);
  atomically('sw.js', serviceWorker(version, [`/assets/${js}`, `/assets/${css}`]));
  atomically('index.html', page);
  // the assets of earlier builds go (a page loaded from one of them revalidates index.html on its next load)
  const keep = new Set(outputs.flatMap((f) => [f, `${f}.gz`, `${f}.br`]));
  for (const name of fs.readdirSync(assets)) if (!keep.has(name)) fs.rmSync(path.join(assets, name), { force: true });
  return { dir, js, css, sizes };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

if (require.main === module) {
  buildWeb().then(
    ({ dir, sizes }) =>
      console.log(
        `web app built in ${path.relative(process.cwd(), dir) || dir}: script ${kb(sizes.js)} (${kb(sizes.jsGzip)} gzipped), styles ${kb(sizes.css)} (${kb(sizes.cssGzip)} gzipped)`,
      ),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
