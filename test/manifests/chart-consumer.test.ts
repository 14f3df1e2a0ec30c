import { lstatSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expectSchemaRejection, helm, render, templateWith as template } from './support/helm';
import type { KubernetesObject } from './support/kubernetes-schemas';
import { CHART_DIR, readYamlDocuments, REPO_ROOT } from './support/repo';
import { VARIANTS } from './support/variants';

// The reference consumer goes wherever the service goes: same image, its own Deployment,
// catalog database role and migrations, the dead-letter topic of strimzi/. Security context,
// probes and Secret references of every pod are also checked by chart-security.test.ts (the
// kind, production and database TLS variants render the consumer).
const dlqFile = readYamlDocuments(join(REPO_ROOT, 'strimzi', 'kafka-topic-dlq.yaml'))[0];
const named = (objects: KubernetesObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
const envOf = (container: any) => Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

describe('consumer.enabled', () => {
  it('is off by default (it needs Kafka, like cdc.enabled) and on in values-kind.yaml', () => {
    const consumerish = (objects: KubernetesObject[]) =>
      objects.filter((o) => /consumer|catalog/.test(o.metadata.name) || o.metadata.name === dlqFile.metadata.name).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(consumerish(render())).toEqual([]);
    expect(consumerish(render(VARIANTS.kind)).sort()).toEqual([
      'Deployment/book-service-consumer',
      'Job/book-service-catalog-migrate',
      `KafkaTopic/${dlqFile.metadata.name}`,
      'NetworkPolicy/book-service-consumer',
      'Service/book-service-consumer',
    ]);
  });
});

describe('the consumer Deployment', () => {
  const objects = render(VARIANTS.kind);
  const deployment = named(objects, 'Deployment', 'book-service-consumer');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const env = envOf(container);

  it('runs node dist/bin/book-catalog.js from the service image, with /healthz and /readyz on port 8001 named http', () => {
    expect(container.image).toBe(named(objects, 'Deployment', 'book-service').spec.template.spec.containers[0].image);
    expect(container.command).toEqual(['node', 'dist/bin/book-catalog.js']);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8001, protocol: 'TCP' }]);
    // the image says PORT=8000 (the service's): the consumer must be told
    expect(env.PORT).toBe('8001');
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(15);
  });

  it('has no writable filesystem at all and the restricted security context', () => {
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 10001, allowPrivilegeEscalation: false });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.volumeMounts).toBeUndefined();
    expect(pod.volumes).toBeUndefined();
    expect(container.resources.limits.memory).toBeDefined();
  });

  it('reads books.events as group book-catalog from the Kafka the topics name, dead letters to books.events.dlq', () => {
    expect(env).toMatchObject({
      KAFKA_BOOTSTRAP_SERVERS: 'book-kafka-kafka-bootstrap:9092',
      KAFKA_TOPIC: readYamlDocuments(join(REPO_ROOT, 'strimzi', 'kafka-topic.yaml'))[0].metadata.name,
      KAFKA_DLQ_TOPIC: dlqFile.metadata.name,
      KAFKA_GROUP_ID: 'book-catalog',
      DB_POOL_MAX: '4',
      CONSUMER_MAX_ATTEMPTS: '5',
      CONSUMER_RETRY_MAX_SECONDS: '10',
    });
    const elsewhere = envOf(named(render({ set: ['consumer.enabled=true', 'cdc.kafkaCluster=events'] }), 'Deployment', 'book-service-consumer').spec.template.spec.containers[0]);
    expect(elsewhere.KAFKA_BOOTSTRAP_SERVERS).toBe('events-kafka-bootstrap:9092');
    const given = envOf(named(render({ set: ['consumer.enabled=true', 'consumer.kafka.bootstrapServers=k1:9093\\,k2:9093', 'consumer.groupId=shop'] }), 'Deployment', 'book-service-consumer').spec.template.spec.containers[0]);
    expect(given).toMatchObject({ KAFKA_BOOTSTRAP_SERVERS: 'k1:9093,k2:9093', KAFKA_GROUP_ID: 'shop' });
  });

  it('connects to the catalog database as book_catalog from Secret book-db-catalog, the password only through $(VAR)', () => {
    expect(env.CATALOG_DB_USER).toEqual({ secretKeyRef: { name: 'book-db-catalog', key: 'username' } });
    expect(env.CATALOG_DB_PASSWORD).toEqual({ secretKeyRef: { name: 'book-db-catalog', key: 'password' } });
    expect(env.CATALOG_DATABASE_URL).toBe('postgres://$(CATALOG_DB_USER):$(CATALOG_DB_PASSWORD)@postgres.books.svc:5432/catalog');
    // Kubernetes expands $(VAR) only for variables defined before
    const names = container.env.map((e: any) => e.name);
    expect(names.indexOf('CATALOG_DB_PASSWORD')).toBeLessThan(names.indexOf('CATALOG_DATABASE_URL'));
    expect(env.PGSSLMODE).toBe('disable');
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.PGPASSWORD).toBeUndefined();
  });

  it('gets TLS like the service: PGSSLMODE and the CA bundle mounted read-only as PGSSLROOTCERT', () => {
    const tls = named(render(VARIANTS['database TLS']), 'Deployment', 'book-service-consumer').spec.template.spec;
    const tlsEnv = envOf(tls.containers[0]);
    expect(tlsEnv.PGSSLMODE).toBe('verify-full');
    expect(tlsEnv.PGSSLROOTCERT).toBe('/etc/book-service/postgres-ca/ca.crt');
    expect(tlsEnv.CATALOG_DATABASE_URL).toBe('postgres://$(CATALOG_DB_USER):$(CATALOG_DB_PASSWORD)@books.abc123.eu-west-1.rds.amazonaws.com:5432/catalog');
    expect(tls.containers[0].volumeMounts).toEqual([{ name: 'postgres-ca', mountPath: '/etc/book-service/postgres-ca', readOnly: true }]);
    expect(tls.volumes).toEqual([expect.objectContaining({ name: 'postgres-ca', secret: expect.objectContaining({ secretName: 'rds-ca' }) })]);
  });

  it('is selected by its own metrics Service only, never by the API Service', () => {
    const selects = (service: KubernetesObject) => Object.entries(service.spec.selector).every(([k, v]) => deployment.spec.template.metadata.labels[k] === v);
    const metrics = named(objects, 'Service', 'book-service-consumer');
    expect(selects(metrics)).toBe(true);
    expect(metrics.spec.ports).toEqual([{ name: 'http', port: 8001, targetPort: 'http', protocol: 'TCP' }]);
    expect(deployment.spec.selector.matchLabels).toEqual(metrics.spec.selector);
    expect(selects(named(objects, 'Service', 'book-service'))).toBe(false);
  });
});

describe('the catalog role and database', () => {
  const kind = render(VARIANTS.kind);
  const job = (name: string) => named(kind, 'Job', name);
  const weight = (o: KubernetesObject) => Number(o.metadata.annotations!['helm.sh/hook-weight']);

  it('migrate as a hook Job after the role bootstrap made the role and the database', () => {
    const migrate = job('book-service-catalog-migrate');
    expect(migrate.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded' });
    expect(weight(migrate)).toBeGreaterThan(weight(job('book-service-bootstrap')));
    expect(weight(migrate)).toBeGreaterThanOrEqual(weight(job('book-service-migrate')));
    const container = migrate.spec.template.spec.containers[0];
    expect(container.command).toEqual(['node', 'dist/bin/catalog-migrate.js']);
    const env = envOf(container);
    expect(env.CATALOG_DATABASE_URL).toBe('postgres://$(CATALOG_DB_USER):$(CATALOG_DB_PASSWORD)@postgres.books.svc:5432/catalog');
    expect(env.CATALOG_DB_PASSWORD).toEqual({ secretKeyRef: { name: 'book-db-catalog', key: 'password' } });
    expect(migrate.spec.template.spec.initContainers.map((c: any) => c.name)).toEqual(['wait-for-postgres']);
    expect(migrate.spec.template.spec.serviceAccountName).toBeUndefined();
  });

  it('can be left to someone else (consumer.migrations.enabled=false)', () => {
    const objects = render({ set: ['consumer.enabled=true', 'consumer.migrations.enabled=false'] });
    expect(objects.filter((o) => o.kind === 'Job')).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ name: 'book-service-migrate' }) })]);
  });

  it('are made by the role bootstrap when the consumer is on: BOOK_CATALOG_PASSWORD and CATALOG_DATABASE', () => {
    const env = envOf(job('book-service-bootstrap').spec.template.spec.containers[0]);
    expect(env.BOOK_CATALOG_PASSWORD).toEqual({ secretKeyRef: { name: 'book-db-catalog', key: 'password' } });
    expect(env.CATALOG_DATABASE).toBe('catalog');
    const without = render({ set: ['dbBootstrap.enabled=true'] }).find((o) => o.kind === 'Job' && o.metadata.name === 'book-service-bootstrap')!;
    const names = without.spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(names).not.toContain('BOOK_CATALOG_PASSWORD');
    expect(names).not.toContain('CATALOG_DATABASE');
  });

  it.each([
    [['consumer.database.username=shop_catalog'], 'creates the catalog role book_catalog only, but consumer.database.username is "shop_catalog"'],
    [['consumer.database.host=other.db'], 'creates the catalog database on database.host (postgres.books.svc:5432), but consumer.database.host/port name other.db:5432'],
  ])('fail the render when the role bootstrap cannot make them (%j)', (set, message) => {
    const result = template('dbBootstrap.enabled=true', 'consumer.enabled=true', ...set);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(message);
  });

  it('may live elsewhere without the role bootstrap', () => {
    const objects = render({ set: ['consumer.enabled=true', 'consumer.database.host=catalog.db', 'consumer.database.port=6432', 'consumer.database.name=shop_catalog'] });
    const env = envOf(named(objects, 'Deployment', 'book-service-consumer').spec.template.spec.containers[0]);
    expect(env.CATALOG_DATABASE_URL).toBe('postgres://$(CATALOG_DB_USER):$(CATALOG_DB_PASSWORD)@catalog.db:6432/shop_catalog');
    const wait = named(objects, 'Job', 'book-service-catalog-migrate').spec.template.spec.initContainers[0];
    expect(envOf(wait)).toMatchObject({ PGHOST: 'catalog.db', PGPORT: '6432', PGDATABASE: 'shop_catalog' });
  });
});

describe('the catalog Secret', () => {
  const chartMade = ['consumer.enabled=true', 'consumer.database.existingSecret=', 'consumer.database.password=test-only-catalog'];

  it('is made by the chart from consumer.database.password when existingSecret is empty, before the hooks read it', () => {
    const objects = render({ set: chartMade });
    const secret = named(objects, 'Secret', 'book-service-db-catalog');
    expect(secret.stringData).toEqual({ username: 'book_catalog', password: 'test-only-catalog' });
    expect(secret.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '-20', 'helm.sh/hook-delete-policy': 'before-hook-creation' });
    expect(secret.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'db-credentials' });
    const env = envOf(named(objects, 'Deployment', 'book-service-consumer').spec.template.spec.containers[0]);
    expect(env.CATALOG_DB_PASSWORD).toEqual({ secretKeyRef: { name: 'book-service-db-catalog', key: 'password' } });
  });

  it('is not made while the consumer is off', () => {
    expect(render({ set: chartMade.slice(1) }).filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('needs a password, and a URL-safe one (it goes into CATALOG_DATABASE_URL)', () => {
    const none = template('consumer.enabled=true', 'consumer.database.existingSecret=');
    expect(none.status).not.toBe(0);
    expect(none.stderr).toContain('consumer.database.password is required when consumer.database.existingSecret is empty');
    const unsafe = template('consumer.enabled=true', 'consumer.database.existingSecret=', 'consumer.database.password=a@b/c');
    expect(unsafe.status).not.toBe(0);
    expect(unsafe.stderr).toContain('consumer.database.password must be URL-safe');
  });
});

describe('the dead-letter topic books.events.dlq', () => {
  it('files/kafka-topic-dlq.yaml is a link to strimzi/, not a copy', () => {
    const path = join(CHART_DIR, 'files', 'kafka-topic-dlq.yaml');
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(resolve(join(CHART_DIR, 'files'), readlinkSync(path))).toBe(join(REPO_ROOT, 'strimzi', 'kafka-topic-dlq.yaml'));
  });

  const dlq = (...set: string[]) => render({ set: ['consumer.enabled=true', ...set] }).find((o) => o.kind === 'KafkaTopic' && o.metadata.name === dlqFile.metadata.name)!;

  it('is the KafkaTopic of strimzi/ in the release namespace, kept on helm uninstall', () => {
    const topic = dlq();
    expect(topic.spec).toEqual(dlqFile.spec);
    expect(topic.metadata).toMatchObject({ name: dlqFile.metadata.name, namespace: 'books', annotations: { 'helm.sh/resource-policy': 'keep' } });
    expect(topic.metadata.labels!['strimzi.io/cluster']).toBe(dlqFile.metadata.labels['strimzi.io/cluster']);
    expect(dlq('consumer.deadLetterTopic.keepOnUninstall=false').metadata.annotations?.['helm.sh/resource-policy']).toBeUndefined();
    expect(dlq('cdc.kafkaCluster=events').metadata.labels!['strimzi.io/cluster']).toBe('events');
  });

  it('follows consumer.deadLetterTopic.replicas like books.events follows cdc.topic.replicas', () => {
    expect(dlq('consumer.deadLetterTopic.replicas=3').spec).toMatchObject({ replicas: 3, config: { 'min.insync.replicas': 2 } });
    const result = template('consumer.enabled=true', 'consumer.deadLetterTopic.replicas=1', 'consumer.deadLetterTopic.minInsyncReplicas=2');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('consumer.deadLetterTopic.minInsyncReplicas (2) must not exceed the replication factor (1)');
  });

  it('travels inside the packaged chart', () => {
    const out = mkdtempSync(join(tmpdir(), 'book-chart-'));
    try {
      expect(helm(['package', CHART_DIR, '--destination', out]).status).toBe(0);
      const topic = render({ chart: join(out, 'book-service-0.1.0.tgz'), set: ['consumer.enabled=true'] }).find((o) => o.kind === 'KafkaTopic');
      expect(topic).toEqual(dlq());
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('with networkPolicy and serviceMonitor (production variant)', () => {
  const objects = render(VARIANTS.production);

  it('a NetworkPolicy of its own: ingress to http only, egress to DNS, the database and the Kafka bootstrap ports', () => {
    const policy = named(objects, 'NetworkPolicy', 'book-service-consumer');
    expect(policy.spec.podSelector.matchLabels).toEqual(named(objects, 'Deployment', 'book-service-consumer').spec.selector.matchLabels);
    expect(policy.spec.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { team: 'frontend' } } }] }]);
    const egressPorts = policy.spec.egress.flatMap((rule: any) => rule.ports.map((p: any) => `${p.protocol}/${p.port}`));
    expect(egressPorts.sort()).toEqual(['TCP/53', 'TCP/5432', 'TCP/9092', 'UDP/53']);
    const database = policy.spec.egress.find((rule: any) => rule.ports[0].port === 5432);
    expect(database.to).toEqual([{ ipBlock: { cidr: '10.20.0.0/16' } }]);
  });

  it('takes the Kafka ports from consumer.kafka.bootstrapServers and the peers from networkPolicy.egress.kafkaPeers', () => {
    const policy = named(
      render({ set: [...VARIANTS.production.set!, 'consumer.kafka.bootstrapServers=k1:9093\\,k2:9093\\,k3:9094', 'networkPolicy.egress.kafkaPeers[0].podSelector.matchLabels.app=kafka'] }),
      'NetworkPolicy',
      'book-service-consumer',
    );
    const kafka = policy.spec.egress.at(-1);
    expect(kafka).toEqual({ ports: [{ port: 9093, protocol: 'TCP' }, { port: 9094, protocol: 'TCP' }], to: [{ podSelector: { matchLabels: { app: 'kafka' } } }] });
  });

  it('a ServiceMonitor that scrapes /metrics of the consumer Service', () => {
    const monitor = named(objects, 'ServiceMonitor', 'book-service-consumer');
    const service = named(objects, 'Service', 'book-service-consumer');
    for (const [key, value] of Object.entries(monitor.spec.selector.matchLabels)) {
      expect({ label: key, onService: service.metadata.labels?.[key] }).toEqual({ label: key, onService: value });
    }
    // and not the API Service, which has its own
    expect(named(objects, 'Service', 'book-service').metadata.labels!['app.kubernetes.io/component']).not.toBe(monitor.spec.selector.matchLabels['app.kubernetes.io/component']);
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
  });

  it('runs the replicas asked for', () => {
    expect(named(objects, 'Deployment', 'book-service-consumer').spec.replicas).toBe(2);
  });
});

describe('values.schema.json for consumer.*', () => {
  it('accepts the consumer on and off', () => {
    for (const enabled of ['true', 'false']) expect(template(`consumer.enabled=${enabled}`)).toMatchObject({ status: 0, stderr: '' });
  });

  it.each([
    ['consumer.enabled=yes', "at '/consumer/enabled'"],
    ['consumer.groupId=book catalog', "at '/consumer/groupId'"],
    ['consumer.kafka.bootstrapServers=book-kafka-kafka-bootstrap', "at '/consumer/kafka/bootstrapServers'"],
    ['consumer.database.existingSecret=Book_DB', "at '/consumer/database/existingSecret'"],
    ['consumer.database.name=Catalog-DB', "at '/consumer/database/name'"],
    ['consumer.config.maxAttempts=0', "at '/consumer/config/maxAttempts': minimum: got 0, want 1"],
    ['consumer.config.logLevel=loud', "at '/consumer/config/logLevel'"],
    ['consumer.deadLetterTopic.replicas=0', "at '/consumer/deadLetterTopic/replicas'"],
    ['consumer.port=8002', "additional properties 'port' not allowed"],
    ['networkPolicy.egress.kafkaPeers=none', "at '/networkPolicy/egress/kafkaPeers'"],
  ])('rejects %s with a message naming it', (value, message) => {
    expectSchemaRejection(template(value), message);
  });
});
