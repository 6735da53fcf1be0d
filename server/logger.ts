/** Structured JSON logs; secrets are redacted wherever they appear. */
import pino from 'pino';

export type Logger = pino.Logger;

const REDACT = [
  'password', 'token', 'passwordHash', 'jwtSecret',
  '*.password', '*.token', '*.passwordHash', '*.jwtSecret',
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
];

/** JSON lines to stdout (or to `destination`, which the tests read). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { app: 'todo-server' } }, destination);
}
