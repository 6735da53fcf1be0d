/**
 * /docs/events: the AsyncAPI document rendered as one plain HTML page (no script), generated from the
 * document itself: the handshake, each client event with its payload, ack and errors, each server event
 * with its payload and who receives it, and the schemas they refer to.
 */
import type { JsonSchema } from './schemas';

type Doc = JsonSchema;

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The bit of Markdown the documents use: `code`, **bold**, [links](url), "- " lists, paragraphs. */
export function markdown(text: string): string {
  const inline = (s: string) =>
    esc(s)
      .replace(/`([^`]+)`/g, '<code>$1</code>')
      .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
      .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '<a href="$2">$1</a>');
  return text
    .split(/\n\n+/)
    .map((block) => {
      const lines = block.split('\n');
      if (lines.every((l) => l.startsWith('- ')))
        return `<ul>${lines.map((l) => `<li>${inline(l.slice(2))}</li>`).join('')}</ul>`;
      return `<p>${inline(block)}</p>`;
    })
    .join('\n');
}

/** Follows a local `$ref` (`#/a/b/c`) in the document. */
function resolve(doc: Doc, node: JsonSchema): JsonSchema {
  const target = node.$ref;
  if (typeof target !== 'string') return node;
  let at: unknown = doc;
  for (const part of target.slice(2).split('/')) at = (at as Record<string, unknown>)[part];
  return resolve(doc, at as JsonSchema);
}

/** A string or number keyword as text; anything else as nothing. */
const text = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');

const schemaName = (node: JsonSchema): string | undefined =>
  typeof node.$ref === 'string' && node.$ref.startsWith('#/components/schemas/')
    ? node.$ref.slice('#/components/schemas/'.length)
    : undefined;

/** A short type: `string (uuid)`, `Task[]` (a link), `integer 0..3`, `"owner" | "editor"`. */
function typeOf(node: JsonSchema): string {
  const name = schemaName(node);
  if (name) return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
  if (Array.isArray(node.allOf)) return (node.allOf as JsonSchema[]).map(typeOf).join(', ');
  if (node.type === undefined && node.properties)
    // a narrowing of the schema before it (allOf): `code` one of ...
    return Object.entries(node.properties as Record<string, JsonSchema>)
      .map(([key, value]) => `<code>${esc(key)}</code> one of ${typeOf(value)}`)
      .join(', ');
  if (Array.isArray(node.anyOf)) return (node.anyOf as JsonSchema[]).map(typeOf).join(' or ');
  if (Array.isArray(node.enum)) return (node.enum as unknown[]).map((v) => esc(JSON.stringify(v))).join(' | ');
  if ('const' in node) return esc(JSON.stringify(node.const));
  const types = ([] as unknown[]).concat(node.type ?? 'any').join(' or ');
  if (node.type === 'array' && node.items) return `${typeOf(node.items as JsonSchema)}[]`;
  if (node.type === 'object' && node.additionalProperties && typeof node.additionalProperties === 'object')
    return `map of ${typeOf(node.additionalProperties as JsonSchema)}`;
  const bounds = [
    text(node.format),
    node.minimum !== undefined || node.maximum !== undefined ? `${text(node.minimum)}..${text(node.maximum)}` : '',
    node.minLength !== undefined || node.maxLength !== undefined
      ? `length ${text(node.minLength ?? 0)}..${text(node.maxLength)}`
      : '',
  ].filter(Boolean);
  return esc(types) + (bounds.length ? ` <small>(${esc(bounds.join(', '))})</small>` : '');
}

function fields(doc: Doc, schema: JsonSchema): string {
  const node = resolve(doc, schema);
  const props = node.properties as Record<string, JsonSchema> | undefined;
  if (!props || Object.keys(props).length === 0) return schemaName(schema) ? `<p>${typeOf(schema)}</p>` : '<p>{}</p>';
  const required = new Set((node.required as string[] | undefined) ?? []);
  const rows = Object.entries(props).map(([key, value]) => {
    // an object of its own (not a named schema) is shown as a table inside its row
    const nested = value.type === 'object' && value.properties ? fields(doc, value) : '';
    return `<tr><td><code>${esc(key)}</code>${required.has(key) ? '' : '?'}</td><td>${typeOf(value)}</td><td>${
      typeof value.description === 'string' ? markdown(value.description) : ''
    }${nested}</td></tr>`;
  });
  const link = schemaName(schema) ? `<p>${typeOf(schema)}</p>` : '';
  return `${link}<table><tr><th>field</th><th>type</th><th></th></tr>${rows.join('')}</table>`;
}

const example = (value: unknown): string => `<pre>${esc(JSON.stringify(value, null, 2))}</pre>`;

function message(doc: Doc, ref: JsonSchema, heading: string): string {
  const m = resolve(doc, ref);
  const payload = m.payload as JsonSchema;
  const data = (payload.properties as Record<string, JsonSchema> | undefined)?.data;
  const examples = (m.examples as { name?: string; payload: unknown }[] | undefined) ?? [];
  const notes = [m.summary, payload.description].filter((t): t is string => typeof t === 'string');
  return `<h4>${esc(heading)}</h4>${markdown(notes.join(' '))}${
    data ? fields(doc, data) : payload.properties ? fields(doc, payload) : ''
  }${examples.map((e) => example(e.payload)).join('')}`;
}

/** The page, from the AsyncAPI document. */
export function renderEventsPage(doc: Doc): string {
  const info = doc.info as { title: string; version: string; description: string };
  const operations = Object.entries(doc.operations as Record<string, JsonSchema>);
  const section = (key: string, op: JsonSchema) => {
    const reply = op.reply as { messages: JsonSchema[] } | undefined;
    const request = (op.messages as JsonSchema[])[0] as JsonSchema | undefined;
    return `<section id="${esc(key)}"><h3>${esc(String(op.title))}</h3>${markdown(String(op.description ?? op.summary))}${
      request ? message(doc, request, 'Payload') : ''
    }${(reply?.messages ?? []).map((r) => message(doc, r, String(resolve(doc, r).title))).join('')}</section>`;
  };
  const received = operations.filter(([, op]) => op.action === 'receive');
  const sent = operations.filter(([, op]) => op.action === 'send');
  const toc = (ops: [string, JsonSchema][]) =>
    `<ul class="toc">${ops.map(([key, op]) => `<li><a href="#${esc(key)}">${esc(String(op.title))}</a></li>`).join('')}</ul>`;
  const channel = Object.values(doc.channels as Record<string, JsonSchema>)[0];
  const schemas = Object.entries((doc.components as { schemas: Record<string, JsonSchema> }).schemas);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;color:#1b1b1b}
code,pre{font:13px/1.4 ui-monospace,Menlo,monospace;background:#f4f4f4}
pre{padding:.6rem;overflow:auto;border-radius:4px}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
td p{margin:0}section{border-top:1px solid #ccc;margin-top:1.5rem}h4{margin-bottom:.2rem}.toc{columns:3}
</style></head><body>
<h1>${esc(info.title)} <small>${esc(info.version)}</small></h1>
${markdown(info.description)}
<p>Machine-readable: <a href="/asyncapi.json">/asyncapi.json</a> (AsyncAPI ${esc(String(doc.asyncapi))}).</p>
<h2>Namespace ${esc(String(channel.address))}</h2>${markdown(String(channel.description))}
<h2>Client to server</h2>${toc(received)}
${received.map(([key, op]) => section(key, op)).join('\n')}
<h2>Server to client</h2>${toc(sent)}
${sent.map(([key, op]) => section(key, op)).join('\n')}
<h2>Schemas</h2>
${schemas
  .map(
    ([name, schema]) =>
      `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${
        typeof schema.description === 'string' ? markdown(schema.description) : ''
      }${fields(doc, schema)}</section>`,
  )
  .join('\n')}
</body></html>
`;
}
