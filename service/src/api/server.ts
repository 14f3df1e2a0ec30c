import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { BookStore } from './books/book-store';
import { startKeyExpiry } from './books/idempotency';
import { Config } from './config';
import { createSequelize } from '../shared/db/sequelize';
import { createApp } from './http/app';
import { Lifecycle } from '../shared/http/health';
import { Logger } from '../shared/logger';
import { Outbox } from './outbox/outbox';
import { runsHousekeeping } from './workers';

export interface RunningService {
  server: Server;
  port: number;
  /** Readiness 503 and `Connection: close` → wait for load balancers → close the server (in-flight requests finish) → close the pool. */
  shutdown(): Promise<void>;
}

/**
 * The idle time advertised to clients: a second less than the drain wait. Without a drain of
 * at least 2 s there is no window to retire connections in, and Node's own hint stays.
 */
function keepAliveHintSeconds(drainSeconds: number): number | undefined {
  return drainSeconds >= 2 ? drainSeconds - 1 : undefined;
}

export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const sequelize = createSequelize({ url: config.databaseUrl, tls: config.databaseTls, poolMax: config.dbPoolMax });
  const lifecycle: Lifecycle = { draining: false };
  const outbox = new Outbox(sequelize, config.outbox);
  const store = new BookStore(sequelize, outbox);
  const app = createApp({ sequelize, store, logger, lifecycle, slot: config.outbox.slot });
  const housekeeping = runsHousekeeping();
  const stopJanitor = housekeeping ? outbox.startJanitor(logger) : async () => {};
  const stopKeyExpiry = housekeeping ? startKeyExpiry(sequelize, config.idempotency, logger) : async () => {};

  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000; // longer than common load balancer idle timeouts
  // The drain ends by closing every idle keep-alive connection, and a client may be writing its
  // next request on one at that instant. Clients that honour the Keep-Alive hint (fetch/undici;
  // Node's http.Agent only when given a timeout of its own) retire an idle connection before the
  // hint runs out, so a hint shorter than the drain wait leaves none of theirs idle at the close;
  // proxies ignore the hint and keep the 65 s above. While draining, every answer closes its
  // connection instead.
  const hintSeconds = keepAliveHintSeconds(config.shutdownDrainSeconds);
  const keepAliveHint = hintSeconds === undefined ? undefined : `timeout=${hintSeconds}`;
  server.prependListener('request', (_request, response) => {
    if (lifecycle.draining) response.setHeader('Connection', 'close');
    else if (keepAliveHint) response.setHeader('Keep-Alive', keepAliveHint);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  const shutdown = () =>
    (closing ??= (async () => {
      // From now on every response closes its connection (the listener above): a client's
      // keep-alive socket is retired right after an answer, and its next connection goes to a pod
      // that is still ready.
      lifecycle.draining = true;
      logger.info({ drainSeconds: config.shutdownDrainSeconds }, 'draining: readiness now fails');
      await new Promise((r) => setTimeout(r, config.shutdownDrainSeconds * 1000));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets become idle as their last request finishes; close each as soon as it does.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      await closed;
      clearInterval(sweep);
      await stopJanitor();
      await stopKeyExpiry();
      await sequelize.close();
      logger.info('stopped');
    })());

  return { server, port, shutdown };
}
