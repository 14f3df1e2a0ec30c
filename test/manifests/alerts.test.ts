import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ALERT_CASES, AlertCase } from './support/alert-cases';
import { render } from './support/helm';
import { promtool as runPromtool } from './support/promtool';
import { PrometheusOperatorValidator } from './support/crd-schemas';
import { readYamlDocuments, REPO_ROOT } from './support/repo';
import { VARIANTS } from './support/variants';

// The PrometheusRule as the kind set-up would render it with monitoring on (release book-service, namespace books).
const monitored = { ...VARIANTS.kind, set: [...VARIANTS.kind.set!, 'serviceMonitor.enabled=true', 'prometheusRule.enabled=true'] };
const rule = render(monitored).find((o) => o.kind === 'PrometheusRule')!;
const rules: { alert: string; expr: string; labels: Record<string, string>; annotations: Record<string, string> }[] = rule.spec.groups.flatMap((g: { rules: unknown[] }) => g.rules);

const work = mkdtempSync(join(tmpdir(), 'book-alerts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
writeFileSync(join(work, 'rules.yaml'), stringify({ groups: rule.spec.groups }));

const promtool = (args: string[]) => runPromtool(args, work);

/** promtool's unit-test file for one alert: each scenario evaluated where it must fire and where it must not. */
function unitTest(c: AlertCase): string {
  const { annotations } = rules.find((r) => r.alert === c.alert)!;
  const tests = c.scenarios.map((s) => ({
    interval: '1m',
    name: `${c.alert}: ${s.name}`,
    input_series: Object.entries(s.series).map(([series, values]) => ({ series, values })),
    alert_rule_test: [
      ...s.quietAt.map((minute) => ({ eval_time: `${minute}m`, alertname: c.alert, exp_alerts: [] })),
      ...(s.firingAt
        ? [{
            eval_time: `${s.firingAt.minute}m`,
            alertname: c.alert,
            exp_alerts: s.firingAt.alerts.map((labels) => ({ exp_labels: { ...labels, severity: c.severity }, exp_annotations: annotations })),
          }]
        : []),
    ],
  }));
  return stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests });
}

describe('the PrometheusRule (prometheusRule.enabled, docs/operations.md)', () => {
  it('is off by default and needs the ServiceMonitors whose series it selects', () => {
    expect(render({}).some((o) => o.kind === 'PrometheusRule')).toBe(false);
    expect(() => render({ set: ['prometheusRule.enabled=true'] })).toThrow(/prometheusRule.enabled needs serviceMonitor.enabled/);
  });

  it('passes `promtool check rules`', () => {
    const { status, output } = promtool(['check', 'rules', 'rules.yaml']);
    expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(status).toBe(0);
  });

  it('has a unit test for every alert, and every alert is explained in docs/operations.md', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual(ALERT_CASES.map((c) => c.alert).sort());
    const operations = readFileSync(join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');
    for (const { alert } of rules) expect(operations).toContain(`### ${alert}`);
  });

  it.each(ALERT_CASES.map((c) => [c.alert, c] as const))('%s fires on its fault and stays quiet without it (promtool test rules)', (alert, c) => {
    const file = `${alert}.test.yaml`;
    writeFileSync(join(work, file), unitTest(c));
    const { status, output } = promtool(['test', 'rules', file]);
    if (status !== 0) console.error(output);
    expect(status).toBe(0);
    expect(output).toContain('SUCCESS');
  });

  it('takes its thresholds and extra labels from the values', () => {
    const values = join(work, 'thresholds.yaml');
    writeFileSync(values, stringify({ prometheusRule: { errorRatio: 0.05, slotRetainedWalBytes: 2147483648, alertLabels: { team: 'books' }, runbookBaseUrl: 'https://runbooks.example/books' } }));
    const objects = render({ ...monitored, values: [...monitored.values!, values] });
    const rendered: typeof rules = objects.find((o) => o.kind === 'PrometheusRule')!.spec.groups.flatMap((g: { rules: unknown[] }) => g.rules);
    const byName = (name: string) => rendered.find((r) => r.alert === name)!;
    expect(byName('BookServiceErrorsHigh').expr).toMatch(/> 0.05$/);
    expect(byName('BookCdcSlotRetainedWalHigh').expr).toContain('> 2147483648 and');
    for (const r of rendered) {
      expect(r.labels.team).toBe('books');
      expect(r.annotations.runbook_url).toBe(`https://runbooks.example/books#${r.alert.toLowerCase()}`);
    }
  });
});

describe("the test cluster's Prometheus (tools/monitoring/prometheus.yaml)", () => {
  const docs = readYamlDocuments(join(REPO_ROOT, 'tools', 'monitoring', 'prometheus.yaml'));
  const prometheus = docs.find((d) => d.kind === 'Prometheus');

  it('is valid against the Prometheus Operator CRD and reads every ServiceMonitor and PrometheusRule, from every namespace', () => {
    expect(new PrometheusOperatorValidator().validate(prometheus)).toEqual([]);
    expect(prometheus.spec).toMatchObject({ serviceMonitorSelector: {}, serviceMonitorNamespaceSelector: {}, ruleSelector: {}, ruleNamespaceSelector: {} });
  });

  it('runs in the namespace the kind values let through the NetworkPolicies', () => {
    const kindValues = readYamlDocuments(join(REPO_ROOT, 'helm', 'book-service', 'values-kind.yaml'))[0];
    const allowed = kindValues.networkPolicy.allowedFrom.map((peer: any) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']);
    expect(allowed).toContain(prometheus.metadata.namespace);
  });
});
