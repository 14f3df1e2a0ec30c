import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { jarCacheDir } from './jars';
import { KAFKA_NETWORK_BOOTSTRAP } from './kafka-broker-container';
import { startStack, Stack } from './stack';
import { STACK_INFO_FILE } from './stack-info';

/** Writes PG* variables for `url` to `file` (mode 0600), for `env $(cat file) psql`; returns `file`. */
function writePsqlEnv(file: string, url: string): string {
  const u = new URL(url);
  writeFileSync(file, [
    `PGHOST=${u.hostname}`, `PGPORT=${u.port}`, `PGUSER=${decodeURIComponent(u.username)}`,
    `PGPASSWORD=${decodeURIComponent(u.password)}`, `PGDATABASE=${decodeURIComponent(u.pathname.slice(1))}`,
  ].join('\n') + '\n', { mode: 0o600 });
  return file;
}

/** `npm run stack`: the whole pipeline, as processes or containers (BOOK_POSTGRES, BOOK_KAFKA), until Ctrl-C. */
let interrupted = () => false;

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8000);
  const started = Date.now();
  let stack: Stack | undefined;
  let stopping = false;
  const starting = new AbortController();
  interrupted = () => starting.signal.aborted;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the stack…`);
    if (!stack) return starting.abort(); // startStack cleans up and rejects; main's catch exits
    await stack.stop();
    rmSync(STACK_INFO_FILE, { force: true });
    console.log('stopped; no process or temporary directory left behind');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  stack = await startStack({
    servicePort: port,
    serviceLogLevel: process.env.LOG_LEVEL ?? 'info',
    signal: starting.signal,
    log: (line) => console.log(`[stack ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`),
  });

  // psql environment files instead of printing the throwaway passwords.
  const pgEnv = writePsqlEnv(join(stack.dir, 'psql.env'), stack.database.adminUrl);
  mkdirSync(resolve(STACK_INFO_FILE, '..'), { recursive: true });
  const catalogEnv = writePsqlEnv(join(stack.dir, 'psql-catalog.env'), stack.catalog.url);
  const catalog = new URL(stack.catalog.url);
  catalog.password = '';
  writeFileSync(STACK_INFO_FILE, JSON.stringify({
    bootstrap: stack.kafka.bootstrap, connect: stack.connect.url, service: stack.service?.url, topic: stack.topic, psqlEnv: pgEnv,
    connectLog: stack.connect.logFile,
    // No password: the consumer's role's is in psqlEnv of this entry (a file only this user can read).
    consumer: stack.consumer && {
      metricsUrl: `${stack.consumer.url}/metrics`, databaseUrl: catalog.toString(), psqlEnv: catalogEnv,
      deadLetterTopic: stack.deadLetterTopic, log: stack.consumer.logFile,
    },
  }, null, 2));

  const connectorUrl = `${stack.connect.url}/connectors/${stack.connector.name}`;
  const consoleConsumer = stack.kafka.containerId
    ? `docker exec ${stack.kafka.containerId.slice(0, 12)} bin/kafka-console-consumer.sh \\
                            --bootstrap-server ${KAFKA_NETWORK_BOOTSTRAP} --topic ${stack.topic} --from-beginning \\`
    : `java -cp '${join(jarCacheDir(stack.versions), 'kafka', '*')}' org.apache.kafka.tools.consumer.ConsoleConsumer \\
                            --bootstrap-server ${stack.kafka.bootstrap} --topic ${stack.topic} --from-beginning \\`;
  console.log(`
Book service stack is up (${((Date.now() - started) / 1000).toFixed(0)} s): PostgreSQL ${stack.mode.postgres}, Kafka and Connect ${stack.mode.kafka}. Ctrl-C stops everything.

  API docs (Swagger UI)   ${stack.service?.url}/docs
  Connect REST API        ${stack.connect.url}
  connector status        curl -s ${connectorUrl}/status
  Kafka bootstrap         ${stack.kafka.bootstrap}   (topic ${stack.topic})
  PostgreSQL              env $(cat ${pgEnv}) psql      (database ${stack.database.name}, slot ${stack.database.slot})
  read model (consumer)   env $(cat ${catalogEnv}) psql -c 'TABLE author_stats'   (database ${stack.catalog.name})
  consumer metrics        curl -s ${stack.consumer?.url}/metrics | grep ^catalog_
  dead letters            npm run dlq -- list      (topic ${stack.deadLetterTopic}; replay: npm run dlq -- replay)

  follow the events       npm run events
  console consumer        ${consoleConsumer}
                            --property print.headers=true --property print.key=true
  logs                    ${stack.dir}/{kafka/broker.log,connect/connect.log,service.log,consumer.log}

  try it                  curl -si -H 'content-type: application/json' -d '{"title":"Miro","author":"Roqq","price":100}' ${stack.service?.url}/books
`);
}

main().catch(async (error: unknown) => {
  // On Ctrl-C during start-up the components die with it: their errors are no news.
  if (!interrupted()) console.error(`the stack did not start: ${error instanceof Error ? error.message : String(error)}`);
  console.error('every process it had started is stopped and its temporary directory deleted');
  rmSync(STACK_INFO_FILE, { force: true });
  process.exit(1);
});
