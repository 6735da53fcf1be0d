/**
 * clientAddress() (server/core/address.ts), which names the client of an Engine.IO handshake, gives
 * the address Express's req.ip gives, for every kind of TRUST_PROXY and X-Forwarded-For.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { clientAddress, type TrustProxy } from '../../server/core/address';

describe('the client address of a raw request', () => {
  const TRUST: (boolean | number | string)[] = [false, true, 1, 2, 'loopback', '10.0.0.0/8, loopback', '192.0.2.1'];
  const FORWARDED: (string | undefined)[] = [
    undefined,
    '',
    '10.0.0.1',
    '198.51.100.7, 10.0.0.1',
    ' 203.0.113.9 ,198.51.100.7,10.0.0.2',
    'not an address, 10.0.0.3',
    '2001:db8::1, ::ffff:10.0.0.4',
    ',,',
  ];

  for (const trust of TRUST) {
    it(`is Express's req.ip with trust proxy ${JSON.stringify(trust)}`, async () => {
      const app = express();
      app.set('trust proxy', trust);
      const ours = clientAddress(app.get('trust proxy fn') as TrustProxy);
      app.get('/', (req, res) => {
        res.json({ express: req.ip ?? null, ours: ours(req) });
      });
      const server = http.createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        for (const forwarded of FORWARDED) {
          const res = await fetch(`http://127.0.0.1:${port}/`, {
            headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
          });
          const { express: expected, ours: got } = (await res.json()) as { express: string; ours: string };
          expect(got, `X-Forwarded-For: ${String(forwarded)}`).to.equal(expected);
        }
      } finally {
        server.close();
      }
    });
  }
});
