/** What a server logs, captured: every JSON line as text and parsed, and a wait for a line to come. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../server/core/logger';

/** A pino JSON line: the fields the tests read, typed; any other field is unknown. */
export interface LogLine {
  level: number;
  msg?: string;
  /** pino-http's request, on the lines of a request. */
  req?: { id: string; [key: string]: unknown };
  /** pino-http's response, on the line that ends a request. */
  res?: { statusCode: number; [key: string]: unknown };
  /** A serialized error. */
  err?: { type?: string; message: string; code?: string; [key: string]: unknown };
  /** The socket event, on the lines of the event wrapper. */
  event?: string;
  [key: string]: unknown;
}

export interface CapturedLogs {
  /** A logger at `level` writing here (give it to startServer). */
  logger: Logger;
  /** Every line written, parsed, in order. */
  lines: LogLine[];
  /** The same lines as written. */
  texts: string[];
  /** The first line matching `test`, now or as soon as it is written, or an error after `timeoutMs`. */
  logged: (test: (line: LogLine) => boolean, timeoutMs?: number) => Promise<LogLine>;
}

/** A logger whose lines are kept for the test to read and wait for. */
export function captureLogs(level: string): CapturedLogs {
  const lines: LogLine[] = [];
  const texts: string[] = [];
  const waiters: Array<(line: LogLine) => void> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const text of String(chunk).split('\n').filter(Boolean)) {
        const line = JSON.parse(text) as LogLine;
        texts.push(text);
        lines.push(line);
        for (const waiter of [...waiters]) waiter(line);
      }
      done();
    },
  });
  function logged(test: (line: LogLine) => boolean, timeoutMs = 5000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const found = lines.find(test);
      if (found) {
        resolve(found);
        return;
      }
      const timer = setTimeout(() => {
        remove();
        reject(new Error(`no such log line within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (line: LogLine) => {
        if (!test(line)) return;
        remove();
        clearTimeout(timer);
        resolve(line);
      };
      const remove = () => {
        waiters.splice(waiters.indexOf(waiter), 1);
      };
      waiters.push(waiter);
    });
  }
  return { logger: createLogger(level, sink), lines, texts, logged };
}
