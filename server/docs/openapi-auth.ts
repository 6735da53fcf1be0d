/** The OpenAPI routes of accounts and tokens: /api/auth/... (openapi.ts assembles the document). */
import { authResultSchema, httpBodySchemas, tokenSchema } from '../../shared/responses';
import { loginSchema, registerSchema } from '../../shared/schemas';
import * as ex from './examples';
import type { RouteDoc } from './doc-types';
import {
  DB,
  BEARER,
  CHANGE,
  HASHING_BUSY,
  DEVICE_COOKIE_HEADER,
  DEVICE_COOKIE_PARAM,
  describeProp,
} from './openapi-common';

export const AUTH_ROUTES: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/auth/register',
    operationId: 'register',
    tag: 'auth',
    summary: 'Create an account',
    description:
      'Creates the user and their first list, `Inbox`, and answers a token and a device cookie. The email is ' +
      'trimmed and stored in one form: lower case, Unicode NFC, an internationalized domain in punycode ' +
      '(`bücher.example` is `xn--bcher-kva.example`); invisible and bidirectional control characters ' +
      '(U+200B, U+202E, ...) are refused. The password is 8 to 72 bytes. In Swagger UI, a successful ' +
      'register or login authorizes the page with the token it answers (kept in localStorage until a log out).',
    body: {
      schema: registerSchema,
      example: { email: 'ada@example.com', password: 'correct horse', name: 'Ada' },
      required: true,
      patch: (s) => describeProp(s, 'password', '8 to 72 bytes (UTF-8)'),
    },
    ok: [
      {
        status: 201,
        description: 'The new user, a token and its expiry',
        schema: authResultSchema,
        example: ex.auth,
        headers: DEVICE_COOKIE_HEADER,
      },
    ],
    errors: {
      ...DB,
      validation_error:
        'A bad email (invisible or bidirectional control characters included), a password not 8 to 72 bytes, an empty name, or a malformed request',
      email_taken: 'An account with this email exists',
      rate_limited: 'Too many register and login attempts from this address (AUTH_RATE_LIMIT a minute)',
      unavailable: HASHING_BUSY,
    },
  },
  {
    method: 'post',
    path: '/api/auth/login',
    operationId: 'login',
    tag: 'auth',
    summary: 'Log in',
    description:
      'Answers a token and a new device cookie. An unknown email, a wrong password and a password over 72 bytes ' +
      'get the same 401. The email is normalized as for register. Failed logins are limited per account: ' +
      'LOGIN_FAILURE_LIMIT per address and ten times as many over all addresses in 15 minutes; a device that ' +
      'presents the device cookie of an earlier sign-in of this account is counted on its own instead ' +
      '(LOGIN_FAILURE_LIMIT in 15 minutes) and is not held by the account\u2019s lockout.',
    body: {
      schema: loginSchema,
      example: { email: 'ada@example.com', password: 'correct horse' },
      required: true,
    },
    parameters: [DEVICE_COOKIE_PARAM],
    ok: [
      {
        status: 200,
        description: 'The user, a token and its expiry',
        schema: authResultSchema,
        example: ex.auth,
        headers: DEVICE_COOKIE_HEADER,
      },
    ],
    errors: {
      ...DB,
      validation_error: 'A missing or empty field, an email that is not an address, or a malformed request',
      invalid_credentials: 'Unknown email or wrong password (the same body for both)',
      rate_limited:
        'Too many attempts from this address, or too many failed logins for this account (even the right password is refused until the window passes; not for a known device), or from this known device',
      unavailable: HASHING_BUSY,
    },
  },
  {
    method: 'get',
    path: '/api/auth/me',
    operationId: 'me',
    tag: 'auth',
    summary: 'The caller',
    description: 'The user the token belongs to. Counts one unit of the user\u2019s event budget.',
    bearer: true,
    ok: [{ status: 200, description: 'The user', schema: httpBodySchemas.me, example: { user: ex.user } }],
    errors: CHANGE,
  },
  {
    method: 'post',
    path: '/api/auth/refresh',
    operationId: 'refresh',
    tag: 'auth',
    summary: 'A new token for a valid one',
    description:
      'Trades a token that has not expired for a new one. The old token stays valid until its own expiry ' +
      '(or its log out). A socket takes the new token with `auth:refresh`. Counts one unit of the user\u2019s ' +
      'event budget.',
    bearer: true,
    ok: [
      {
        status: 200,
        description: 'The new token',
        schema: tokenSchema,
        example: { token: ex.ids.token, expiresAt: '2026-11-24T11:50:00.000Z' },
      },
    ],
    errors: CHANGE,
  },
  {
    method: 'post',
    path: '/api/auth/logout',
    operationId: 'logout',
    tag: 'auth',
    summary: 'Log out this device',
    description:
      'Ends this session on the server: the token sent is refused from now on (401), and every open socket ' +
      'running on it (connected with it, or moved to it by `auth:refresh`), on every server node, is ' +
      'disconnected. The user\u2019s other tokens, and so their other devices, are not affected. Swagger UI ' +
      'forgets the token it kept.',
    bearer: true,
    ok: [{ status: 204, description: 'Done; no body' }],
    errors: BEARER,
  },
  {
    method: 'post',
    path: '/api/auth/logout-all',
    operationId: 'logoutAll',
    tag: 'auth',
    summary: 'Log out everywhere',
    description:
      'Every token issued to the user so far is refused from now on, and every open socket of the user, ' +
      'on every server node, is disconnected.',
    bearer: true,
    ok: [{ status: 204, description: 'Done; no body' }],
    errors: BEARER,
  },
];
