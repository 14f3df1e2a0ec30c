import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { StrimziValidator } from './support/crd-schemas';

const repoRoot = resolve(__dirname, '../..');
const strimziDir = join(repoRoot, 'strimzi');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, any>;
  [key: string]: any;
}

function loadYamlDocuments(path: string): any[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
    if (doc.errors.length) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS();
  });
}

const manifests: Array<{ file: string; doc: Manifest }> = readdirSync(strimziDir)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml') // the base of k8s/production
  .flatMap((file) => loadYamlDocuments(join(strimziDir, file)).map((doc) => ({ file, doc: doc as Manifest })));

const strimziManifests = manifests.filter(({ doc }) => doc.apiVersion.startsWith('kafka.strimzi.io/'));

/** The one resource of a kind (of a file, for kinds with several: the two KafkaTopics). */
function one(kind: string, file?: string): Manifest {
  const found = manifests.filter(({ doc, file: f }) => doc.kind === kind && (!file || f === file));
  expect(found).toHaveLength(1);
  return found[0].doc;
}

describe('strimzi/ resources', () => {
  const strimzi = new StrimziValidator();

  it('finds the Strimzi 1.2.0 CRDs and the resources to check', () => {
    expect(strimzi.kinds.length).toBeGreaterThanOrEqual(6);
    expect(strimziManifests.map(({ doc }) => doc.kind).sort()).toEqual(
      ['Kafka', 'KafkaConnect', 'KafkaConnector', 'KafkaNodePool', 'KafkaTopic', 'KafkaTopic'],
    );
  });

  it.each(strimziManifests.map(({ file, doc }) => [`${file} ${doc.kind}/${doc.metadata.name}`, doc] as const))(
    '%s validates against its kafka.strimzi.io/v1 CRD schema',
    (_name, doc) => {
      expect(doc.apiVersion).toBe('kafka.strimzi.io/v1');
      expect(strimzi.validate(doc)).toEqual([]);
    },
  );

  it('holds only Strimzi resources, the RBAC for the database Secret and the metrics rules', () => {
    const others = manifests.filter(({ doc }) => !doc.apiVersion.startsWith('kafka.strimzi.io/'));
    expect(others.map(({ doc }) => `${doc.apiVersion} ${doc.kind}`).sort()).toEqual([
      'rbac.authorization.k8s.io/v1 Role',
      'rbac.authorization.k8s.io/v1 RoleBinding',
      'v1 ConfigMap',
      'v1 ConfigMap',
    ]);
    for (const { doc } of manifests) expect(doc.metadata.namespace).toBe('books');
  });

  it('gives Kafka and Connect JMX exporter rules that exist, Debezium’s streaming metrics among them', () => {
    const rulesOf = (metricsConfig: any): Array<{ pattern: string; name?: string }> => {
      expect(metricsConfig.type).toBe('jmxPrometheusExporter');
      const { name, key } = metricsConfig.valueFrom.configMapKeyRef;
      const map = manifests.find(({ doc }) => doc.kind === 'ConfigMap' && doc.metadata.name === name)?.doc;
      expect(map?.data?.[key]).toEqual(expect.any(String));
      const config = parseAllDocuments(map!.data[key])[0].toJS();
      expect(config.rules.length).toBeGreaterThan(10);
      return config.rules;
    };
    rulesOf(one('Kafka').spec!.kafka.metricsConfig);
    const connectRules = rulesOf(one('KafkaConnect').spec!.metricsConfig);
    const names = connectRules.map((rule) => rule.name);
    expect(names).toEqual(expect.arrayContaining(['kafka_connect_connector_$2', 'kafka_connect_connector_task_status', 'debezium_metrics_$4']));
    const debezium = new RegExp(connectRules.find((rule) => rule.name === 'debezium_metrics_$4')!.pattern);
    // the string the JMX exporter matches for Debezium's streaming MBean
    expect('debezium.postgres<type=connector-metrics, context=streaming, server=books><>MilliSecondsBehindSource: 12'.match(debezium)?.slice(1, 5)).toEqual(
      ['postgres', 'streaming', 'books', 'MilliSecondsBehindSource'],
    );
  });

  it('lets a Connect worker that runs out of heap exit rather than hang', () => {
    expect(one('KafkaConnect').spec!.jvmOptions['-XX']).toMatchObject({ ExitOnOutOfMemoryError: 'true', UseG1GC: 'true' });
  });

  it('wires the resources to each other by name', () => {
    const kafka = one('Kafka');
    const pool = one('KafkaNodePool');
    const connect = one('KafkaConnect');
    const connector = one('KafkaConnector');
    const topic = one('KafkaTopic', 'kafka-topic.yaml');
    const dlq = one('KafkaTopic', 'kafka-topic-dlq.yaml');

    expect(pool.metadata.labels?.['strimzi.io/cluster']).toBe(kafka.metadata.name);
    expect(pool.spec!.roles.sort()).toEqual(['broker', 'controller']);
    expect(topic.metadata.labels?.['strimzi.io/cluster']).toBe(kafka.metadata.name);
    expect(connect.spec!.bootstrapServers).toBe(`${kafka.metadata.name}-kafka-bootstrap:9092`);
    expect(connect.spec!.version).toBe(kafka.spec!.kafka.version);
    expect(connect.metadata.annotations?.['strimzi.io/use-connector-resources']).toBe('true');
    expect(connector.metadata.labels?.['strimzi.io/cluster']).toBe(connect.metadata.name);
    expect(connector.spec!.config['transforms.outbox.route.topic.replacement']).toBe(topic.metadata.name);
    expect(topic.spec!.partitions).toBe(3);
    expect(dlq.metadata.labels?.['strimzi.io/cluster']).toBe(kafka.metadata.name);
    expect(dlq.metadata.name).toBe(`${topic.metadata.name}.dlq`);
  });

  it('reads the database password through the Kubernetes Secret config provider', () => {
    const connect = one('KafkaConnect');
    const connector = one('KafkaConnector');
    const role = one('Role');
    const binding = one('RoleBinding');

    const provider = connect.spec!.config['config.providers'];
    expect(connect.spec!.config[`config.providers.${provider}.class`]).toBe('io.strimzi.kafka.KubernetesSecretConfigProvider');
    const password = String(connector.spec!.config['database.password']);
    const match = /^\$\{(\w+):([\w-]+)\/([\w-]+):(\w+)\}$/.exec(password);
    expect(match).not.toBeNull();
    const [, prefix, namespace, secret] = match!;
    expect(prefix).toBe(provider);
    expect(namespace).toBe(connector.metadata.namespace);
    expect(role.rules).toEqual([
      expect.objectContaining({ resources: ['secrets'], resourceNames: [secret], verbs: ['get'] }),
    ]);
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([
      expect.objectContaining({ kind: 'ServiceAccount', name: `${connect.metadata.name}-connect`, namespace }),
    ]);
  });

  it('configures the outbox connector as docs/design.md (CDC on Strimzi) says', () => {
    const config = one('KafkaConnector').spec!.config;
    expect(config).toMatchObject({
      'plugin.name': 'pgoutput',
      'publication.autocreate.mode': 'disabled',
      'snapshot.mode': 'no_data',
      'tombstones.on.delete': false,
      'table.include.list': 'public.outbox',
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': false,
      'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
      'transforms.outbox.table.expand.json.payload': true,
      'transforms.outbox.table.fields.additional.placement': 'type:header:type',
      'transforms.outbox.table.field.event.timestamp': 'occurred_at',
      // The event contract's headers are id and type; Debezium 3 would add __debezium.context.*.
      'extended.headers.enabled': false,
    });
    expect(config['slot.name']).toMatch(/^\w+$/);
    expect(config['publication.name']).toMatch(/^\w+$/);
    expect(Number(config['heartbeat.interval.ms'])).toBeGreaterThan(0);
    // The router must touch only the outbox table's records, never heartbeats.
    const predicate = config['transforms.outbox.predicate'];
    expect(config[`predicates.${predicate}.type`]).toBe('org.apache.kafka.connect.transforms.predicates.TopicNameMatches');
    const pattern = new RegExp(`^(?:${config[`predicates.${predicate}.pattern`]})$`);
    expect(pattern.test(`${config['topic.prefix']}.public.outbox`)).toBe(true);
    expect(pattern.test(`__debezium-heartbeat.${config['topic.prefix']}`)).toBe(false);
    // Not a Debezium option: Debezium names its connections itself (ApplicationName
    // "Debezium Streaming" and so on), and database.* would only be handed to the JDBC driver.
    expect(config['database.application.name']).toBeUndefined();
    // Topics Connect creates (the heartbeat topic) take the broker's replication factor:
    // a fixed 1 on brokers with min.insync.replicas=2 rejects every heartbeat write.
    expect(config['topic.creation.default.replication.factor']).toBe(-1);
    // Only placeholders, never a literal secret.
    for (const [key, value] of Object.entries(config)) {
      if (/password|secret/i.test(key)) expect(String(value)).toMatch(/^\$\{.+\}$/);
    }
  });

  it('builds the Connect image from the Strimzi image of the same Kafka version, checking the plugin checksum', () => {
    const dockerfile = readFileSync(join(strimziDir, 'connect', 'Dockerfile'), 'utf8');
    const kafkaVersion = one('Kafka').spec!.kafka.version;
    expect(dockerfile).toMatch(new RegExp(`^ARG KAFKA_IMAGE=quay\\.io/strimzi/kafka:1\\.2\\.0-kafka-${kafkaVersion.replace(/\./g, '\\.')}$`, 'm'));
    expect(dockerfile).toMatch(/^FROM \$\{KAFKA_IMAGE\}$/m);
    expect(dockerfile).toMatch(/^ARG DEBEZIUM_VERSION=\d+\.\d+\.\d+\.Final$/m);
    expect(dockerfile).toMatch(/^ARG DEBEZIUM_SHA512=[0-9a-f]{128}$/m);
    expect(dockerfile).toMatch(/sha512sum -c/);
  });
});
