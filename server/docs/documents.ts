/**
 * The documents, each built on first use and kept. docs.routes.ts loads this file on the first request
 * for a document, so that neither the builders nor joi-to-json weigh on the server's start; the tests
 * import it directly.
 */
import { buildAsyncApi } from './asyncapi';
import { renderEventsPage } from './events-page';
import { buildOpenApi } from './openapi';

const once = <T>(build: () => T): (() => T) => {
  let value: { v: T } | undefined;
  return () => (value ??= { v: build() }).v;
};

export const openApiDocument = once(buildOpenApi);
export const asyncApiDocument = once(buildAsyncApi);
export const openApiJson = once(() => JSON.stringify(openApiDocument()));
export const asyncApiJson = once(() => JSON.stringify(asyncApiDocument()));
export const eventsPage = once(() => renderEventsPage(asyncApiDocument()));
