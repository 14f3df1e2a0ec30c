import { join } from 'node:path';
import { metricNames, panelQueries, withVariables } from '../../../../tools/monitoring/dashboard';
import { connect, mergePatchCustom, portForward, scale } from '../../../../tools/ops/kube';
import { DEFAULT_NAMES } from '../../../../tools/ops/pipeline';
import { portForwardToService } from '../../../../tools/ops/port-forwards';
import { waitFor } from '../../../../tools/stack/processes';
import { helm, helmInBackground, NAMESPACE, PLATFORM_NAMESPACE, psql, RELEASE, REPO_ROOT } from './cluster-tools';
import { emit, runStepScript } from './step-script';

/**
 * The chart's monitors and alerts read by a real Prometheus (tools/monitoring/install.sh), a child
 * of monitoring-on-cluster.test.ts run with tsx. Turns on the ServiceMonitors, the PodMonitor and
 * the PrometheusRule with short `for` windows, then: every target up, the metrics the rules and
 * the dashboard name present, every panel's query answered, and the alerts' transitions timed:
 * the connector paused (connector alert; books written until the retained-WAL alert follows),
 * stopped (slot alert), running again (all resolve); the consumer scaled to 0 (consumer alert)
 * and back; the consumer running but its database role refused, books written (lag alert), the
 * role allowed again (resolved).
 */
const PROMETHEUS = { namespace: process.env.E2E_PROMETHEUS_NAMESPACE || 'monitoring', pod: process.env.E2E_PROMETHEUS_POD || 'prometheus-books-0' };
/** The alerts' `for` in this run (the chart's defaults are minutes: docs/operations.md). */
const WINDOW = '30s';
const ALERT_TIMEOUT_MS = 5 * 60_000;
/** BookCdcSlotRetainedWalHigh's threshold in this run: what the writes of a paused minute exceed. */
const RETAINED_WAL_BYTES = 1024 * 1024;
/** BookCatalogConsumerLagHigh's threshold in this run, in records. */
const LAG_RECORDS = 100;

type Alert = { labels: { alertname: string }; state: 'pending' | 'firing' };
type Target = { scrapePool: string; health: string; labels: Record<string, string>; lastError: string };

async function main() {
  const cluster = await connect();
  const set = [
    'serviceMonitor.enabled=true', 'serviceMonitor.interval=15s', 'prometheusRule.enabled=true',
    `prometheusRule.connectorNotRunningFor=${WINDOW}`, `prometheusRule.slotInactiveFor=${WINDOW}`, `prometheusRule.consumerDownFor=${WINDOW}`,
    `prometheusRule.slotRetainedWalBytes=${RETAINED_WAL_BYTES}`, 'prometheusRule.slotGrowthWindow=1m',
    `prometheusRule.consumerLagRecords=${LAG_RECORDS}`, `prometheusRule.consumerLagFor=${WINDOW}`,
  ];
  const upgraded = await helmInBackground('upgrade', RELEASE, join(REPO_ROOT, 'helm/book-service'), '-n', NAMESPACE, '--reuse-values',
    ...set.flatMap((s) => ['--set', s]), '--wait', '--timeout', '10m');
  if (upgraded.code !== 0) throw new Error(`helm upgrade failed (exit ${upgraded.code}): ${upgraded.output.slice(-2000)}`);
  emit('enabled', { set });

  const prometheus = await portForward(cluster, PROMETHEUS.namespace, async () => PROMETHEUS.pod, 9090);
  try {
    const api = async <T>(path: string): Promise<T> => {
      const answer = await fetch(`${prometheus.url}/api/v1/${path}`, { signal: AbortSignal.timeout(20_000) });
      const body = (await answer.json()) as { status: string; data: T; error?: string };
      if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error}`);
      return body.data;
    };
    const query = (expr: string) => api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`query?query=${encodeURIComponent(expr)}`);

    // Targets: the service, the consumer, the Kafka node(s) and Connect worker(s), all up.
    const pools = ['serviceMonitor/', 'podMonitor/'];
    let targets: Target[] = [];
    await waitFor('every target of the release to be up', 4 * 60_000, async () => {
      targets = (await api<{ activeTargets: Target[] }>('targets?state=active')).activeTargets.filter((t) => pools.some((p) => t.scrapePool.startsWith(p)));
      const kinds = new Set(targets.map((t) => t.labels.strimzi_io_kind ?? t.labels.service));
      return ['Kafka', 'KafkaConnect', DEFAULT_NAMES.service, DEFAULT_NAMES.consumer].every((k) => kinds.has(k)) && targets.every((t) => t.health === 'up');
    }, { intervalMs: 5_000, detail: () => JSON.stringify(targets.map((t) => [t.scrapePool, t.labels.pod, t.health, t.lastError])) });
    emit('targets', { targets: targets.map((t) => ({ pool: t.scrapePool, pod: t.labels.pod, kind: t.labels.strimzi_io_kind ?? t.labels.service, health: t.health })) });

    // A short write load, so that rates and histograms have data, then a few scrapes.
    const service = await portForwardToService(cluster);
    let written = 0;
    const write = async (books: number) => {
      for (let i = 0; i < books; i++, written++) {
        const created = await fetch(`${service.url}/books`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ title: `monitoring e2e ${written}`, author: 'cluster e2e', price: 10 + (written % 90) }),
        });
        const { id } = (await created.json()) as { id: number };
        if (created.status !== 201) throw new Error(`POST /books answered ${created.status}`);
        if (written % 4 === 0) await fetch(`${service.url}/books/${id}`, { method: 'DELETE' });
      }
    };
    await write(40);
    await new Promise((resolve) => setTimeout(resolve, 50_000));

    const variables = { namespace: NAMESPACE, service: DEFAULT_NAMES.service, cdcNamespace: PLATFORM_NAMESPACE, connector: DEFAULT_NAMES.connector, rateInterval: '1m' };
    const panels = [];
    for (const q of panelQueries()) {
      const { result } = await query(withVariables(q.expr, variables));
      panels.push({ panel: q.panel.title, refId: q.refId, series: result.length });
    }
    const rules = (await api<{ groups: Array<{ rules: Array<{ name: string; type: string; health: string; query: string }> }> }>('rules')).groups
      .flatMap((g) => g.rules).filter((r) => r.type === 'alerting' && r.name.startsWith('Book'));
    const names = [...new Set([...panelQueries().map((q) => q.expr), ...rules.map((r) => r.query)].flatMap(metricNames))].sort();
    const metrics: Record<string, number> = {};
    // metricNames gives a histogram by its base name
    for (const name of names) metrics[name] = (await query(`count({__name__=~"${name}(_bucket)?"})`)).result.length;
    emit('queries', { panels, rules: rules.map((r) => ({ name: r.name, health: r.health })), metrics });

    const alerts = async () => (await api<{ alerts: Alert[] }>('alerts')).alerts.filter((a) => a.labels.alertname.startsWith('Book'));
    const stateOf = async (name: string) => (await alerts()).find((a) => a.labels.alertname === name)?.state ?? 'inactive';
    const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;
    const until = async (what: string, check: () => Promise<boolean>) => waitFor(what, ALERT_TIMEOUT_MS, check, { intervalMs: 2_000 });
    const firingAfter = async (name: string, since: number) => {
      await until(`${name} to fire`, async () => (await stateOf(name)) === 'firing');
      return seconds(since);
    };
    const connector = { group: 'kafka.strimzi.io', version: 'v1', plural: 'kafkaconnectors', namespace: PLATFORM_NAMESPACE, name: DEFAULT_NAMES.connector };
    const slotActive = async () => (await query(`max(cdc_slot_active{namespace="${NAMESPACE}", service="${DEFAULT_NAMES.service}"})`)).result[0]?.value[1];
    const consumer = await cluster.apps.readNamespacedDeployment({ namespace: NAMESPACE, name: DEFAULT_NAMES.consumer });
    const replicas = consumer.spec?.replicas ?? 1;
    const values = helm('get', 'values', RELEASE, '-n', NAMESPACE, '--all', '-o', 'json');
    if (values.code !== 0) throw new Error(`helm get values failed: ${values.output}`);
    const catalogRole: string = JSON.parse(values.output).consumer.database.username;
    emit('quiet', { alerts: (await alerts()).map((a) => `${a.labels.alertname}:${a.state}`) });

    try {
      let since = Date.now();
      await mergePatchCustom(cluster, connector, { spec: { state: 'paused' } });
      const connectorFiring = await firingAfter('BookCdcConnectorNotRunning', since);
      // Paused, Debezium keeps its replication connection (the slot stays active) but confirms
      // nothing: every write from now on stays in the slot's WAL.
      const walAlert = 'BookCdcSlotRetainedWalHigh';
      await until(`${walAlert} to fire while books are written`, async () => {
        await write(100);
        return (await stateOf(walAlert)) === 'firing';
      });
      emit('paused', { connectorFiring, walFiring: seconds(since), written, slotActive: await slotActive(), slotAlert: await stateOf('BookCdcSlotInactive') });

      since = Date.now();
      await mergePatchCustom(cluster, connector, { spec: { state: 'stopped' } });
      const slotFiring = await firingAfter('BookCdcSlotInactive', since);
      emit('stopped', { slotFiring, slotActive: await slotActive(), connectorAlert: await stateOf('BookCdcConnectorNotRunning') });

      since = Date.now();
      await mergePatchCustom(cluster, connector, { spec: { state: 'running' } });
      const cdcAlerts = ['BookCdcConnectorNotRunning', 'BookCdcTaskNotRunning', 'BookCdcSlotInactive', walAlert];
      await until('the CDC alerts to resolve', async () => (await alerts()).every((a) => !cdcAlerts.includes(a.labels.alertname)));
      emit('running', { resolved: seconds(since), slotActive: await slotActive() });

      since = Date.now();
      await scale(cluster, 'Deployment', NAMESPACE, DEFAULT_NAMES.consumer, 0);
      const consumerFiring = await firingAfter('BookCatalogConsumerDown', since);
      since = Date.now();
      await scale(cluster, 'Deployment', NAMESPACE, DEFAULT_NAMES.consumer, replicas);
      await until('BookCatalogConsumerDown to resolve', async () => (await stateOf('BookCatalogConsumerDown')) === 'inactive');
      emit('consumer', { firing: consumerFiring, resolved: seconds(since) });

      // A consumer that runs but cannot apply: its role may not log in (and loses its sessions), so
      // it retries the same records and commits nothing while the topic grows.
      since = Date.now();
      await psql(cluster, 'postgres', `ALTER ROLE ${catalogRole} NOLOGIN`);
      await psql(cluster, 'postgres', `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '${catalogRole}'`);
      const lagAlert = 'BookCatalogConsumerLagHigh';
      const lag = async () => Number((await query(`sum(catalog_consumer_lag{namespace="${NAMESPACE}", service="${DEFAULT_NAMES.consumer}"})`)).result[0]?.value[1] ?? 0);
      await until(`${lagAlert} to fire while books are written`, async () => {
        if ((await lag()) <= 2 * LAG_RECORDS) await write(LAG_RECORDS);
        return (await stateOf(lagAlert)) === 'firing';
      });
      const lagFiring = seconds(since);
      const stalled = { lag: await lag(), consumerDown: await stateOf('BookCatalogConsumerDown') };
      since = Date.now();
      await psql(cluster, 'postgres', `ALTER ROLE ${catalogRole} LOGIN`);
      await until(`${lagAlert} to resolve`, async () => (await stateOf(lagAlert)) === 'inactive');
      emit('lag', { threshold: LAG_RECORDS, firing: lagFiring, ...stalled, resolved: seconds(since), lagAfter: await lag() });
    } finally {
      await service.close();
      await mergePatchCustom(cluster, connector, { spec: { state: 'running' } }).catch(() => undefined);
      await scale(cluster, 'Deployment', NAMESPACE, DEFAULT_NAMES.consumer, replicas).catch(() => undefined);
      await psql(cluster, 'postgres', `ALTER ROLE ${catalogRole} LOGIN`).catch(() => undefined);
    }
    emit('end', { alerts: (await alerts()).map((a) => `${a.labels.alertname}:${a.state}`) });
  } finally {
    await prometheus.close();
  }
}

runStepScript(main);
