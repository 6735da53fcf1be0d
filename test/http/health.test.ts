import { expect } from 'chai';
import { Sequelize } from 'sequelize';
import { freePort } from '../../dev/kit';
import { packageVersion } from '../../server/core/paths';
import { request, startServer, useServer } from '../support/server';

describe('health, readiness and metrics', () => {
  const server = useServer();

  it('GET /health answers ok with the package version', async () => {
    const res = await request(server(), 'GET', '/health');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'ok', app: 'TODO API', version: packageVersion });
  });

  it('GET /ready answers ready while the database answers', async () => {
    const res = await request(server(), 'GET', '/ready');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'ready', db: 'ok' });
  });

  it('GET /ready answers 503 within 2 s when the database is unreachable, and /health stays ok', async () => {
    // a port nothing listens on
    const down = new Sequelize(`postgres://postgres@127.0.0.1:${await freePort()}/nothing`, {
      logging: false,
      pool: { acquire: 1000 },
    });
    const broken = await startServer({}, { sequelize: down });
    try {
      const started = Date.now();
      const res = await request(broken, 'GET', '/ready');
      expect(Date.now() - started).to.be.lessThan(2000);
      expect(res.status).to.equal(503);
      expect(res.body).to.deep.equal({ status: 'unavailable', db: 'down' });
      expect((await request(broken, 'GET', '/health')).status).to.equal(200);
    } finally {
      await broken.close();
      await down.close();
    }
  });

  it('GET /metrics exposes default, HTTP and pool metrics in Prometheus text', async () => {
    await request(server(), 'GET', '/health');
    const res = await request(server(), 'GET', '/metrics');
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain/);
    expect(res.body).to.include('process_cpu_user_seconds_total');
    expect(res.body).to.match(/http_requests_total\{method="GET",route="\/health",status="200"\} \d+/);
    expect(res.body).to.include('http_request_duration_seconds_bucket');
    expect(res.body).to.match(/db_pool_connections_in_use \d+/);
    expect(res.body).to.include('socketio_connected_sockets');
  });
});
