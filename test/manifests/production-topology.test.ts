import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tool } from '../../tools/pinned-tools';
import { render } from './support/helm';
import type { KubernetesObject } from './support/kubernetes-schemas';
import { parseYamlDocuments, readYamlDocuments, REPO_ROOT } from './support/repo';
import { StrimziValidator } from './support/crd-schemas';
import { VARIANTS } from './support/variants';

// The production-shaped variant (docs/topology.md): k8s/production patches the platform of
// strimzi/, values-production.yaml the chart; `skaffold run -p production` deploys both.
const at = (path: string) => join(REPO_ROOT, path);

function kustomize(dir: string): KubernetesObject[] {
  const result = spawnSync(tool('kustomize'), ['build', at(dir)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`kustomize build ${dir} failed:\n${result.stderr}`);
  return parseYamlDocuments(result.stdout, `kustomize build ${dir}`) as KubernetesObject[];
}

const base = kustomize('strimzi');
const production = kustomize('k8s/production');
const one = (objects: KubernetesObject[], kind: string): any => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
};
const skaffold = readYamlDocuments(at('skaffold.yaml'));
const profileOf = (config: string) =>
  skaffold.find((c) => c.metadata.name === config).profiles.find((p: any) => p.name === 'production');

describe('the production-shaped platform (k8s/production)', () => {
  it('is the base strimzi/kustomization.yaml, which lists the files the default platform applies', () => {
    const platform = skaffold.find((c) => c.metadata.name === 'platform');
    const fromStrimzi = platform.manifests.rawYaml.filter((f: string) => f.startsWith('strimzi/')).map((f: string) => f.slice('strimzi/'.length));
    expect(readYamlDocuments(at('strimzi/kustomization.yaml'))[0].resources).toEqual(fromStrimzi);
    expect(production.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(base.map((o) => `${o.kind}/${o.metadata.name}`).sort());
  });

  it('validates against the Strimzi 1.2.0 CRDs', () => {
    const strimzi = new StrimziValidator();
    for (const object of production.filter((o) => o.apiVersion.startsWith('kafka.strimzi.io/'))) {
      expect({ object: `${object.kind}/${object.metadata.name}`, errors: strimzi.validate(object) }).toEqual({ object: `${object.kind}/${object.metadata.name}`, errors: [] });
    }
  });

  it('runs three KRaft nodes on which one may be lost while acks=all writes go on', () => {
    const pool = one(production, 'KafkaNodePool');
    expect(pool.spec.replicas).toBe(3);
    expect(pool.spec.roles.sort()).toEqual(['broker', 'controller']);
    expect(pool.spec.resources.requests.cpu).toBe('100m'); // three of them fit one 2-core node
    const config = one(production, 'Kafka').spec.kafka.config;
    expect(config).toEqual({
      ...one(base, 'Kafka').spec.kafka.config,
      'offsets.topic.replication.factor': 3,
      'transaction.state.log.replication.factor': 3,
      'transaction.state.log.min.isr': 2,
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
    });
  });

  it('runs two Connect workers whose internal topics have three replicas, the rest of the worker as in strimzi/', () => {
    const connect = one(production, 'KafkaConnect');
    expect(connect.spec.replicas).toBe(2);
    expect(connect.spec.resources.requests.cpu).toBe('100m');
    expect(connect.spec.config).toEqual({
      ...one(base, 'KafkaConnect').spec.config,
      'config.storage.replication.factor': 3,
      'offset.storage.replication.factor': 3,
      'status.storage.replication.factor': 3,
    });
  });

  it('is what `skaffold run -p production` deploys in place of strimzi/', () => {
    const patches = profileOf('platform').patches;
    expect(patches).toContainEqual({ op: 'add', path: '/manifests/kustomize', value: { paths: ['k8s/production'] } });
    const rawYaml = patches.find((p: any) => p.path === '/manifests/rawYaml').value;
    expect(rawYaml.filter((f: string) => f.startsWith('strimzi/'))).toEqual([]);
    expect(profileOf('book-service').patches).toContainEqual({
      op: 'add', path: '/deploy/helm/releases/0/valuesFiles/-', value: 'helm/book-service/values-production.yaml',
    });
  });
});

describe('the chart with values-production.yaml', () => {
  const objects = render(VARIANTS['production topology']);
  const named = (kind: string, name: string): any => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    expect(found).toBeDefined();
    return found;
  };

  it('runs two service pods and two consumers, each kept at one or more through a voluntary disruption', () => {
    expect(named('Deployment', 'book-service').spec.replicas).toBe(2);
    expect(named('Deployment', 'book-service-consumer').spec.replicas).toBe(2);
    const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget') as any[];
    expect(budgets.map((b) => [b.metadata.name, b.spec.minAvailable]).sort()).toEqual([['book-service', 1], ['book-service-consumer', 1]]);
    for (const [budget, deployment] of [['book-service', 'book-service'], ['book-service-consumer', 'book-service-consumer']]) {
      expect(named('PodDisruptionBudget', budget).spec.selector.matchLabels).toEqual(named('Deployment', deployment).spec.selector.matchLabels);
    }
  });

  it('gives both topics three replicas and min.insync.replicas 2: no more replicas than brokers', () => {
    const brokers = one(production, 'KafkaNodePool').spec.replicas;
    for (const name of ['books.events', 'books.events.dlq']) {
      const topic = named('KafkaTopic', name);
      expect({ name, replicas: topic.spec.replicas, minIsr: topic.spec.config['min.insync.replicas'] }).toEqual({ name, replicas: 3, minIsr: 2 });
      expect(topic.spec.replicas).toBeLessThanOrEqual(brokers);
    }
  });
});
