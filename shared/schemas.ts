/**
 * Joi schemas for every request of the wire contract. The server validates with them
 * (`abortEarly: false, stripUnknown: true`); clients may use them to check input before sending.
 */
import Joi from 'joi';
import { LIMITS } from './limits';

const id = Joi.string().guid({ version: ['uuidv1', 'uuidv4', 'uuidv5', 'uuidv6', 'uuidv7', 'uuidv8'] });
const mutationId = id;
const bytesBetween = (min: number, max: number) => (value: string, helpers: Joi.CustomHelpers) => {
  const n = new TextEncoder().encode(value).length;
  return n < min || n > max ? helpers.message({ custom: `{{#label}} must be ${min} to ${max} bytes` }) : value;
};

export const email = Joi.string().trim().lowercase().email({ tlds: false }).max(LIMITS.emailMax);
export const password = Joi.string().custom(bytesBetween(LIMITS.passwordMinBytes, LIMITS.passwordMaxBytes));
const userName = Joi.string().trim().min(1).max(LIMITS.userNameMax);
const listName = Joi.string().trim().min(1).max(LIMITS.listNameMax);
const title = Joi.string().trim().min(1).max(LIMITS.titleMax);
const notes = Joi.string().allow('').max(LIMITS.notesMax);
const dueAt = Joi.date().iso().allow(null);
const priority = Joi.number().integer().min(0).max(LIMITS.priorityMax);
const position = Joi.string().min(LIMITS.positionMin).max(LIMITS.positionMax);
const version = Joi.number().integer().min(1);
const seq = Joi.number().integer().min(0);

export const registerSchema = Joi.object({ email: email.required(), password: password.required(), name: userName.required() });
export const loginSchema = Joi.object({ email: email.required(), password: Joi.string().required() });

export const listCreateSchema = Joi.object({ id, name: listName.required(), mutationId });
export const listRenameSchema = Joi.object({ id: id.required(), name: listName.required(), mutationId });
export const listDeleteSchema = Joi.object({ id: id.required(), mutationId });
export const listShareSchema = Joi.object({
  listId: id.required(), email: email.required(), role: Joi.string().valid('editor', 'viewer').required(),
});
export const listUnshareSchema = Joi.object({ listId: id.required(), userId: id.required() });
export const listMembersSchema = Joi.object({ listId: id.required() });

const taskFields = { title, notes, dueAt, priority, position };
export const taskCreateSchema = Joi.object({ ...taskFields, title: title.required(), listId: id.required(), id, mutationId });
export const taskPatchSchema = Joi.object({ ...taskFields, completed: Joi.boolean(), listId: id }).min(1);
export const taskUpdateSchema = Joi.object({ id: id.required(), patch: taskPatchSchema.required(), expectedVersion: version, mutationId });
export const taskDeleteSchema = Joi.object({ id: id.required(), expectedVersion: version, mutationId });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Cursors by list id; keys are checked (not silently dropped) and lower-cased like the server's ids. */
const cursors = Joi.object().pattern(Joi.string(), seq.required()).custom((value: Record<string, number>, helpers) => {
  const bad = Object.keys(value).find((key) => !UUID.test(key));
  if (bad !== undefined) return helpers.message({ custom: `cursors key "${bad.slice(0, 40)}" is not a list id` });
  return Object.fromEntries(Object.entries(value).map(([key, n]) => [key.toLowerCase(), n]));
});
export const syncSchema = Joi.object({ cursors });
export const authRefreshSchema = Joi.object({ token: Joi.string().max(4096).required() });

/** REST bodies that differ from the socket payloads: ids come from the path. */
export const restTaskCreateSchema = taskCreateSchema.keys({ listId: id });
export const restTaskPatchSchema = taskPatchSchema.keys({ expectedVersion: version, mutationId });
export const uuidParam = id.required();
export const restTaskDeleteSchema = Joi.object({ expectedVersion: version, mutationId });

/**
 * GET /api/lists/:listId/tasks?limit&after: `limit` 1 to LIMITS.taskPage (the default), `after` the
 * opaque `next` of the previous page (base64url; the server checks what it holds).
 */
export const taskPageQuerySchema = Joi.object({
  limit: Joi.number().integer().min(1).max(LIMITS.taskPage).default(LIMITS.taskPage),
  after: Joi.string().max(4096).pattern(/^[A-Za-z0-9_-]+$/),
});
