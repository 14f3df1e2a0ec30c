import { lstatSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { helm, render, templateWithProbe } from './support/helm';
import type { KubernetesObject } from './support/kubernetes-schemas';
import { CHART_DIR, readYamlDocuments, REPO_ROOT } from './support/repo';
import { VARIANTS } from './support/variants';

// The connector configuration exists once, in strimzi/. The chart reads it through links
// in files/ and overrides only the cluster coordinates, so what `helm install` deploys
// is what the pipeline tests run.
const fromStrimzi = (file: string) => readYamlDocuments(join(REPO_ROOT, 'strimzi', file))[0];
const connectorFile = fromStrimzi('kafka-connector.yaml');
const topicFile = fromStrimzi('kafka-topic.yaml');
const COORDINATES = ['database.hostname', 'database.port', 'database.dbname', 'database.user', 'database.password', 'publication.name', 'slot.name'];
const without = (config: Record<string, unknown>, keys: string[]) =>
  Object.fromEntries(Object.entries(config).filter(([k]) => !keys.includes(k)));

describe('CDC resources of the chart', () => {
  it.each(['kafka-connector.yaml', 'kafka-topic.yaml'])('files/%s is a link to strimzi/, not a copy', (file) => {
    const path = join(CHART_DIR, 'files', file);
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(resolve(join(CHART_DIR, 'files'), readlinkSync(path))).toBe(join(REPO_ROOT, 'strimzi', file));
  });

  it('are not rendered unless cdc.enabled', () => {
    expect(render().filter((o) => o.apiVersion.startsWith('kafka.strimzi.io/'))).toEqual([]);
  });

  it('render the connector of strimzi/ unchanged for the kind cluster, but for the config provider alias', () => {
    const connector = render(VARIANTS.kind).find((o) => o.kind === 'KafkaConnector')!;
    expect(connector.metadata.name).toBe(connectorFile.metadata.name);
    expect(connector.metadata.labels!['strimzi.io/cluster']).toBe(connectorFile.metadata.labels['strimzi.io/cluster']);
    // strimzi/ names the alias its KafkaConnect (and the local stack) registers; the chart
    // uses the one Strimzi registers in every KafkaConnect.
    const password = String(connectorFile.spec.config['database.password']).replace(/^\$\{\w+:/, '${strimzisecrets:');
    expect(connector.spec).toEqual({ ...connectorFile.spec, config: { ...connectorFile.spec.config, 'database.password': password } });
  });

  it('override only the cluster coordinates for another cluster', () => {
    const objects = render(VARIANTS['cdc elsewhere']);
    const connector = objects.find((o) => o.kind === 'KafkaConnector')!;
    expect(connector.metadata).toMatchObject({ name: connectorFile.metadata.name, namespace: 'shop' });
    expect(connector.metadata.labels!['strimzi.io/cluster']).toBe('debezium');
    expect(connector.spec.config).toMatchObject({
      'database.hostname': 'db.shop.internal',
      'database.port': 6432,
      'database.dbname': 'shop',
      'database.user': 'book_cdc',
      'database.password': '${strimzisecrets:shop/book-db-cdc:password}',
      'publication.name': 'book_outbox_publication',
      'slot.name': 'book_outbox_slot',
    });
    expect(without(connector.spec.config, COORDINATES)).toEqual(without(connectorFile.spec.config, COORDINATES));
    expect(without(connector.spec, ['config'])).toEqual(without(connectorFile.spec, ['config']));

    const topic = objects.find((o) => o.kind === 'KafkaTopic')!;
    expect(topic.metadata).toMatchObject({ name: topicFile.metadata.name, namespace: 'shop' });
    expect(topic.metadata.labels!['strimzi.io/cluster']).toBe('events');
    expect(topic.spec).toEqual({ ...topicFile.spec, replicas: 3, config: { ...topicFile.spec.config, 'min.insync.replicas': 2 } });

    const binding = objects.find((o) => o.kind === 'RoleBinding')!;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'debezium-connect', namespace: 'shop' }]);
    const role = objects.find((o) => o.kind === 'Role')!;
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['book-db-cdc'], verbs: ['get'] }]);
  });

  it('go to cdc.namespace, the namespace of Kafka and Connect, while the Secret and the pods stay in the release namespace', () => {
    const objects = render({ ...VARIANTS.kind, namespace: 'books-app', set: [...VARIANTS.kind.set!, 'cdc.namespace=books'] });
    const strimziKinds = objects.filter((o) => o.apiVersion.startsWith('kafka.strimzi.io/'));
    expect(strimziKinds.map((o) => `${o.kind} ${o.metadata.namespace}`).sort()).toEqual(['KafkaConnector books', 'KafkaTopic books', 'KafkaTopic books']);
    const others = objects.filter((o) => !o.apiVersion.startsWith('kafka.strimzi.io/'));
    expect(new Set(others.map((o) => o.metadata.namespace))).toEqual(new Set(['books-app']));
    const connector = strimziKinds.find((o) => o.kind === 'KafkaConnector')!;
    expect(connector.spec.config['database.password']).toBe('${strimzisecrets:books-app/book-db-cdc:password}');
    const binding = objects.find((o) => o.kind === 'RoleBinding')!;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'book-connect-connect', namespace: 'books' }]);
    const consumer = objects.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-consumer'))!;
    const env = Object.fromEntries(consumer.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.KAFKA_BOOTSTRAP_SERVERS).toBe('book-kafka-kafka-bootstrap.books.svc:9092');
  });

  it('travel inside the packaged chart (helm package stores the linked content)', () => {
    const out = mkdtempSync(join(tmpdir(), 'book-chart-'));
    try {
      const packaged = helm(['package', CHART_DIR, '--destination', out]);
      expect(packaged.stderr).toBe('');
      expect(packaged.status).toBe(0);
      const archive = join(out, 'book-service-0.1.0.tgz');
      const fromArchive = render({ ...VARIANTS['cdc elsewhere'], chart: archive }).filter((o) => o.apiVersion.startsWith('kafka.strimzi.io/'));
      const fromDirectory = render(VARIANTS['cdc elsewhere']).filter((o) => o.apiVersion.startsWith('kafka.strimzi.io/'));
      expect(fromArchive.map((o) => o.kind).sort()).toEqual(['KafkaConnector', 'KafkaTopic']);
      expect(fromArchive).toEqual(fromDirectory);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('the CDC password on any cluster (helm install … --set cdc.enabled=true)', () => {
  const documented = render({ set: ['cdc.enabled=true'] });
  const connector = documented.find((o) => o.kind === 'KafkaConnector')!;

  it("reads the password through Strimzi's built-in strimzisecrets provider (no config.providers needed in the KafkaConnect)", () => {
    expect(connector.spec.config['database.password']).toBe('${strimzisecrets:books/book-db-cdc:password}');
  });

  it('lets the Connect service account get exactly that Secret, by default', () => {
    const role = documented.find((o) => o.kind === 'Role')!;
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['book-db-cdc'], verbs: ['get'] }]);
    const binding = documented.find((o) => o.kind === 'RoleBinding')!;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'book-connect-connect', namespace: 'books' }]);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
  });

  it('makes the Secret from cdc.database.password when cdc.database.passwordSecret is empty', () => {
    const objects = render({ set: ['cdc.enabled=true', 'cdc.database.passwordSecret=', 'cdc.database.password=test-only-cdc'] });
    const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'book-service-db-cdc')!;
    expect(secret.stringData).toEqual({ username: 'book_cdc', password: 'test-only-cdc' });
    expect(Number(secret.metadata.annotations!['helm.sh/hook-weight'])).toBeLessThan(-10);
    expect(objects.find((o) => o.kind === 'KafkaConnector')!.spec.config['database.password']).toBe(
      '${strimzisecrets:books/book-service-db-cdc:password}',
    );
    expect(objects.find((o) => o.kind === 'Role')!.rules[0].resourceNames).toEqual(['book-service-db-cdc']);
  });

  it('asks for the password when the chart is to make that Secret and none is given', () => {
    const result = helm(['template', 'book-service', CHART_DIR, '--kube-version', '1.34.0', '--set', 'cdc.enabled=true', '--set', 'cdc.database.passwordSecret=']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('cdc.database.password is required when cdc.database.passwordSecret is empty');
  });

  // Against a cluster (install, upgrade, --dry-run=server) the chart looks the Secrets it
  // reads up; the check is a helper, called here with what `lookup` would return.
  const check = (existing: string, extra = '') =>
    templateWithProbe(
      `{{- include "book-service.checkSecret" (dict "root" $ "live" true "existing" (${existing}) "name" "book-db-cdc" "keys" (list "password") "username" "book_cdc" "what" "the CDC role's password, cdc.database.passwordSecret" "hint" "set cdc.database.passwordSecret= and cdc.database.password" ${extra}) }}`,
    );

  it('fails the render with a clear message when the Secret is missing on the cluster', () => {
    const result = check('dict');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('Secret books/book-db-cdc');
    expect(result.stderr).toContain('does not exist');
    expect(result.stderr).toContain('kubectl -n books create secret generic book-db-cdc');
  });

  it('fails the render when the Secret lacks the key or names another role', () => {
    const noKey = check('dict "data" (dict "username" ("book_cdc" | b64enc))');
    expect(noKey.status).not.toBe(0);
    expect(noKey.stderr).toContain('has no key "password"');
    const otherRole = check('dict "data" (dict "username" ("postgres" | b64enc) "password" ("x" | b64enc))');
    expect(otherRole.status).not.toBe(0);
    expect(otherRole.stderr).toContain('username "postgres"');
    const fine = check('dict "data" (dict "username" ("book_cdc" | b64enc) "password" ("x" | b64enc))');
    expect(fine.stderr).toBe('');
    expect(fine.status).toBe(0);
  });
});

describe('one set of names for publication, slot and roles', () => {
  const names = ['migrations.publication=shop_pub', 'migrations.slot=shop_slot', 'cdc.database.user=shop_cdc', 'database.app.username=shop_app'];
  const objects = render({ set: ['cdc.enabled=true', ...names] });
  const env = (o: KubernetesObject) => Object.fromEntries(o.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

  it('reach the connector, the migrations and the service', () => {
    const config = objects.find((o) => o.kind === 'KafkaConnector')!.spec.config;
    expect(config).toMatchObject({ 'publication.name': 'shop_pub', 'slot.name': 'shop_slot', 'database.user': 'shop_cdc' });
    const migrate = env(objects.find((o) => o.kind === 'Job' && o.metadata.name.endsWith('-migrate'))!);
    expect(migrate).toMatchObject({ OUTBOX_PUBLICATION: 'shop_pub', OUTBOX_SLOT: 'shop_slot', DB_CDC_ROLE: 'shop_cdc', DB_APP_ROLE: 'shop_app' });
    const service = env(objects.find((o) => o.kind === 'Deployment')!);
    expect(service).toMatchObject({ OUTBOX_PUBLICATION: 'shop_pub', OUTBOX_SLOT: 'shop_slot' });
  });

  it('and the role bootstrap reads the CDC password from the Secret the connector reads', () => {
    const kind = render({ set: ['dbBootstrap.enabled=true', 'cdc.enabled=true', 'cdc.database.passwordSecret=shop-cdc', 'cdc.database.passwordKey=secret'] });
    const bootstrap = kind.find((o) => o.kind === 'Job' && o.metadata.name.endsWith('-bootstrap'))!;
    expect(env(bootstrap).BOOK_CDC_PASSWORD).toEqual({ secretKeyRef: { name: 'shop-cdc', key: 'secret' } });
    expect(kind.find((o) => o.kind === 'KafkaConnector')!.spec.config['database.password']).toBe('${strimzisecrets:books/shop-cdc:secret}');
  });

  it.each([
    ['cdc.database.user=shop_cdc', 'cdc.database.user'],
    ['database.app.username=shop_app', 'database.app.username'],
    ['database.owner.username=shop_owner', 'database.owner.username'],
  ])('fail the render clearly when the role bootstrap cannot make them (%s)', (value, name) => {
    const result = helm(['template', 'book-service', CHART_DIR, '--kube-version', '1.34.0', '--set', 'dbBootstrap.enabled=true', '--set', value]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`dbBootstrap.enabled=true creates the roles book_owner, book_app and book_cdc only, but ${name}`);
  });

  it('fail the render clearly when dbBootstrap.cdcSecret and cdc.database.passwordSecret disagree', () => {
    const result = helm(['template', 'book-service', CHART_DIR, '--kube-version', '1.34.0', '--set', 'dbBootstrap.enabled=true', '--set', 'dbBootstrap.cdcSecret=other']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('dbBootstrap.cdcSecret is replaced by cdc.database.passwordSecret');
  });
});

describe('durability of books.events', () => {
  const topic = (...set: string[]) => render({ set: ['cdc.enabled=true', ...set] }).find((o) => o.kind === 'KafkaTopic')!;

  it('raises min.insync.replicas with the replication factor, so that acks=all means more than one copy', () => {
    expect(topic().spec.config['min.insync.replicas']).toBe(topicFile.spec.config['min.insync.replicas']);
    expect(topic('cdc.topic.replicas=3').spec).toMatchObject({ replicas: 3, config: { 'min.insync.replicas': 2 } });
    expect(topic('cdc.topic.replicas=2').spec).toMatchObject({ replicas: 2, config: { 'min.insync.replicas': 1 } });
    expect(topic('cdc.topic.replicas=5', 'cdc.topic.minInsyncReplicas=3').spec).toMatchObject({ replicas: 5, config: { 'min.insync.replicas': 3 } });
  });

  it('refuses a min.insync.replicas above the replication factor', () => {
    const result = helm(['template', 'book-service', CHART_DIR, '--kube-version', '1.34.0', '--set', 'cdc.enabled=true', '--set', 'cdc.topic.replicas=2', '--set', 'cdc.topic.minInsyncReplicas=3']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('cdc.topic.minInsyncReplicas (3) must not exceed the replication factor (2)');
  });

  it('lets Connect create its own topics with the broker default replication factor', () => {
    const connector = render({ set: ['cdc.enabled=true'] }).find((o) => o.kind === 'KafkaConnector')!;
    expect(connector.spec.config['topic.creation.default.replication.factor']).toBe(-1);
  });
});
