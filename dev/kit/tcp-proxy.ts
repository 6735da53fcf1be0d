/**
 * A small TCP proxy on loopback, to make network faults on purpose between a server and its database
 * or Redis (tests and the chaos run): every connection goes through it, and it can
 *   - cut every open connection (`cut()`), and refuse new ones for a while (`down()` / `up()`): a
 *     new connection is accepted and closed at once, as a dead peer's reset would;
 *   - cut the answer of a request (`cutAnswer()`): a connection that sends the markers in order
 *     (e.g. a statement's text, then `COMMIT`) gets that request through to the target, and both
 *     its sockets closed on the first bytes of the answer. The request took effect; its caller
 *     never learns it.
 * Nothing here knows PostgreSQL or Redis: markers are matched in the bytes sent.
 */
import net from 'node:net';

export interface AnswerCut {
  /** Strings the client must send, in this order (each in a later chunk than the one before, or the same). */
  markers: string[];
  /** Cut only one answer, then disarm (default: every connection that matches is cut). */
  once?: boolean;
  /** With the cut, go down (`down()`): every other connection cut too, new ones refused until `up()`. */
  thenDown?: boolean;
}

export interface TcpProxy {
  /** The loopback port it listens on. */
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's (for a DATABASE_URL or REDIS_URL). */
  through(url: string): string;
  /** Closes every open connection at once; answers how many pairs were cut. */
  cut(): number;
  /** Cuts every open connection and refuses new ones until `up()`. */
  down(): number;
  up(): void;
  /** True while `down()`. */
  readonly isDown: boolean;
  /** Arms a cut of an answer (see AnswerCut); answers a function that disarms it. */
  cutAnswer(cut: AnswerCut): () => void;
  /** Answers cut so far (by cutAnswer). */
  readonly answersCut: number;
  /** Connections open now. */
  readonly open: number;
  close(): Promise<void>;
}

interface Rule extends AnswerCut {
  spent: boolean;
}

/** Starts a proxy to `target` (host:port) on 127.0.0.1, on a free port unless `port` is given. */
export async function startTcpProxy(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
  const pairs = new Set<() => void>();
  const rules = new Set<Rule>();
  let isDown = false;
  let answersCut = 0;

  const server = net.createServer((client) => {
    if (isDown) {
      client.on('error', () => undefined);
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(closeBoth);
    };
    pairs.add(closeBoth);
    // per rule: how many of its markers this connection has sent so far
    const progress = new Map<Rule, number>();
    let armed: Rule | undefined;
    client.on('data', (chunk: Buffer) => {
      for (const rule of rules) {
        if (rule.spent || armed) continue;
        let at = progress.get(rule) ?? 0;
        let from = 0;
        while (at < rule.markers.length) {
          const i = chunk.indexOf(rule.markers[at], from);
          if (i < 0) break;
          from = i + rule.markers[at].length;
          at += 1;
        }
        progress.set(rule, at);
        if (at === rule.markers.length) armed = rule;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (armed && !armed.spent) {
        answersCut += 1;
        if (armed.once) {
          armed.spent = true;
          rules.delete(armed);
        }
        closeBoth();
        if (armed.thenDown) {
          isDown = true;
          cut();
        }
        return;
      }
      armed = undefined; // a rule spent by another connection meanwhile: this one goes on
      client.write(chunk);
    });
    for (const socket of [client, upstream]) {
      socket.on('error', closeBoth);
      socket.on('close', closeBoth);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const listening = (server.address() as net.AddressInfo).port;

  const cut = () => {
    const all = [...pairs];
    for (const closeBoth of all) closeBoth();
    return all.length;
  };
  return {
    port: listening,
    through(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(listening);
      return u.toString();
    },
    cut,
    down() {
      isDown = true;
      return cut();
    },
    up() {
      isDown = false;
    },
    get isDown() {
      return isDown;
    },
    cutAnswer(answerCut) {
      const rule: Rule = { ...answerCut, spent: false };
      rules.add(rule);
      return () => {
        rule.spent = true;
        rules.delete(rule);
      };
    },
    get answersCut() {
      return answersCut;
    },
    get open() {
      return pairs.size;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
