/**
 * The client address of a raw Node request (an Engine.IO handshake, which Express never sees), found
 * exactly as Express's `req.ip` finds it: proxy-addr's walk over the TCP peer and X-Forwarded-For,
 * with the `trust proxy` function Express compiled from TRUST_PROXY.
 */
import type { IncomingMessage } from 'node:http';

/** Express's compiled `trust proxy` (`app.get('trust proxy fn')`): whether the hop-th address is a trusted proxy. */
export type TrustProxy = (address: string, hop: number) => boolean;

/** `(req) => address`, the address Express would give as `req.ip` under `trust`. */
export function clientAddress(trust: TrustProxy): (req: IncomingMessage) => string {
  return (req) => {
    // nearest first: the TCP peer, then X-Forwarded-For from its end (the hop the peer added)
    const forwarded = String(req.headers['x-forwarded-for'] ?? '') // Node joins repeated headers with ", "
      .split(',')
      .map((a) => a.replace(/^ +| +$/g, '')) // spaces only, as proxy-addr reads it
      .filter(Boolean)
      .reverse();
    const addresses = [req.socket.remoteAddress ?? '', ...forwarded];
    // the first address that is not a trusted proxy is the client; if every hop is trusted, the farthest
    for (let hop = 0; hop < addresses.length - 1; hop += 1) if (!trust(addresses[hop], hop)) return addresses[hop];
    return addresses.at(-1)!;
  };
}
