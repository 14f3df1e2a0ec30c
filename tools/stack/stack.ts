import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate } from '../../service/src/db/migrator';
import { bootstrapCatalog, bootstrapRoles, CATALOG, DEFAULT_ROLES } from '../../service/src/db/roles';
import { catalogMigrations } from '../../service/src/catalog/migrations';
import { createSequelize } from '../../service/src/db/sequelize';
import { ConnectWorker, startConnectWorker, writeLocalSecret } from './connect-worker';
import { resolveJars } from './jars';
import { KafkaBroker, startKafkaBroker } from './kafka-broker';
import { ConnectorClient, connectorFromResource } from './outbox-connector';
import { PostgresServer, startPostgres } from './postgres';
import { freePort } from './processes';
import { ServiceProcess, startEntryProcess, startServiceProcess } from './service-process';
import { deadLetterTopicResource, stackVersions, StackVersions } from './strimzi-resources';
import { createTopicFromResource } from './topics';

export interface StackOptions {
  /** Port of the book service; a free one by default. 0 = do not start the service. */
  servicePort?: number;
  /** The service's LOG_LEVEL (default warn). */
  serviceLogLevel?: string;
  /** More settings for the service (e.g. OUTBOX_RETENTION_SECONDS), passed explicitly to its process. */
  serviceEnv?: Record<string, string>;
  /** Port of the book-catalog consumer's /healthz, /readyz, /metrics; a free one by default. 0 = do not start it. */
  consumerPort?: number;
  /** More settings for the consumer (e.g. CONSUMER_MAX_ATTEMPTS). */
  consumerEnv?: Record<string, string>;
  /** PostgreSQL fsync (default off: faster tests; benchmarks may turn it on). */
  fsync?: boolean;
  /** Heap and GC flags for the broker and Connect JVMs. */
  jvmOptions?: string[];
  log?: (line: string) => void;
  /** Aborting (e.g. on Ctrl-C) stops a stack that is still starting, cleaning up what already runs. */
  signal?: AbortSignal;
}

export interface StackDatabase {
  name: string;
  slot: string;
  publication: string;
  /** Superuser on the books database: for looking at rows and the slot in tests. */
  adminUrl: string;
  ownerUrl: string;
  appUrl: string;
}

/** The read model's own database (same server): the consumer's role owns it. */
export interface StackCatalog {
  name: string;
  /** Superuser on the catalog database: for looking at the read model in tests. */
  adminUrl: string;
  /** The consumer's role (book_catalog). */
  url: string;
}

/** Everything of the CDC pipeline, running as local processes; each part can be killed and restarted. */
export interface Stack {
  readonly versions: StackVersions;
  readonly dir: string;
  readonly postgres: PostgresServer;
  readonly database: StackDatabase;
  readonly kafka: KafkaBroker;
  readonly connect: ConnectWorker;
  readonly connector: ConnectorClient;
  /** books.events, as named by the KafkaTopic resource. */
  readonly topic: string;
  readonly service?: ServiceProcess;
  readonly catalog: StackCatalog;
  /** books.events.dlq, as named by its KafkaTopic resource. */
  readonly deadLetterTopic: string;
  /** The book-catalog consumer (url: its /healthz, /readyz, /metrics). */
  readonly consumer?: ServiceProcess;
  /** Stops every process and deletes every temporary directory. Idempotent. */
  stop(): Promise<void>;
}

/** ${provider:namespace/secret:key}, the KubernetesSecretConfigProvider placeholder form. */
function secretReference(placeholder: string): { namespace: string; secret: string; key: string } {
  const match = /^\$\{\w+:([\w.-]+)\/([\w.-]+):([\w.-]+)\}$/.exec(placeholder);
  if (!match) throw new Error(`database.password must be a \${provider:namespace/secret:key} placeholder, not a literal`);
  return { namespace: match[1], secret: match[2], key: match[3] };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const log = options.log ?? (() => undefined);
  const versions = stackVersions();
  const dir = mkdtempSync(join(tmpdir(), 'book-stack-'));
  const cleanups: Array<() => Promise<void>> = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => log(`cleanup: ${String(e)}`));
    rmSync(dir, { recursive: true, force: true });
  };

  const step = <T>(value: T): T => {
    if (options.signal?.aborted) throw new Error('stack start aborted');
    return value;
  };

  try {
    const jarsPromise = resolveJars(versions, log);
    jarsPromise.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile

    // PostgreSQL: roles, database and schema exactly as in the cluster (bootstrap, then migrations as the owner).
    const postgres = await startPostgres({ fsync: options.fsync ?? false });
    cleanups.push(() => postgres.destroy());
    step(postgres);
    log(`PostgreSQL ${postgres.kind} on ${postgres.host}:${postgres.port}`);
    const definition = connectorFromResource({
      'database.hostname': postgres.host,
      'database.port': String(postgres.port),
      'database.dbname': 'books',
    });
    const cfg = definition.config;
    const database = cfg['database.dbname'];
    const passwords = { owner: randomBytes(12).toString('hex'), app: randomBytes(12).toString('hex'), cdc: randomBytes(12).toString('hex') };
    await bootstrapRoles(postgres.url(postgres.superuser, postgres.superuserPassword, 'postgres'), database, passwords);
    if (cfg['database.user'] !== DEFAULT_ROLES.cdc) throw new Error(`the connector logs in as ${cfg['database.user']}, the bootstrap creates ${DEFAULT_ROLES.cdc}`);
    const db: StackDatabase = {
      name: database,
      slot: cfg['slot.name'],
      publication: cfg['publication.name'],
      adminUrl: postgres.url(postgres.superuser, postgres.superuserPassword, database),
      ownerUrl: postgres.url(DEFAULT_ROLES.owner, passwords.owner, database),
      appUrl: postgres.url(DEFAULT_ROLES.app, passwords.app, database),
    };
    const owner = createSequelize({ url: db.ownerUrl, poolMax: 1 });
    try {
      await migrate(owner, { publication: db.publication, slot: db.slot, appRole: DEFAULT_ROLES.app, cdcRole: DEFAULT_ROLES.cdc });
    } finally {
      await owner.close();
    }
    await assertSlotExists(db);
    const catalog = await createCatalog(postgres);

    const jars = step(await jarsPromise);
    const kafka = await startKafkaBroker(join(dir, 'kafka'), jars.classpath, options.jvmOptions);
    cleanups.push(() => kafka.stop());
    step(kafka);
    log(`Kafka ${versions.kafka} (KRaft) on ${kafka.bootstrap}`);
    const topic = await createTopicFromResource(kafka.bootstrap);
    const deadLetterTopic = await createTopicFromResource(kafka.bootstrap, deadLetterTopicResource());

    const secretsDir = join(dir, 'secrets');
    const ref = secretReference(cfg['database.password']);
    writeLocalSecret(secretsDir, ref.namespace, ref.secret, { username: DEFAULT_ROLES.cdc, [ref.key]: passwords.cdc });
    const connect = await startConnectWorker({
      dir: join(dir, 'connect'),
      bootstrap: kafka.bootstrap,
      classpath: jars.classpath,
      pluginPath: jars.pluginPath,
      secretsDir,
      jvmOptions: options.jvmOptions,
    });
    cleanups.push(() => connect.stop());
    step(connect);
    log(`Kafka Connect REST API on ${connect.url}`);
    const connector = new ConnectorClient(() => connect.url, definition);
    await connector.apply();
    await connector.waitFor('RUNNING');
    step(connector);
    log(`connector ${connector.name} (Debezium ${versions.debezium}) RUNNING`);

    let service: ServiceProcess | undefined;
    if (options.servicePort !== 0) {
      const port = options.servicePort ?? (await freePort());
      service = await startServiceProcess(port, {
        DATABASE_URL: db.appUrl,
        LOG_LEVEL: options.serviceLogLevel ?? 'warn',
        OUTBOX_SLOT: db.slot,
        OUTBOX_PUBLICATION: db.publication,
        SHUTDOWN_DRAIN_SECONDS: '0',
        ...options.serviceEnv,
      }, join(dir, 'service.log'));
      cleanups.push(() => service!.stop());
      log(`book service on ${service.url}`);
    }

    let consumer: ServiceProcess | undefined;
    if (options.consumerPort !== 0) {
      consumer = await startEntryProcess('consumer', options.consumerPort ?? (await freePort()), {
        CATALOG_DATABASE_URL: catalog.url,
        KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrap,
        KAFKA_TOPIC: topic,
        KAFKA_DLQ_TOPIC: deadLetterTopic,
        LOG_LEVEL: options.serviceLogLevel ?? 'warn',
        ...options.consumerEnv,
      }, join(dir, 'consumer.log'));
      cleanups.push(() => consumer!.stop());
      log(`book-catalog consumer on ${consumer.url} (database ${catalog.name})`);
    }

    step(consumer);
    return { versions, dir, postgres, database: db, kafka, connect, connector, topic, service, catalog, deadLetterTopic, consumer, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The consumer's database and role, created and migrated as in the cluster (bootstrap, then the catalog migrations as that role). */
async function createCatalog(postgres: PostgresServer): Promise<StackCatalog> {
  const password = randomBytes(12).toString('hex');
  await bootstrapCatalog(postgres.url(postgres.superuser, postgres.superuserPassword, 'postgres'), password);
  const catalog: StackCatalog = {
    name: CATALOG.database,
    adminUrl: postgres.url(postgres.superuser, postgres.superuserPassword, CATALOG.database),
    url: postgres.url(CATALOG.role, password, CATALOG.database),
  };
  const owner = createSequelize({ url: catalog.url, poolMax: 1 });
  try {
    await migrate<unknown>(owner, {}, undefined, catalogMigrations);
  } finally {
    await owner.close();
  }
  return catalog;
}

async function assertSlotExists(db: StackDatabase): Promise<void> {
  const client = new Client({ connectionString: db.adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [db.slot]);
    if (!rowCount) throw new Error(`the migrations did not create the replication slot ${db.slot}`);
  } finally {
    await client.end();
  }
}
