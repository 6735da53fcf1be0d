/**
 * The API documents: valid for their official parsers, served as built, their examples true to their
 * schemas, and the pages (/docs, /docs/events) served from this server only, under a CSP that lets them run.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { Parser } from '@asyncapi/parser';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { expect } from 'chai';
import { ClientEvent, ServerEvent } from '../../shared/events';
import { asyncApiDocument, openApiDocument } from '../../server/docs/documents';
import { request, useServer } from '../support/server';

type Json = Record<string, unknown>;

/** Every `[schema, example, where]` a document gives: response and request examples, message examples. */
function examplesOf(doc: Json): [Json, unknown, string][] {
  const out: [Json, unknown, string][] = [];
  const media = (content: Json | undefined, where: string) => {
    for (const [type, m] of Object.entries((content ?? {}) as Record<string, Json>)) {
      const schema = m.schema as Json;
      if ('example' in m) out.push([schema, m.example, `${where} ${type}`]);
      for (const [name, e] of Object.entries((m.examples ?? {}) as Record<string, Json>))
        out.push([schema, e.value, `${where} ${type} ${name}`]);
    }
  };
  for (const [path, methods] of Object.entries((doc.paths ?? {}) as Record<string, Record<string, Json>>))
    for (const [method, op] of Object.entries(methods)) {
      media((op.requestBody as Json | undefined)?.content as Json | undefined, `${method} ${path} request`);
      for (const [status, r] of Object.entries(op.responses as Record<string, Json>))
        media(r.content as Json | undefined, `${method} ${path} ${status}`);
    }
  for (const [key, m] of Object.entries(((doc.components as Json).messages ?? {}) as Record<string, Json>))
    for (const e of (m.examples ?? []) as { name: string; payload: unknown }[])
      out.push([m.payload as Json, e.payload, `message ${key} ${e.name}`]);
  return out;
}

describe('API documents', function () {
  this.timeout(60_000);

  it('the OpenAPI document is valid OpenAPI 3.1 for swagger-parser, every $ref resolved', async () => {
    const doc = openApiDocument();
    expect(doc.openapi).to.equal('3.1.0');
    const api = await SwaggerParser.validate(structuredClone(doc) as never);
    expect(Object.keys(api.paths ?? {})).to.have.length.greaterThan(10);
  });

  it('the AsyncAPI document parses with @asyncapi/parser without an error or a warning', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(asyncApiDocument()));
    const serious = diagnostics
      .filter((d) => (d.severity as number) <= 1) // 0 error, 1 warning (2 information, 3 hint)
      .map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`);
    expect(serious).to.deep.equal([]);
    expect(document, 'parsed').to.not.equal(undefined);
    const events = (kind: 'send' | 'receive') =>
      document!
        .operations()
        .all()
        .filter((op) => op.action() === kind)
        .map((op) => op.extensions().get('x-socketio')?.value<{ event?: string }>().event)
        .filter((e) => e !== undefined)
        .sort();
    expect(events('receive'), 'client events').to.deep.equal(Object.values(ClientEvent).sort());
    expect(events('send'), 'server events').to.deep.equal(Object.values(ServerEvent).sort());
    const ops = document!.operations().all();
    for (const op of ops.filter((o) => o.action() === 'receive'))
      expect(op.reply()?.messages().all().length, `${String(op.id())} replies ok and error`).to.equal(2);
  });

  it('every example in both documents matches its schema', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    let checked = 0;
    for (const [id, doc] of [
      ['openapi.json', openApiDocument()],
      ['asyncapi.json', asyncApiDocument()],
    ] as const) {
      ajv.addSchema({ $id: `${id}-components`, components: doc.components });
      for (const [schema, example, where] of examplesOf(doc)) {
        // each schema is checked where it sits, so that its $refs resolve in its document
        const validate = ajv.compile(resolveRefs(schema, `${id}-components`));
        expect(validate(example), `${id} ${where}: ${JSON.stringify(validate.errors)}`).to.equal(true);
        checked++;
      }
    }
    expect(checked, 'examples checked').to.be.greaterThan(80);
  });

  describe('served', () => {
    const server = useServer();

    it('/openapi.json and /asyncapi.json answer the documents as built', async () => {
      for (const [path, doc] of [
        ['/openapi.json', openApiDocument()],
        ['/asyncapi.json', asyncApiDocument()],
      ] as const) {
        const res = await request(server(), 'GET', path);
        expect(res.status, path).to.equal(200);
        expect(res.headers.get('content-type'), path).to.match(/^application\/json/);
        expect(res.body, path).to.deep.equal(doc);
      }
    });

    it('/docs is Swagger UI from this server only: its files are served here, no inline script, a CSP that allows them', async () => {
      const res = await request<string>(server(), 'GET', '/docs');
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
      const page = res.body;
      expect(page, 'no inline script').not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/);
      const urls = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      expect(
        urls.filter((u) => !u.startsWith('/')),
        'nothing from another origin',
      ).to.deep.equal([]);
      for (const url of urls.filter((u) => u.startsWith('/docs/assets/'))) {
        const asset = await fetch(server().url + url);
        expect(asset.status, url).to.equal(200);
        expect((await asset.arrayBuffer()).byteLength, url).to.be.greaterThan(100);
      }
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).to.include("script-src 'self'").and.include("default-src 'self'");
      expect(csp, 'plain HTTP must keep working').not.to.include('upgrade-insecure-requests');
      // only the files the page needs: not the package's own index.html (which points at a petstore)
      for (const other of [
        '/docs/assets/index.html',
        '/docs/assets/swagger-initializer.js',
        '/docs/assets/../package.json',
      ])
        expect((await request(server(), 'GET', other)).status, other).to.equal(404);
    });

    it('/docs/events renders the AsyncAPI document: every event, its payload fields and error codes', async () => {
      const res = await request<string>(server(), 'GET', '/docs/events');
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
      expect(res.body).not.to.include('<script');
      for (const event of [...Object.values(ClientEvent), ...Object.values(ServerEvent)])
        expect(res.body, event).to.include(`<h3>${event}</h3>`);
      expect(res.body).to.include('too_many_connections').and.include('expectedVersion').and.include('limit_exceeded');
      expect(res.body).to.include('id="schema-Task"');
    });
  });
});

/** `schema` with its `#/components/...` refs pointing into the document registered as `base`. */
function resolveRefs(schema: unknown, base: string): Json {
  return JSON.parse(
    JSON.stringify(schema).replace(/"\$ref":"#\/components\//g, `"$ref":"${base}#/components/`),
  ) as Json;
}
