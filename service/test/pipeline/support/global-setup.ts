import { resolveJars } from '../../../../tools/stack/jars';
import { kafkaMode } from '../../../../tools/stack/kafka-mode';
import { postgresMode } from '../../../../tools/stack/postgres';
import { stackVersions } from '../../../../tools/stack/strimzi-resources';

/**
 * Decides once how the stacks run (BOOK_POSTGRES, BOOK_KAFKA; the test files' workers inherit the
 * choice) and, for Kafka and Connect as processes, resolves their jars from Maven before any test's
 * timeout starts.
 */
export default async function globalSetup(): Promise<void> {
  const versions = stackVersions();
  const [postgres, kafka] = [(await postgresMode()).kind, (await kafkaMode()).kind];
  process.env.BOOK_POSTGRES = postgres;
  process.env.BOOK_KAFKA = kafka;
  console.log(`\n[pipeline] PostgreSQL as ${postgres}, Kafka ${versions.kafka} and Connect (Debezium ${versions.debezium}) as ${kafka}`);
  if (kafka === 'container') return;
  const started = Date.now();
  await resolveJars(versions, (line) => console.log(`\n[pipeline] ${line}`));
  console.log(`\n[pipeline] jars ready (${Date.now() - started} ms)`);
}
