import { Config, loadConfig } from '../../src/api/config';
import { createLogger } from '../../src/shared/logger';
import { RunningService, startService } from '../../src/api/server';
import { createTestDatabase, TestDatabase } from './test-database';

export interface TestService {
  url: string;
  service: RunningService;
  request(path: string, init?: RequestInit): Promise<Response>;
  postJson(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  stop(): Promise<void>;
}

/** The real service, listening on a free port, connected as book_app. */
export async function startTestService(
  db: TestDatabase,
  options: { outbox?: Partial<Config['outbox']>; env?: Record<string, string> } = {},
): Promise<TestService> {
  const base = loadConfig({
    DATABASE_URL: db.appUrl,
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SHUTDOWN_DRAIN_SECONDS: '0',
    OUTBOX_SLOT: db.slot,
    OUTBOX_PUBLICATION: db.publication,
    DB_POOL_MAX: '25',
    ...options.env,
  });
  const config: Config = { ...base, outbox: { ...base.outbox, ...options.outbox } };
  const service = await startService(config, createLogger(config.logLevel));
  const url = `http://127.0.0.1:${service.port}`;
  const request = (path: string, init?: RequestInit) => fetch(url + path, init);
  return {
    url,
    service,
    request,
    postJson: (path, body, headers = {}) =>
      request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }),
    stop: () => service.shutdown(),
  };
}

/** The parsed JSON body, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function json(res: Response): Promise<any> {
  return res.json();
}

/**
 * A fresh database and a service on it for the tests of one file, torn down
 * after them. Read `.db` and `.api` inside tests (they are set in beforeAll).
 */
export function useServiceAndDatabase(options: Parameters<typeof startTestService>[1] = {}): { db: TestDatabase; api: TestService } {
  const env = {} as { db: TestDatabase; api: TestService };
  beforeAll(async () => {
    env.db = await createTestDatabase();
    env.api = await startTestService(env.db, options);
  });
  afterAll(async () => {
    await env.api?.stop();
    await env.db?.drop();
  });
  return env;
}
