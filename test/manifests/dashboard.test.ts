import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { dashboard as loadDashboard, metricNames, panelQueries, withVariables } from '../../tools/monitoring/dashboard';
import { render } from './support/helm';
import { promtool } from './support/promtool';
import { REPO_ROOT } from './support/repo';
import { VARIANTS } from './support/variants';

const dashboard = loadDashboard();
const panels = dashboard.panels;
const queries = panelQueries();
const rules = render({ ...VARIANTS.kind, set: [...VARIANTS.kind.set!, 'serviceMonitor.enabled=true', 'prometheusRule.enabled=true'] })
  .find((o) => o.kind === 'PrometheusRule')!
  .spec.groups.flatMap((g: { rules: { expr: string }[] }) => g.rules);

/** Grafana's variables as the kind set-up would pick them. */
const substituted = (expr: string) =>
  withVariables(expr, { rateInterval: '1m', cdcNamespace: 'books', namespace: 'books', service: 'book-service', connector: 'book-outbox-connector' });

/** The metrics the service and the consumer register (prom-client `name:` or the outbox gauges' helper). */
const exported = new Set(
  ['service/src/api/http/metrics.ts', 'service/src/api/outbox/gauges.ts', 'service/src/consumer/metrics.ts'].flatMap((file) =>
    [...readFileSync(join(REPO_ROOT, file), 'utf8').matchAll(/(?:name: |gauge\()'([a-z_]+)'/g)].map((m) => m[1]),
  ),
);
/** Series from elsewhere: Kafka Connect's JMX exporter (strimzi/connect-metrics.yaml), Strimzi's Kafka Exporter, Prometheus itself. */
const external = new Set([
  'kafka_connect_connector_status',
  'kafka_connect_connector_task_status',
  'kafka_connect_source_task_source_record_write_total',
  'debezium_metrics_millisecondsbehindsource',
  'kafka_consumergroup_lag',
  'up',
]);

describe('the Grafana dashboard (grafanaDashboard.enabled, files/dashboard.json)', () => {
  it('is a ConfigMap for the Grafana sidecar when enabled, holding files/dashboard.json as it is', () => {
    expect(render({}).some((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-dashboard'))).toBe(false);
    const map = render({ set: ['grafanaDashboard.enabled=true', 'grafanaDashboard.namespace=monitoring'] }).find((o) => o.metadata.name === 'book-service-dashboard')!;
    expect(map.kind).toBe('ConfigMap');
    expect(map.metadata.namespace).toBe('monitoring');
    expect(map.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(JSON.parse(map.data['book-service-outbox.json'])).toEqual(dashboard);
  });

  it('has a panel for each thing an operator looks at', () => {
    const titles = panels.filter((p) => p.type !== 'row').map((p) => p.title);
    expect(titles).toEqual(expect.arrayContaining([
      'Write rate by status', 'Errors (5xx share of /books)', 'Write latency', 'Outbox backlog and age', 'Replication slot: retained WAL',
      'Connector and task state', 'Debezium: behind the source, records written', 'Commit → read model', 'Consumer lag', 'Apply rate', 'Dead letters',
    ]));
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
  });

  it("every panel's query parses (promtool check rules, the variables filled in as on kind)", () => {
    const work = mkdtempSync(join(tmpdir(), 'book-dashboard-'));
    try {
      const records = queries.map((q) => ({ record: `dashboard:panel${q.panel.id}:${q.refId}`, expr: substituted(q.expr) }));
      writeFileSync(join(work, 'dashboard-queries.yaml'), stringify({ groups: [{ name: 'dashboard', rules: records }] }));
      const { status, output } = promtool(['check', 'rules', 'dashboard-queries.yaml'], work);
      expect(output).toContain(`SUCCESS: ${records.length} rules found`);
      expect(status).toBe(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('the dashboard and the alerts use only metrics the service or the consumer export, or the platform’s known ones', () => {
    for (const name of ['outbox_rows', 'cdc_slot_retained_wal_bytes', 'catalog_consumer_lag']) expect(exported).toContain(name);
    const used = new Set([...queries.map((q) => q.expr), ...rules.map((r: { expr: string }) => r.expr)].flatMap(metricNames));
    expect([...used].filter((name) => !exported.has(name) && !external.has(name))).toEqual([]);
  });
});
