import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { helm, render } from './support/helm';
import { VARIANTS } from './support/variants';
import { KUBERNETES_VERSIONS } from './support/kubernetes-schemas';
import { readYamlDocuments, REPO_ROOT } from './support/repo';

// skaffold.yaml and kind-config.yaml cannot run here (no Docker, no cluster); what can be
// checked offline is that they parse, say what the dev loop needs, and name files that exist.
const at = (path: string) => join(REPO_ROOT, path);
const configs = readYamlDocuments(at('skaffold.yaml'));
const byName = new Map(configs.map((c) => [c.metadata?.name as string, c]));
const releases = configs.flatMap((c) => c.deploy?.helm?.releases ?? []);
const artifacts = configs.flatMap((c) => c.build?.artifacts ?? []);
const rawYaml: string[] = configs.flatMap((c) => c.manifests?.rawYaml ?? []);

describe('kind-config.yaml', () => {
  it('is a kind Cluster with a control-plane node', () => {
    const [cluster, ...rest] = readYamlDocuments(at('kind-config.yaml'));
    expect(rest).toEqual([]);
    expect(cluster).toMatchObject({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4' });
    expect(cluster.nodes.map((n: any) => n.role)).toContain('control-plane');
  });
});

describe('skaffold.yaml', () => {
  it('is a set of named skaffold/v4beta13 configs whose requirements exist, without cycles', () => {
    expect(configs.length).toBeGreaterThanOrEqual(2);
    for (const config of configs) {
      expect(config).toMatchObject({ apiVersion: 'skaffold/v4beta13', kind: 'Config', metadata: { name: expect.any(String) } });
    }
    expect(byName.size).toBe(configs.length);
    const depth = (name: string, seen: string[] = []): number => {
      expect(seen).not.toContain(name);
      const config = byName.get(name);
      expect(config).toBeDefined();
      const required = (config!.requires ?? []).flatMap((r: any) => r.configs ?? []);
      for (const r of config!.requires ?? []) expect(r.path).toBeUndefined(); // all in this file
      return required.length ? 1 + Math.max(...required.map((r: string) => depth(r, [...seen, name]))) : 0;
    };
    for (const name of byName.keys()) depth(name);
  });

  it('names only files and directories that exist', () => {
    const paths = [
      ...artifacts.flatMap((a) => [a.context, join(a.context, a.docker.dockerfile)]),
      ...rawYaml,
      ...releases.flatMap((r) => [r.chartPath, ...(r.valuesFiles ?? [])].filter(Boolean)),
      ...configs.flatMap((c) => (c.deploy?.helm?.hooks?.before ?? []).map((h: any) => h.host.command.at(-1))),
    ];
    expect(paths.length).toBeGreaterThan(10);
    for (const path of paths) expect({ path, exists: existsSync(at(path)) }).toEqual({ path, exists: true });
    for (const a of artifacts) expect(statSync(at(a.context)).isDirectory()).toBe(true);
  });

  it('builds the service and Connect images locally, for kind load (no registry)', () => {
    expect(artifacts.map((a) => [a.image, a.context, a.docker.dockerfile]).sort()).toEqual([
      ['book-connect', 'strimzi/connect', 'Dockerfile'],
      ['book-service', '.', 'service/Dockerfile'],
    ]);
    for (const config of configs.filter((c) => c.build)) expect(config.build.local.push).toBe(false);
  });

  it('installs the Strimzi 1.2.0 operator from its OCI chart, watching namespace books, before anything else', () => {
    const operator = releases.find((r) => r.remoteChart?.includes('strimzi'));
    expect(operator).toMatchObject({ remoteChart: 'oci://quay.io/strimzi-helm/strimzi-kafka-operator', version: '1.2.0' });
    expect(operator.namespace).not.toBe('books'); // the chart's RoleBindings collide when both are one namespace
    const [values] = readYamlDocuments(at(operator.valuesFiles[0]));
    expect(values.watchNamespaces).toEqual(['books']);
    const owner = configs.find((c) => c.deploy?.helm?.releases?.includes(operator));
    expect(owner.requires ?? []).toEqual([]);
  });

  it('applies every file of k8s/ and strimzi/ once: by kubectl, or through the chart (connector, topic, dead-letter topic)', () => {
    const kindValues = readYamlDocuments(at('helm/book-service/values-kind.yaml'))[0];
    const viaChart = [
      ...(kindValues.cdc?.enabled ? ['strimzi/kafka-connector.yaml', 'strimzi/kafka-topic.yaml'] : []),
      ...(kindValues.consumer?.enabled ? ['strimzi/kafka-topic-dlq.yaml'] : []),
    ];
    const manifests = ['k8s', 'strimzi'].flatMap((dir) =>
      readdirSync(at(dir))
        .filter((f) => f.endsWith('.yaml') && !['strimzi-operator-values.yaml', 'kustomization.yaml'].includes(f))
        .map((f) => `${dir}/${f}`),
    );
    expect([...rawYaml, ...viaChart].sort()).toEqual(manifests.sort());
  });

  it('lets Skaffold put its book-connect build into the KafkaConnect', () => {
    const [connect] = readYamlDocuments(at('strimzi/kafka-connect.yaml'));
    expect(String(connect.spec.image).split(':')[0]).toBe('book-connect');
    const allow = configs.flatMap((c) => c.resourceSelector?.allow ?? []);
    expect(allow).toContainEqual(expect.objectContaining({ groupKind: 'KafkaConnect.kafka.strimzi.io', image: ['.*'] }));
  });

  it('deploys the chart with the built image and forwards the service to localhost:8000', () => {
    const release = releases.find((r) => r.chartPath === 'helm/book-service');
    expect(release).toMatchObject({ name: 'book-service', namespace: 'books' });
    expect(release.setValueTemplates).toEqual({
      'image.repository': '{{.IMAGE_REPO_book_service}}',
      'image.tag': '{{.IMAGE_TAG_book_service}}',
    });
    const service = render({ release: release.name, namespace: release.namespace }).find((o) => o.kind === 'Service')!;
    const forwards = configs.flatMap((c) => c.portForward ?? []);
    expect(forwards).toContainEqual({
      resourceType: 'service',
      resourceName: service.metadata.name,
      namespace: 'books',
      port: service.spec.ports[0].port,
      localPort: 8000,
    });
  });

  it("forwards the consumer's /metrics to localhost:8001", () => {
    const release = releases.find((r) => r.chartPath === 'helm/book-service');
    const values = release.valuesFiles.map((f: string) => at(f));
    const service = render({ release: release.name, namespace: release.namespace, values }).find((o) => o.kind === 'Service' && o.metadata.labels?.['app.kubernetes.io/component'] === 'consumer')!;
    const forwards = configs.flatMap((c) => c.portForward ?? []);
    expect(forwards).toContainEqual({ resourceType: 'service', resourceName: service.metadata.name, namespace: 'books', port: service.spec.ports[0].port, localPort: 8001 });
  });
});

describe('skaffold.yaml on re-runs', () => {
  it('upgrades the remote operator chart when its values change (Skaffold skips remote charts unless told)', () => {
    const operator = releases.find((r) => r.remoteChart?.includes('strimzi'));
    expect(operator.upgradeOnChange).toBe(true);
  });

  it('puts no per-session label on the KafkaConnect (Strimzi copies labels to the pods, which would restart every session)', () => {
    const allow = configs.flatMap((c) => c.resourceSelector?.allow ?? []);
    const connect = allow.filter((a: any) => a.groupKind === 'KafkaConnect.kafka.strimzi.io');
    expect(connect).toHaveLength(1);
    expect(connect[0].labels ?? []).toEqual([]);
  });
});

describe('skaffold.yaml profiles', () => {
  const profile = (config: string, name: string) => byName.get(config)!.profiles.find((p: any) => p.name === name);

  it('deploys in file order, with the service not requiring the platform (skaffold dev -m book-service leaves it alone)', () => {
    expect(configs.map((c) => c.metadata.name)).toEqual(['strimzi-operator', 'platform', 'book-service']);
    expect(byName.get('book-service')!.requires ?? []).toEqual([]);
  });

  it('switches skaffold dev to the dev target with file sync of sources the hook Jobs do not run', () => {
    const dev = profile('book-service', 'dev');
    expect(dev.activation).toEqual([{ command: 'dev' }]);
    const patch = (path: string) => dev.patches.find((p: any) => p.path === path)?.value;
    expect(patch('/build/artifacts/0/docker/target')).toBe('dev');
    const stages = [...readFileSync(at('service/Dockerfile'), 'utf8').matchAll(/^FROM \S+(?: AS (\S+))?$/gm)].map((m) => m[1]);
    expect(stages).toContain('dev');
    expect(stages.at(-1)).toBeUndefined(); // the production image stays the default target
    const rules: Array<{ src: string; dest: string }> = patch('/build/artifacts/0/sync').manual;
    for (const rule of rules) {
      expect(rule.dest).toBe('.');
      expect(existsSync(at(rule.src.replace(/\/\*.*$/, '')))).toBe(true);
      // dist/ of the hook Jobs must be rebuilt for those: their entry points, the database layer, the migrations.
      expect(rule.src).not.toMatch(/^service\/src\/(\*\*|bin\/(\*|migrate|bootstrap|wait-for-postgres|catalog-)|shared\/(\*\*|db)|.*migrations)/);
    }
    expect(rules.map((r) => r.src)).toEqual(expect.arrayContaining(['service/src/api/http/**', 'service/src/bin/book-service.ts']));
    expect(patch('/deploy/helm/releases/0/valuesFiles/-')).toBe('helm/book-service/values-dev.yaml');
  });

  it('runs the sources with tsx watch in both containers under values-dev.yaml, writable but otherwise as locked down', () => {
    const values = ['helm/book-service/values-kind.yaml', 'helm/book-service/values-dev.yaml'].map(at);
    const deployments = render({ release: 'book-service', namespace: 'books', values }).filter((o) => o.kind === 'Deployment');
    expect(deployments).toHaveLength(2);
    for (const d of deployments) {
      const [container] = d.spec.template.spec.containers;
      expect(container.command.slice(0, 3)).toEqual(['node', 'node_modules/tsx/dist/cli.mjs', 'watch']);
      expect(existsSync(at(container.command.at(-1)))).toBe(true);
      expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: false, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    }
    const production = render({ release: 'book-service', namespace: 'books', values: [values[0]] }).filter((o) => o.kind === 'Deployment');
    const commands = production.map((d) => d.spec.template.spec.containers[0].command);
    expect(commands).toContainEqual(['node', 'dist/bin/book-catalog.js']);
    expect(commands).toContainEqual(undefined); // the service: the image's CMD
  });

  it('takes the operator chart from STRIMZI_OPERATOR_CHART when it is set (air-gapped), and from the OCI registry otherwise', () => {
    const airGapped = profile('strimzi-operator', 'air-gapped');
    expect(airGapped.activation).toEqual([{ env: 'STRIMZI_OPERATOR_CHART=.+' }]);
    expect(airGapped.patches).toContainEqual({ op: 'remove', path: '/deploy/helm/releases/0/remoteChart' });
    expect(airGapped.patches).toContainEqual({ op: 'add', path: '/deploy/helm/releases/0/chartPath', value: '{{.STRIMZI_OPERATOR_CHART}}' });
    expect(byName.get('strimzi-operator')!.deploy.helm.releases[0].remoteChart).toMatch(/^oci:\/\//);
  });
});

describe('Kubernetes versions', () => {
  it('the chart asks for the Kubernetes Strimzi 1.x supports (1.30+), and the schema tests check that floor', () => {
    const [chart] = readYamlDocuments(at('helm/book-service/Chart.yaml'));
    expect(chart.kubeVersion).toBe('>=1.30.0-0');
    expect(KUBERNETES_VERSIONS[0]).toBe('1.30.0');
    const tooOld = helm(['template', 'book-service', at('helm/book-service'), '--kube-version', '1.29.9']);
    expect(tooOld.status).not.toBe(0);
    expect(tooOld.stderr).toContain('chart requires kubeVersion: >=1.30.0-0');
    expect(helm(['template', 'book-service', at('helm/book-service'), '--kube-version', '1.30.0']).status).toBe(0);
  });
});

describe('the NetworkPolicies of the kind deployment (values-kind.yaml, k8s/postgres-networkpolicy.yaml)', () => {
  const chart = render(VARIANTS.kind);
  const [postgresPolicy] = readYamlDocuments(at('k8s/postgres-networkpolicy.yaml'));
  const postgresPods = readYamlDocuments(at('k8s/postgres-statefulset.yaml')).find((d) => d.kind === 'StatefulSet').spec.template.metadata.labels;
  const kafka = readYamlDocuments(at('strimzi/kafka.yaml')).find((d) => d.kind === 'Kafka');
  const connect = readYamlDocuments(at('strimzi/kafka-connect.yaml')).find((d) => d.kind === 'KafkaConnect');
  const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => labels[k] === v);
  const egressPeers = (name: string) => chart.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name)!.spec.egress
    .flatMap((rule: any) => rule.to ?? []).map((peer: any) => peer.podSelector.matchLabels);

  // Too tight shows on the cluster (the pipeline suite, helm test); these name the pods they mean, which a typo would not.
  it('let the service and the consumer reach the PostgreSQL pods and the Kafka pods Strimzi labels', () => {
    expect(egressPeers('book-service').some((peer: Record<string, string>) => selects(peer, postgresPods))).toBe(true);
    const consumer = egressPeers('book-service-consumer');
    expect(consumer.some((peer: Record<string, string>) => selects(peer, postgresPods))).toBe(true);
    expect(consumer).toContainEqual({ 'strimzi.io/cluster': kafka.metadata.name });
  });

  it('let every pod of the release that connects to PostgreSQL in, and the Connect workers', () => {
    const allowed = postgresPolicy.spec.ingress[0].from.map((peer: any) => peer.podSelector.matchLabels);
    expect(selects(postgresPolicy.spec.podSelector.matchLabels, postgresPods)).toBe(true);
    const podsOfRelease = chart.filter((o) => ['Deployment', 'Job'].includes(o.kind)).map((o) => [`${o.kind}/${o.metadata.name}`, o.spec.template.metadata.labels]);
    expect(podsOfRelease.length).toBeGreaterThanOrEqual(4);
    for (const [name, labels] of podsOfRelease) {
      expect({ name, admitted: allowed.some((peer: Record<string, string>) => selects(peer, labels)) }).toEqual({ name, admitted: true });
    }
    expect(allowed).toContainEqual({ 'strimzi.io/cluster': connect.metadata.name, 'strimzi.io/kind': 'KafkaConnect' });
  });
});
