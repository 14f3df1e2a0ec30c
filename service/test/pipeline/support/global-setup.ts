import { resolveJars } from '../../../../tools/stack/jars';
import { stackVersions } from '../../../../tools/stack/strimzi-resources';

/** The first run resolves the Kafka and Debezium jars from Maven Central, once, before any test's timeout starts. */
export default async function globalSetup(): Promise<void> {
  const versions = stackVersions();
  const started = Date.now();
  await resolveJars(versions, (line) => console.log(`\n[pipeline] ${line}`));
  console.log(`\n[pipeline] Kafka ${versions.kafka}, Debezium ${versions.debezium} jars ready (${Date.now() - started} ms)`);
}
