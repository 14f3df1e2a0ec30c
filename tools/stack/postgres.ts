import type { ContainerRuntimeClient } from 'testcontainers';
import { checkEngine, POSTGRES_IMAGE } from './container-engine';
import { ContainerPostgres } from './postgres-container';
import { processBinariesReason, ProcessPostgres } from './postgres-process';
import { PostgresOptions, PostgresServer } from './postgres-server';
import { freePort } from './processes';

export type { PostgresOptions, PostgresServer, PostgresTls } from './postgres-server';

type PostgresMode = { kind: 'process' } | { kind: 'container'; client: ContainerRuntimeClient };
let resolvedMode: Promise<PostgresMode> | undefined;

/** BOOK_POSTGRES: `process`, `container`, or `auto` (containers where they can actually run, else processes). */
async function resolveMode(): Promise<PostgresMode> {
  const choice = process.env.BOOK_POSTGRES ?? 'auto';
  if (!['auto', 'process', 'container'].includes(choice)) {
    throw new Error(`BOOK_POSTGRES must be auto, process or container, not "${choice}"`);
  }
  if (choice === 'process') {
    const reason = processBinariesReason();
    if (reason) throw new Error(`BOOK_POSTGRES=process: ${reason}`);
    return { kind: 'process' };
  }
  const engine = await checkEngine([POSTGRES_IMAGE]);
  if (choice === 'container') {
    if (!engine.usable) throw new Error(`BOOK_POSTGRES=container cannot work here: ${engine.reason}`);
    return { kind: 'container', client: engine.client };
  }
  if (engine.usable) return { kind: 'container', client: engine.client };
  const reason = processBinariesReason();
  if (reason) throw new Error(`no way to run PostgreSQL: ${engine.reason}; ${reason}`);
  process.stderr.write(`[postgres] BOOK_POSTGRES=auto: using processes, not containers: ${engine.reason}\n`);
  return { kind: 'process' };
}

/** How this process runs PostgreSQL (see resolveMode); the choice is made, and its reason printed, once. */
export function postgresMode(): Promise<PostgresMode> {
  resolvedMode ??= resolveMode();
  resolvedMode.catch(() => (resolvedMode = undefined));
  return resolvedMode;
}

/** Starts PostgreSQL the way BOOK_POSTGRES says. */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const mode = await postgresMode();
  const port = options.port ?? (await freePort());
  if (mode.kind === 'container') {
    const pg = new ContainerPostgres(port, mode.client);
    await pg.init(options).catch(async (error: unknown) => {
      await pg.destroy().catch(() => undefined);
      throw error;
    });
    return pg;
  }
  if (options.network) throw new Error('PostgreSQL runs as a process: it cannot join a container network');
  const pg = new ProcessPostgres(port, options);
  await pg.init();
  await pg.start();
  return pg;
}
