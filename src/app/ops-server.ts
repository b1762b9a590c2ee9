import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import type { HttpRoute } from './health.js';

/** A listening ops server. */
export interface OpsServer {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A small node:http server for `/healthz`, `/readyz` and `/metrics` where Bolt's HTTP receiver
 * does not run: Socket Mode, and processes with only the worker and/or scheduler roles.
 */
export async function startOpsServer(options: {
  port: number;
  host: string;
  routes: readonly HttpRoute[];
  logger: Logger;
}): Promise<OpsServer> {
  const byPath = new Map(options.routes.map((r) => [r.path, r]));
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = byPath.get(path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'not found', routes: [...byPath.keys()] }));
      return;
    }
    if (!route.method.includes(req.method ?? 'GET')) {
      res.writeHead(405, { allow: route.method.join(', ') });
      res.end();
      return;
    }
    route.handler(req, res);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  options.logger.info({ port, routes: [...byPath.keys()] }, 'ops HTTP server listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeIdleConnections();
        server.close(() => resolve());
        // Probes hold keep-alive sockets: do not let one delay shutdown.
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      }),
  };
}
