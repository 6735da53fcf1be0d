/**
 * The check of real answers against the documents (test/support/contract.ts), which the test kit runs on
 * every HTTP answer, ack and server event: it passes the server's real answers and refuses shapes the
 * documents do not describe.
 */
import { expect } from 'chai';
import * as ex from '../../server/docs/examples';
import {
  checkAck,
  checkConnectError,
  checkEvent,
  checkHttp,
  ContractMismatch,
  contractStats,
} from '../support/contract';
import { devices, next, ok, registerUser, request, useServer } from '../support/server';

const json = (status: number, body: unknown) => ({
  status,
  contentType: 'application/json; charset=utf-8',
  text: JSON.stringify(body),
  body,
});

const refused = (fn: () => void, why: RegExp) => expect(fn).to.throw(ContractMismatch, why);

describe('answers checked against the API documents', function () {
  this.timeout(60_000);

  it('refuses HTTP answers the OpenAPI document does not describe', () => {
    checkHttp('GET', '/api/auth/me', json(200, { user: ex.user })); // as documented
    const { createdAt: _, ...noCreatedAt } = ex.user;
    refused(() => checkHttp('GET', '/api/auth/me', json(200, { user: noCreatedAt })), /required property 'createdAt'/);
    refused(
      () => checkHttp('POST', `/api/lists/${ex.ids.list}/tasks`, json(201, { task: { ...ex.task, extra: 1 } })),
      /additional properties/,
    );
    refused(
      () => checkHttp('GET', '/api/lists', json(404, { error: ex.errors.not_found })),
      /status 404 is not documented/,
    );
    refused(
      () => checkHttp('POST', '/api/lists', json(409, { error: ex.errors.validation_error })),
      /must be equal to one of the allowed values/,
    );
    refused(
      () => checkHttp('DELETE', `/api/tasks/${ex.ids.task}`, { status: 204, contentType: null, text: '{}', body: {} }),
      /a body where the document says none/,
    );
    refused(() => checkHttp('GET', '/nowhere', json(404, { oops: true })), /required property 'error'/);
    refused(
      () => checkHttp('GET', '/health', { status: 200, contentType: 'text/plain', text: 'ok', body: 'ok' }),
      /content type/,
    );
  });

  it('refuses a 429 without a Retry-After of whole seconds, which the document requires', () => {
    const limited = (retryAfter?: string) => ({
      ...json(429, { error: ex.errors.rate_limited }),
      headers: new Headers(retryAfter === undefined ? {} : { 'retry-after': retryAfter }),
    });
    checkHttp('POST', '/api/lists', limited('1')); // as documented
    checkHttp('POST', '/api/auth/login', limited('900'));
    refused(() => checkHttp('POST', '/api/lists', limited()), /no Retry-After header/);
    refused(() => checkHttp('POST', '/api/auth/login', limited('0')), /not a whole number of at least 1/);
    refused(() => checkHttp('GET', '/api/auth/me', limited('soon')), /not a whole number/);
  });

  it('refuses acks and events the AsyncAPI document does not describe, and unknown handshake messages', () => {
    checkAck('list:share', { ok: true, data: { member: ex.member, seq: 2 } });
    refused(() => checkAck('list:share', { ok: true, data: { member: ex.member } }), /required property 'seq'/);
    refused(
      () => checkAck('list:members', { ok: false, error: ex.errors.conflict }),
      /must be equal to one of the allowed values/,
    );
    refused(() => checkAck('task:crate', { ok: true, data: {} }), /required property 'error'/);
    checkEvent('task:deleted', ex.deleted);
    refused(() => checkEvent('task:deleted', { ...ex.deleted, seq: '7' }), /must be integer/);
    refused(() => checkEvent('task:moved', {}), /no such server event/);
    checkConnectError('too_many_connections');
    refused(() => checkConnectError('forbidden'), /not a documented handshake message/);
  });

  describe('in the test kit', () => {
    const server = useServer();
    const open = devices(server);

    it('request(), ok() and next() check what they answer', async () => {
      const before = { ...contractStats };
      const alice = await registerUser(server()); // request()
      const phone = await open(alice.token);
      const laptop = await open(alice.token);
      const created = next(laptop, 'list:created');
      await ok(phone, 'list:create', { name: 'Checked' });
      await created;
      await request(server(), 'GET', '/api/lists', { token: alice.token });
      expect(contractStats.http - before.http, 'HTTP answers').to.be.at.least(2);
      expect(contractStats.acks - before.acks, 'acks').to.be.at.least(1);
      expect(contractStats.events - before.events, 'events').to.be.at.least(1);
    });
  });
});
