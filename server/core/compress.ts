/**
 * Compression where it pays, by the client's Accept-Encoding (brotli first, else gzip):
 * - `compressJson()`: JSON answers of at least 8 KiB (a user's lists, task pages), compressed per answer
 *   at the fastest levels (brotli 1: about 4.7 times smaller at about 3 ms of CPU a MiB, on libuv's
 *   thread pool, off the event loop); smaller answers are sent as they are;
 * - `compressedOnce()`: a body that never changes while the process runs (the API documents, Swagger
 *   UI's files), compressed once per encoding at a high level on its first request, then kept.
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { Request, RequestHandler, Response } from 'express';

export type Encoding = 'br' | 'gzip';

/** Below this, a JSON answer is sent as it is: it fits a few packets, and compressing saves little. */
export const COMPRESS_MIN_BYTES = 8 * 1024;

/** Per-answer level (brotli quality, gzip level): the fastest (see the header). */
const FAST = 1;
/** Once-only level: near the best, without brotli 10-11's seconds of CPU for Swagger UI's 1.7 MB (9: about 0.3 s, once). */
const BEST = 9;

/**
 * The encoding the client takes: the one of the two it weighs more (`q`), brotli when it weighs them
 * alike (browsers send `gzip, deflate, br, zstd`, and brotli is smaller); none when it takes neither.
 */
export function encodingFor(req: Request): Encoding | undefined {
  const header = req.headers['accept-encoding'] ?? '';
  const br = weight(header, 'br');
  const gzip = weight(header, 'gzip');
  if (br > 0 && br >= gzip) return 'br';
  return gzip > 0 ? 'gzip' : undefined;
}

/** The `q` an Accept-Encoding header gives `name` (its own entry, else `*`'s; 1 when an entry has no `q`, 0 when none names it). */
function weight(header: string, name: string): number {
  let any = 0;
  for (const entry of header.split(',')) {
    const [coding = '', ...params] = entry.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2)) || 0;
    if (coding === name) return value;
    if (coding === '*') any = value;
  }
  return any;
}

/** `body` compressed at `level` (brotli quality or gzip level), on libuv's thread pool. */
function compress(encoding: Encoding, body: Buffer, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, out: Buffer) => (err ? reject(err) : resolve(out));
    if (encoding === 'gzip') zlib.gzip(body, { level }, done);
    else {
      const { BROTLI_PARAM_QUALITY, BROTLI_PARAM_SIZE_HINT } = zlib.constants;
      zlib.brotliCompress(
        body,
        { params: { [BROTLI_PARAM_QUALITY]: level, [BROTLI_PARAM_SIZE_HINT]: body.length } },
        done,
      );
    }
  });
}

/**
 * Middleware: a JSON answer of at least COMPRESS_MIN_BYTES goes out compressed when the client takes it,
 * whether a route sends it with `res.json()` or as text already serialized (`res.type('json').send(text)`,
 * which `res.json()` comes to as well).
 */
export const compressJson =
  (minBytes = COMPRESS_MIN_BYTES): RequestHandler =>
  (req, res, next) => {
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      const json = /json/i.test(String(res.get('Content-Type')));
      if (typeof body !== 'string' || !json || req.method === 'HEAD' || Buffer.byteLength(body) < minBytes)
        return send(body);
      res.vary('Accept-Encoding');
      const encoding = encodingFor(req);
      if (!encoding) return send(body);
      compress(encoding, Buffer.from(body), FAST).then(
        (out) => {
          res.set('Content-Encoding', encoding);
          send(out);
        },
        () => send(body), // not expected; the answer still goes out, uncompressed
      );
      return res;
    };
    next();
  };

/** A body as sent (as it is, or one compressed copy) and its ETag. */
interface Copy {
  body: Buffer;
  etag: string;
}

/**
 * A handler that sends `load()`'s body (read or built once, on the first request) as `type`, compressed
 * by the client's Accept-Encoding; each encoding is made once and kept. ETags are computed once too,
 * so a revalidation is a 304 without reading the body.
 */
export function compressedOnce(
  load: () => Buffer | string | Promise<Buffer | string>,
  type: string,
  headers: Record<string, string> = {},
): RequestHandler {
  let identity: Promise<Copy> | undefined;
  const copies = new Map<Encoding, Promise<Copy>>();
  const copy = (body: Buffer, label: string): Copy => ({
    body,
    etag: `W/"${label}-${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
  });
  const original = () => {
    if (!identity) {
      identity = Promise.resolve()
        .then(load)
        .then((body) => copy(Buffer.from(body), 'id'));
      identity.catch(() => (identity = undefined)); // tried again on the next request
    }
    return identity;
  };
  const encoded = (encoding: Encoding) => {
    let made = copies.get(encoding);
    if (!made) {
      made = original().then(async ({ body }) => copy(await compress(encoding, body, BEST), encoding));
      copies.set(encoding, made);
      made.catch(() => copies.delete(encoding)); // tried again on the next request
    }
    return made;
  };
  const send = async (req: Request, res: Response) => {
    const encoding = encodingFor(req);
    const chosen = await (encoding ? encoded(encoding) : original());
    res.vary('Accept-Encoding').type(type).set(headers).set('ETag', chosen.etag);
    if (encoding) res.set('Content-Encoding', encoding);
    res.send(chosen.body); // Express answers 304 when the client's If-None-Match is this ETag
  };
  return (req, res, next) => {
    send(req, res).catch(next);
  };
}
