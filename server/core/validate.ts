/** The edge's checks: a payload's shape and size before validation, then its schema. */
import type Joi from 'joi';
import { AppError } from './errors';

/** Validates `input` with `schema` and returns the cleaned value, or throws a validation_error. */
export function validate<T>(schema: Joi.Schema<T>, input: unknown): T {
  // before Joi or anything recursive walks it: a deeply nested value must not reach them
  if (nestedTooDeep(input)) throw tooDeep();
  const result = schema.validate(input ?? {}, { abortEarly: false, stripUnknown: true, convert: true });
  if (result.error) {
    const details = result.error.details.map((d) => ({ path: d.path.join('.'), message: d.message }));
    throw new AppError('validation_error', details.map((d) => d.message).join('; '), details);
  }
  // PostgreSQL text cannot hold U+0000 (and the driver would store it altered): refuse it
  const { value } = result;
  const nul = nulPath(value);
  if (nul) {
    const message = `"${nul.join('.') || 'value'}" must not contain the NUL character`;
    throw new AppError('validation_error', message, [{ path: nul.join('.'), message }]);
  }
  return value;
}

/**
 * How many levels of objects and arrays a payload may nest. The contract's deepest legitimate
 * payload is about 3 (`{patch: {...}}`, `{cursors: {...}}`); anything past this is refused.
 */
export const MAX_PAYLOAD_DEPTH = 16;

const tooDeep = () =>
  new AppError('validation_error', `The payload is nested more than ${MAX_PAYLOAD_DEPTH} levels deep`);

/**
 * Whether `value` nests objects or arrays more than `max` levels deep (a top-level object or array is
 * level 1). Iterative, with its own stack and never descending past `max`, so any depth (100,000
 * nested arrays, a cycle) is answered without recursion or a stack overflow.
 */
function nestedTooDeep(value: unknown, max = MAX_PAYLOAD_DEPTH): boolean {
  const stack: Array<{ value: object; depth: number }> = [];
  const push = (inner: unknown, depth: number) => {
    if (inner !== null && typeof inner === 'object') stack.push({ value: inner, depth });
  };
  push(value, 1);
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (item.depth > max) return true;
    const v = item.value;
    if (v instanceof Date || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue; // leaves (binary attachments)
    if (Array.isArray(v)) for (const inner of v) push(inner, item.depth + 1);
    else for (const key of Object.keys(v)) push((v as Record<string, unknown>)[key], item.depth + 1);
  }
  return false;
}

/**
 * The checks of a raw payload before it is validated (the socket wrapper calls it for every event):
 * validation_error when it nests deeper than MAX_PAYLOAD_DEPTH, payload_too_large when its JSON is
 * over `maxBytes`. The depth is checked first, as JSON.stringify itself recurses.
 */
export function checkPayload(payload: unknown, maxBytes: number): void {
  if (nestedTooDeep(payload)) throw tooDeep();
  const json = JSON.stringify(payload ?? null) as string | undefined; // undefined for a function or symbol
  if (Buffer.byteLength(json ?? '') > maxBytes) throw new AppError('payload_too_large');
}

/** The path of the first string containing U+0000 in a validated value, if any. */
function nulPath(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || value instanceof Date) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = nulPath(inner, [...path, key]);
    if (found) return found;
  }
  return undefined;
}
