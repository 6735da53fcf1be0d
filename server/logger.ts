/** Structured JSON logs; secrets are redacted wherever they appear. */
import pino from 'pino';

export type Logger = pino.Logger;

const REDACT = [
  'password', 'token', 'passwordHash', 'jwtSecret',
  '*.password', '*.token', '*.passwordHash', '*.jwtSecret',
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { app: 'todo-server' } });
}
