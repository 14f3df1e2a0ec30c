import { render } from './support/helm';
import { KUBERNETES_VERSIONS, KubernetesValidator, type KubernetesObject } from './support/kubernetes-schemas';
import { PrometheusOperatorValidator, PROMETHEUS_OPERATOR, StrimziValidator } from './support/crd-schemas';
import { VARIANTS } from './support/variants';

// Every object the chart renders, in every variant, is checked offline: built-in kinds
// against the strict Kubernetes JSON schemas (unknown fields are errors) of the oldest
// supported and the CI Kubernetes version, Strimzi kinds against the Strimzi 1.2.0 CRDs,
// ServiceMonitors and the PrometheusRule against the Prometheus Operator's CRDs.
const kubernetes = KUBERNETES_VERSIONS.map((v) => new KubernetesValidator(v));
const strimzi = new StrimziValidator();
const monitoring = new PrometheusOperatorValidator();
const rendered = Object.entries(VARIANTS).map(([name, options]) => [name, render(options)] as const);
const label = (o: KubernetesObject) => `${o.kind}/${o.metadata.name}`;

describe.each(rendered)('chart variant "%s"', (_variant, objects) => {
  const builtIn = objects.filter((o) => !o.apiVersion.includes('.strimzi.io/') && o.apiVersion !== 'monitoring.coreos.com/v1');

  it.each(builtIn.map((o) => [label(o), o] as const))('%s matches the Kubernetes schemas', (_name, object) => {
    for (const validator of kubernetes) {
      expect({ kubernetes: validator.kubernetesVersion, problems: validator.validate(object) }).toEqual({
        kubernetes: validator.kubernetesVersion,
        problems: [],
      });
    }
  });

  const custom = objects.filter((o) => o.apiVersion.includes('.strimzi.io/'));
  if (custom.length > 0) {
    it.each(custom.map((o) => [label(o), o] as const))('%s matches the Strimzi 1.2.0 CRD schema', (_name, object) => {
      expect(strimzi.validate(object)).toEqual([]);
    });
  }

  const monitors = objects.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1');
  if (monitors.length > 0) {
    it.each(monitors.map((o) => [label(o), o] as const))(`%s matches the Prometheus Operator ${PROMETHEUS_OPERATOR.version} CRD schema`, (_name, object) => {
      expect(monitoring.validate(object)).toEqual([]);
    });
  }

  it('renders names that are valid and unique per kind', () => {
    const keys = objects.map(label);
    expect(new Set(keys).size).toBe(keys.length);
    for (const o of objects) expect(o.metadata.name.length).toBeLessThanOrEqual(63);
  });
});

describe('the validators themselves', () => {
  const deployment = render().find((o) => o.kind === 'Deployment')!;

  it('reject a misspelt field, a wrong type and an unknown kind', () => {
    const typo = structuredClone(deployment);
    typo.spec.template.spec.containers[0].readinesProbe = typo.spec.template.spec.containers[0].readinessProbe;
    const wrongType = structuredClone(deployment);
    wrongType.spec.replicas = 'three';
    for (const validator of kubernetes) {
      expect(validator.validate(typo).join('\n')).toMatch(/readinesProbe|additional/);
      expect(validator.validate(wrongType).join('\n')).toMatch(/\/spec\/replicas/);
      expect(validator.validate({ ...deployment, apiVersion: 'apps/v1beta1' })).not.toEqual([]);
    }
  });

  it('reject a KafkaConnector with an undeclared field', () => {
    const connector = render(VARIANTS.kind).find((o) => o.kind === 'KafkaConnector')!;
    expect(strimzi.validate(connector)).toEqual([]);
    expect(strimzi.validate({ ...connector, spec: { ...connector.spec, taskMax: 1 } }).join('\n')).toMatch(/additional/);
  });

  it('reject a PrometheusRule whose rule has an undeclared field', () => {
    const rule = render(VARIANTS.production).find((o) => o.kind === 'PrometheusRule')!;
    expect(monitoring.validate(rule)).toEqual([]);
    const typo = structuredClone(rule);
    typo.spec.groups[0].rules[0].fore = typo.spec.groups[0].rules[0].for;
    expect(monitoring.validate(typo).join('\n')).toMatch(/additional/);
  });
});

describe('the ServiceMonitor (Prometheus Operator CRD, not in the Kubernetes schemas)', () => {
  it('scrapes /metrics on the service port named http', () => {
    const objects = render(VARIANTS.production);
    const monitor = objects.find((o) => o.kind === 'ServiceMonitor' && o.metadata.name === 'book-service')!;
    const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'book-service')!;
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    // a ServiceMonitor selects Services by the Service's own labels (not its pod selector)
    const labels = service.metadata.labels ?? {};
    expect(Object.keys(monitor.spec.selector.matchLabels).length).toBeGreaterThan(0);
    for (const [key, value] of Object.entries(monitor.spec.selector.matchLabels)) {
      expect({ label: key, onService: labels[key] }).toEqual({ label: key, onService: value });
    }
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    expect(service.spec.ports.map((p: any) => p.name)).toContain('http');
  });
});

describe('the PodMonitor of the Kafka nodes and Connect workers (serviceMonitor.strimziPodMonitor)', () => {
  it('selects the pods of cdc.kafkaCluster and cdc.connectCluster in the CDC namespace, on the JMX exporter port Strimzi opens', () => {
    const monitor = render({ set: ['serviceMonitor.enabled=true', 'cdc.enabled=true', 'cdc.namespace=kafka', 'cdc.kafkaCluster=k', 'cdc.connectCluster=c'] }).find(
      (o) => o.kind === 'PodMonitor',
    )!;
    expect(monitor.metadata.namespace).toBe('kafka');
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['kafka'] });
    expect(monitor.spec.selector.matchExpressions).toEqual([
      { key: 'strimzi.io/kind', operator: 'In', values: ['Kafka', 'KafkaConnect'] },
      { key: 'strimzi.io/cluster', operator: 'In', values: ['k', 'c'] },
    ]);
    expect(monitor.spec.podMetricsEndpoints).toEqual([expect.objectContaining({ port: 'tcp-prometheus', path: '/metrics' })]);
    // the alerts select Connect's series by namespace
    expect(monitor.spec.podMetricsEndpoints[0].relabelings).toContainEqual({ sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace' });
  });

  it('is left out without CDC, without ServiceMonitors or when switched off', () => {
    for (const set of [['serviceMonitor.enabled=true'], ['cdc.enabled=true'], ['serviceMonitor.enabled=true', 'cdc.enabled=true', 'serviceMonitor.strimziPodMonitor=false']]) {
      expect(render({ set }).some((o) => o.kind === 'PodMonitor')).toBe(false);
    }
  });
});
