import { lstatSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { helm, render } from './support/helm';
import { CHART_DIR, readYamlDocuments, REPO_ROOT } from './support/repo';
import { VARIANTS } from './support/variants';

// The connector configuration exists once, in strimzi/. The chart reads it through links
// in files/ and overrides only the cluster coordinates, so what `helm install` deploys
// is what the pipeline tests run.
const fromStrimzi = (file: string) => readYamlDocuments(join(REPO_ROOT, 'strimzi', file))[0];
const connectorFile = fromStrimzi('kafka-connector.yaml');
const topicFile = fromStrimzi('kafka-topic.yaml');
const COORDINATES = ['database.hostname', 'database.port', 'database.dbname', 'database.user', 'database.password'];
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

  it('render the connector of strimzi/ unchanged for the kind cluster', () => {
    const connector = render(VARIANTS.kind).find((o) => o.kind === 'KafkaConnector')!;
    expect(connector.metadata.name).toBe(connectorFile.metadata.name);
    expect(connector.metadata.labels!['strimzi.io/cluster']).toBe(connectorFile.metadata.labels['strimzi.io/cluster']);
    expect(connector.spec).toEqual(connectorFile.spec);
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
      'database.password': '${secrets:shop/book-db-cdc:password}',
    });
    expect(without(connector.spec.config, COORDINATES)).toEqual(without(connectorFile.spec.config, COORDINATES));
    expect(without(connector.spec, ['config'])).toEqual(without(connectorFile.spec, ['config']));

    const topic = objects.find((o) => o.kind === 'KafkaTopic')!;
    expect(topic.metadata).toMatchObject({ name: topicFile.metadata.name, namespace: 'shop' });
    expect(topic.metadata.labels!['strimzi.io/cluster']).toBe('events');
    expect(topic.spec).toEqual({ ...topicFile.spec, replicas: 3 });

    const binding = objects.find((o) => o.kind === 'RoleBinding')!;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'debezium-connect', namespace: 'shop' }]);
    const role = objects.find((o) => o.kind === 'Role')!;
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['book-db-cdc'], verbs: ['get'] }]);
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
