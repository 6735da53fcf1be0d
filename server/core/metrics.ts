/** Prometheus metrics: process defaults, HTTP requests, database pool, sockets and socket events. */
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Sequelize } from 'sequelize';
import { poolInUse } from './db/sequelize';

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(sequelize: Sequelize) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'db_pool_connections_in_use',
    help: 'Database connections of the pool in use',
    registers: [registry],
    collect() {
      this.set(poolInUse(sequelize));
    },
  });
  const sockets = new Gauge({
    name: 'socketio_connected_sockets',
    help: 'Open Socket.IO connections on this node',
    registers: [registry],
  });
  const socketEvents = new Counter({
    name: 'socketio_events_total',
    help: 'Socket events handled',
    labelNames: ['event', 'outcome'],
    registers: [registry],
  });
  const socketsNotReading = new Counter({
    name: 'socketio_not_reading_closed_total',
    help: 'Socket connections closed because their client did not read what it was sent (SOCKET_UNSENT_MAX_BYTES)',
    registers: [registry],
  });
  const socketEventDuration = new Histogram({
    name: 'socketio_event_duration_seconds',
    help: 'Time from a socket event to its ack',
    labelNames: ['event'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });

  /** Counts and times every request, labelled by its route pattern (never by raw ids). */
  const middleware: RequestHandler = (req, res, next) => {
    const end = httpDuration.startTimer();
    res.on('finish', () => {
      const matched = req.route as { path: string } | undefined; // Express types it any
      const route = matched ? `${req.baseUrl}${matched.path}` : 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      httpRequests.inc(labels);
      end(labels);
    });
    next();
  };

  return { registry, middleware, sockets, socketEvents, socketEventDuration, socketsNotReading };
}
