/**
 * JSON Schemas for the API documents, converted from the joi schemas of shared/ by joi-to-json. Entities
 * (joi schemas with an id, such as `Task`) become named components that the rest refers to with `$ref`.
 * What joi-to-json cannot express is mapped by hand here, in one place: see `HAND_MAPPED`.
 */
import type Joi from 'joi';
import parse from 'joi-to-json';
import { ERROR_STATUS, type ErrorCode } from '../../shared/types';

export type JsonSchema = Record<string, unknown>;

/** Where the components live in both documents (OpenAPI 3.1 and AsyncAPI 3 use the same path). */
export const COMPONENTS = '#/components/schemas/';
export const ref = (name: string): JsonSchema => ({ $ref: COMPONENTS + name });

const UNKNOWN_DROPPED = 'Unknown fields are dropped, not refused.';

/**
 * Hand-mapped parts, by property name: `cursors` is a map of list id to seq, and an activity's
 * `changes` a map of field to [old, new] (joi's `.pattern()`, which joi-to-json turns into an object
 * with no properties allowed at all).
 */
const HAND_MAPPED: Partial<Record<string, (schema: JsonSchema) => JsonSchema>> = {
  cursors: (schema) => ({
    type: 'object',
    description: schema.description ?? 'A seq by list id',
    propertyNames: { format: 'uuid' },
    additionalProperties: { type: 'integer', minimum: 0 },
  }),
  changes: (schema) => ({
    type: ['object', 'null'],
    description: schema.description,
    additionalProperties: { type: 'array', minItems: 2, maxItems: 2, description: '[old, new]' },
  }),
};

/** Schemas converted once, and the named components they refer to. */
export class SchemaSet {
  readonly components: Record<string, JsonSchema> = {};

  /** An answer of the server: exactly the keys of its type (`additionalProperties: false`). */
  answer(joi: Joi.Schema): JsonSchema {
    return this.convert(joi);
  }

  /** A request: the server drops unknown fields (`stripUnknown`), so the documents allow them. */
  request(joi: Joi.Schema, patch: (schema: JsonSchema) => void = () => undefined): JsonSchema {
    const schema = allowUnknown(this.convert(joi));
    schema.description = [schema.description, UNKNOWN_DROPPED].filter(Boolean).join(' ');
    patch(schema);
    return schema;
  }

  /** An error answer whose code is one of `codes`. */
  error(codes: readonly ErrorCode[]): JsonSchema {
    return { allOf: [ref('ApiError'), { properties: { code: { enum: [...codes] } } }] };
  }

  private convert(joi: Joi.Schema): JsonSchema {
    const schema = parse(joi as Parameters<typeof parse>[0], 'open-api-3.1') as JsonSchema;
    const defs = schema.schemas as Record<string, JsonSchema> | undefined;
    delete schema.schemas;
    for (const [name, def] of Object.entries(defs ?? {})) this.components[name] ??= handMap(def);
    return handMap(schema);
  }
}

/** The codes of `ERROR_STATUS` answered with `status`. */
export const codesOf = (status: number): ErrorCode[] =>
  (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => ERROR_STATUS[code] === status);

function handMap(schema: JsonSchema): JsonSchema {
  const props = schema.properties as Record<string, JsonSchema> | undefined;
  if (props)
    for (const [key, value] of Object.entries(props)) {
      const mapped = HAND_MAPPED[key];
      props[key] = mapped ? mapped(value) : handMap(value);
    }
  if (schema.items && typeof schema.items === 'object') schema.items = handMap(schema.items as JsonSchema);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const)
    if (Array.isArray(schema[key])) schema[key] = (schema[key] as JsonSchema[]).map(handMap);
  return schema;
}

function allowUnknown(schema: JsonSchema): JsonSchema {
  if (schema.additionalProperties === false) delete schema.additionalProperties;
  const props = schema.properties as Record<string, JsonSchema> | undefined;
  if (props) for (const value of Object.values(props)) allowUnknown(value);
  return schema;
}
