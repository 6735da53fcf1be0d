/**
 * What every answer of the fuzz (test/fuzz/) must be: a contract ack or a contract HTTP status and
 * body, never `internal` nor a 500, never a stack or SQL, and any task or list in it within the
 * contract's limits (shared CONTRACT.md, shared/limits.ts).
 */
import { expect } from 'chai';
import { LIMITS } from '../../shared/limits';
import { ERROR_STATUS, type ErrorCode } from '../../shared/types';
import type { HttpResult } from '../support/server';

export const CODES = Object.keys(ERROR_STATUS) as ErrorCode[];
/** What a stack trace, an SQL statement or a driver error looks like in an answer. */
export const LEAK =
  /\n\s+at |node_modules|sequelize|\bselect\b[\s\S]{0,200}\bfrom\b|\binsert into\b|\bsyntax error\b|violates|\brelation "|pg_catalog/i;

/** JSON.stringify, typed as it behaves: undefined for undefined, a function or a symbol. */
export const stringify = (v: unknown): string | undefined => JSON.stringify(v);

export const short = (v: unknown, n = 300): string => {
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch {
    text = String(v);
  }
  text ??= 'undefined';
  return text.length > n ? `${text.slice(0, n)}…(${text.length} chars)` : text;
};
export const jsonBytes = (v: unknown): number => {
  try {
    return Buffer.byteLength(stringify(v) ?? '');
  } catch {
    return Infinity;
  }
};

/** Why a stored or answered task breaks the contract's limits, if it does. */
export function taskProblems(t: { title: unknown; notes: unknown; priority: unknown; position: unknown }): string[] {
  const bad: string[] = [];
  const title = String(t.title);
  if (title !== title.trim() || title.length < 1 || title.length > LIMITS.titleMax)
    bad.push(`title ${short(title, 80)}`);
  if (String(t.notes).length > LIMITS.notesMax) bad.push(`notes of ${String(t.notes).length}`);
  if (!Number.isInteger(Number(t.priority)) || Number(t.priority) < 0 || Number(t.priority) > LIMITS.priorityMax)
    bad.push(`priority ${String(t.priority)}`);
  if (String(t.position).length > LIMITS.positionMax) bad.push(`position of ${String(t.position).length}`);
  if ([t.title, t.notes, t.position].some((s) => String(s).includes('\u0000'))) bad.push('a NUL character');
  return bad;
}

export function listProblems(l: { name: unknown }): string[] {
  const name = String(l.name);
  const bad =
    name !== name.trim() || name.length < 1 || name.length > LIMITS.listNameMax ? [`name ${short(name, 80)}`] : [];
  return name.includes('\u0000') ? [...bad, 'a NUL character'] : bad;
}

/** Every task and list found in an answer respects the limits. */
export function expectEntitiesWithinLimits(data: unknown, what: string): void {
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach(walk);
      return;
    }
    const o = v as Record<string, unknown>;
    // a task (not an activity entry's `changes`, which names the same fields with [old, new] pairs)
    if ('title' in o && 'listId' in o && 'version' in o)
      expect(taskProblems(o as never), `${what}: answered task ${short(o)}`).to.deep.equal([]);
    if ('ownerId' in o && 'name' in o)
      expect(listProblems(o as never), `${what}: answered list ${short(o)}`).to.deep.equal([]);
    Object.values(o).forEach(walk);
  };
  walk(data);
}

/** `{ok:true, data}` or `{ok:false, error:{code, message, details?}}` with a contract code other than internal. */
export function expectContractAck(ack: unknown, what: string): void {
  const answer = `${what} => ${short(ack, 500)}`;
  expect(ack, answer).to.be.an('object');
  const a = ack as Record<string, unknown>;
  if (a.ok === true) {
    expect(Object.keys(a).sort(), answer).to.deep.equal(['data', 'ok']);
    expect(a.data, answer).to.not.equal(undefined);
    expectEntitiesWithinLimits(a.data, what);
  } else {
    expect(a.ok, answer).to.equal(false);
    expect(Object.keys(a).sort(), answer).to.deep.equal(['error', 'ok']);
    const e = a.error as Record<string, unknown>;
    expect(e, answer).to.be.an('object');
    expect(
      Object.keys(e).filter((k) => !['code', 'message', 'details'].includes(k)),
      answer,
    ).to.deep.equal([]);
    expect(CODES, answer).to.include(e.code);
    expect(e.code, answer).to.not.equal('internal');
    expect(e.message, answer).to.be.a('string');
  }
  expect(LEAK.test(JSON.stringify(ack)), `${answer}: leaks a stack or SQL`).to.equal(false);
}

/** A contract status and body: success statuses as given, else `{error:{code,message}}` whose code matches the status. */
export function expectContractHttp(res: HttpResult, what: string, successes: number[] = [200, 201, 204]): void {
  const text = typeof res.body === 'string' ? res.body : (stringify(res.body) ?? '');
  const answer = `${what} => ${res.status} ${short(res.body, 500)}`;
  expect(LEAK.test(text), `${answer}: leaks a stack or SQL`).to.equal(false);
  expect(res.status, answer).to.not.equal(500);
  if (res.status < 400) {
    expect(successes, answer).to.include(res.status);
    expectEntitiesWithinLimits(res.body, what);
    return;
  }
  expect(res.body, answer).to.be.an('object');
  const body = res.body as Record<string, unknown>;
  expect(Object.keys(body), answer).to.deep.equal(['error']);
  const e = body.error as Record<string, unknown>;
  expect(e, answer).to.be.an('object');
  expect(CODES, answer).to.include(e.code);
  expect(ERROR_STATUS[e.code as ErrorCode], `${answer}: code and status disagree`).to.equal(res.status);
  expect(e.code, answer).to.not.equal('internal');
  expect(e.message, answer).to.be.a('string');
}
