import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { bookMigrations } from '../../service/src/api/migrations';
import { migrate } from '../../service/src/shared/db/migrator';
import { bootstrapCatalog, bootstrapRoles, CATALOG, DEFAULT_ROLES } from '../../service/src/shared/db/roles';
import { catalogMigrations } from '../../service/src/consumer/migrations';
import { createSequelize } from '../../service/src/shared/db/sequelize';
import { ConnectWorker, LocalSecret, startConnectWorker, writeLocalSecret } from './connect-worker';
import { startConnectContainer } from './connect-worker-container';
import { createNetwork } from './container-engine';
import { resolveJars, StackJars } from './jars';
import { KafkaBroker, startKafkaBroker } from './kafka-broker';
import { startKafkaContainer } from './kafka-broker-container';
import { kafkaMode } from './kafka-mode';
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

/**
 * Everything of the CDC pipeline, each part as a local process or a container (BOOK_POSTGRES,
 * BOOK_KAFKA); each can be killed and restarted.
 */
export interface Stack {
  readonly versions: StackVersions;
  /** How PostgreSQL, and Kafka with Connect, run. */
  readonly mode: { postgres: 'process' | 'container'; kafka: 'process' | 'container' };
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

/** PostgreSQL's name on the stack's network, when Kafka and Connect run as containers. */
const POSTGRES_ALIAS = 'postgres';

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
    const platform = await kafkaMode();
    // Jars only for processes; a rejection is awaited below, not left unhandled meanwhile.
    const jarsPromise = platform.kind === 'container' ? undefined : resolveJars(versions, log);
    jarsPromise?.catch(() => undefined);
    let network: string | undefined;
    if (platform.kind === 'container') {
      const created = await createNetwork(platform.client, 'book-stack');
      cleanups.push(() => created.remove());
      network = created.name;
    }

    // PostgreSQL: roles, database and schema exactly as in the cluster (bootstrap, then migrations as the owner).
    const postgres = await startPostgres({ fsync: options.fsync ?? false, network: network ? { name: network, alias: POSTGRES_ALIAS } : undefined });
    cleanups.push(() => postgres.destroy());
    step(postgres);
    log(`PostgreSQL ${postgres.kind} on ${postgres.host}:${postgres.port}`);
    // Connect reaches PostgreSQL where it runs: on this host, or by its name on the stack's network.
    const definition = connectorFromResource({
      'database.hostname': network ? POSTGRES_ALIAS : postgres.host,
      'database.port': network ? '5432' : String(postgres.port),
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
      await migrate(owner, bookMigrations, { publication: db.publication, slot: db.slot, appRole: DEFAULT_ROLES.app, cdcRole: DEFAULT_ROLES.cdc });
    } finally {
      await owner.close();
    }
    await assertSlotExists(db);
    const catalog = await createCatalog(postgres);

    const ref = secretReference(cfg['database.password']);
    const secret: LocalSecret = { namespace: ref.namespace, name: ref.secret, data: { username: DEFAULT_ROLES.cdc, [ref.key]: passwords.cdc } };
    const kafka: KafkaBroker = platform.kind === 'container'
      ? await startKafkaContainer({ client: platform.client, network: network!, dir: join(dir, 'kafka'), jvmOptions: options.jvmOptions })
      : await startKafkaBroker(join(dir, 'kafka'), step(await jarsPromise!).classpath, options.jvmOptions);
    cleanups.push(() => kafka.destroy());
    step(kafka);
    log(`Kafka ${versions.kafka} (KRaft) ${platform.kind} on ${kafka.bootstrap}`);
    const topic = await createTopicFromResource(kafka.bootstrap);
    const deadLetterTopic = await createTopicFromResource(kafka.bootstrap, deadLetterTopicResource());

    const connect: ConnectWorker = platform.kind === 'container'
      ? await startConnectContainer({ client: platform.client, network: network!, dir: join(dir, 'connect'), secret, jvmOptions: options.jvmOptions })
      : await startConnectProcess(join(dir, 'connect'), kafka.bootstrap, await jarsPromise!, secret, options.jvmOptions);
    cleanups.push(() => connect.destroy());
    step(connect);
    log(`Kafka Connect ${platform.kind}, REST API on ${connect.url}`);
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
      consumer = await startEntryProcess('book-catalog', options.consumerPort ?? (await freePort()), {
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
    return { versions, mode: { postgres: postgres.kind, kafka: platform.kind }, dir, postgres, database: db, kafka, connect, connector, topic, service, catalog, deadLetterTopic, consumer, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The worker as a process; the connector's secret as files of its working directory. */
function startConnectProcess(dir: string, bootstrap: string, jars: StackJars, secret: LocalSecret, jvmOptions?: string[]): Promise<ConnectWorker> {
  const secretsDir = join(dir, '..', 'secrets');
  writeLocalSecret(secretsDir, secret);
  return startConnectWorker({ dir, bootstrap, classpath: jars.classpath, pluginPath: jars.pluginPath, secretsDir, jvmOptions });
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
    await migrate<unknown>(owner, catalogMigrations, {});
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
