/** The shapes the API documents' builders describe routes and events in (openapi.ts, asyncapi.ts, and the domains' parts such as people.ts). */
import type Joi from 'joi';
import type { ErrorCode } from '../../shared/types';
import type { JsonSchema } from './schemas';

export type Method = 'get' | 'post' | 'patch' | 'delete';
export type Errors = Partial<Record<ErrorCode, string>>;

export interface Answer {
  status: number;
  description: string;
  /** A JSON body; none for a 204. */
  schema?: Joi.Schema;
  example?: unknown;
  /** A body of another type than JSON. */
  media?: { type: string; schema: JsonSchema };
  /** Headers beyond x-request-id. */
  headers?: Record<string, JsonSchema>;
}

export interface RouteDoc {
  method: Method;
  /** The OpenAPI path template (`{listId}`, where Express has `:listId`). */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description: string;
  bearer?: boolean;
  body?: { schema: Joi.Schema; example: unknown; required: boolean; patch?: (schema: JsonSchema) => void };
  query?: Joi.ObjectSchema;
  /** Parameters beyond the path's and the query's (a cookie, a request header). */
  parameters?: JsonSchema[];
  ok: Answer[];
  errors: Errors;
}

/** A client event, as the AsyncAPI document and the events page describe it. */
export interface ClientEventDoc {
  summary: string;
  /** Who may send it. */
  who: string;
  description: string;
  errors: Partial<Record<ErrorCode, string>>;
}
