/**
 * One promtool unit test per alert of the chart's PrometheusRule (rendered with the kind values:
 * release book-service in namespace books, the connector book-outbox-connector there too).
 * Each case has scenarios on a 1-minute interval, in promtool's series notation ('1x4 0x20':
 * 1 five times, then 0; '_' is no sample), evaluated where the alert must fire and where it must not.
 */
export interface AlertScenario {
  name: string;
  series: Record<string, string>;
  /** Minutes after the start where the alert must be firing, with the labels of each alert (severity added by the test). */
  firingAt?: { minute: number; alerts: Record<string, string>[] };
  /** Minutes where it must not be firing (pending counts as not firing). */
  quietAt: number[];
}

export interface AlertCase {
  alert: string;
  severity: 'critical' | 'warning';
  scenarios: AlertScenario[];
}

const api = (metric: string, labels = '') => `${metric}{namespace="books", service="book-service"${labels ? `, ${labels}` : ''}}`;
const consumer = (metric: string, labels = '') => `${metric}{namespace="books", service="book-service-consumer"${labels ? `, ${labels}` : ''}}`;
const connector = 'book-outbox-connector';
const connect = (metric: string, labels: string, namespace = 'books') => `${metric}{namespace="${namespace}", connector="${connector}", ${labels}}`;
const books = (labels: string) => api('http_requests_total', `method="POST", route="/books", ${labels}`);
const latency = (le: string) => api('http_request_duration_seconds_bucket', `method="POST", route="/books", status="201", le="${le}"`);

export const ALERT_CASES: AlertCase[] = [
  {
    alert: 'BookCdcConnectorNotRunning',
    severity: 'critical',
    scenarios: [
      {
        name: 'paused from minute 5 (for: 2m)',
        series: { [connect('kafka_connect_connector_status', 'status="running"')]: '1x4', [connect('kafka_connect_connector_status', 'status="paused"')]: '_x5 1x20' },
        firingAt: { minute: 8, alerts: [{ connector, status: 'paused' }] },
        quietAt: [4, 6],
      },
      {
        name: 'running; a connector of the same name in another namespace is paused',
        series: { [connect('kafka_connect_connector_status', 'status="running"')]: '1x20', [connect('kafka_connect_connector_status', 'status="paused"', 'other')]: '1x20' },
        quietAt: [20],
      },
    ],
  },
  {
    alert: 'BookCdcTaskNotRunning',
    severity: 'critical',
    scenarios: [
      {
        name: 'task 0 failed from minute 5',
        series: { [connect('kafka_connect_connector_task_status', 'task="0", status="running"')]: '1x4', [connect('kafka_connect_connector_task_status', 'task="0", status="failed"')]: '_x5 1x20' },
        firingAt: { minute: 8, alerts: [{ connector, task: '0', status: 'failed' }] },
        quietAt: [4, 6],
      },
      { name: 'task running', series: { [connect('kafka_connect_connector_task_status', 'task="0", status="running"')]: '1x20' }, quietAt: [20] },
    ],
  },
  {
    alert: 'BookCdcSlotInactive',
    severity: 'warning',
    scenarios: [
      {
        name: 'slot left at minute 5 (for: 5m)',
        series: { [api('cdc_slot_active', 'pod="a"')]: '1x4 0x20', [api('cdc_slot_active', 'pod="b"')]: '1x4 0x20' },
        firingAt: { minute: 11, alerts: [{}] },
        quietAt: [4, 8],
      },
      {
        name: 'one replica still sees the slot active (its last reading)',
        series: { [api('cdc_slot_active', 'pod="a"')]: '1x20', [api('cdc_slot_active', 'pod="b"')]: '1x4 0x15' },
        quietAt: [20],
      },
    ],
  },
  {
    alert: 'BookCdcSlotRetainedWalHigh',
    severity: 'warning',
    scenarios: [
      {
        name: 'growing by 100 MiB a minute (above 512 MiB from minute 6, compared with 15 minutes before)',
        series: { [api('cdc_slot_retained_wal_bytes', 'pod="a"')]: '0+104857600x30' },
        firingAt: { minute: 16, alerts: [{}] },
        quietAt: [5, 14],
      },
      { name: 'high but flat (an idle connector has not confirmed yet)', series: { [api('cdc_slot_retained_wal_bytes', 'pod="a"')]: '629145600x30' }, quietAt: [20, 30] },
      { name: 'growing, below the threshold', series: { [api('cdc_slot_retained_wal_bytes', 'pod="a"')]: '0+1000000x30' }, quietAt: [20, 30] },
    ],
  },
  {
    alert: 'BookCdcSlotInvalidated',
    severity: 'critical',
    scenarios: [
      {
        name: 'lost from minute 5',
        series: { [api('cdc_slot_wal_status', 'pod="a", status="reserved"')]: '1x4', [api('cdc_slot_wal_status', 'pod="a", status="lost"')]: '_x5 1x10' },
        firingAt: { minute: 5, alerts: [{}] },
        quietAt: [4],
      },
      {
        name: 'reserved, then extended',
        series: { [api('cdc_slot_wal_status', 'pod="a", status="reserved"')]: '1x9', [api('cdc_slot_wal_status', 'pod="a", status="extended"')]: '_x10 1x10' },
        quietAt: [5, 15],
      },
    ],
  },
  {
    alert: 'BookOutboxEventsUndelivered',
    severity: 'critical',
    scenarios: [
      {
        name: 'writes go on, the read model stops at minute 3 (60 s ahead from minute 5, for: 5m)',
        series: { [api('outbox_newest_event_timestamp_seconds', 'pod="a"')]: '1000000+60x20', [consumer('catalog_last_event_timestamp_seconds', 'pod="c"')]: '1000000+60x3 1000180x16' },
        firingAt: { minute: 11, alerts: [{}] },
        quietAt: [4, 8],
      },
      {
        name: 'the read model follows the writes',
        series: { [api('outbox_newest_event_timestamp_seconds', 'pod="a"')]: '1000000+60x20', [consumer('catalog_last_event_timestamp_seconds', 'pod="c"')]: '999990+60x20' },
        quietAt: [20],
      },
      {
        name: 'a consumer that has applied nothing since its start reports 0',
        series: { [api('outbox_newest_event_timestamp_seconds', 'pod="a"')]: '1000000x20', [consumer('catalog_last_event_timestamp_seconds', 'pod="c"')]: '0x20' },
        quietAt: [20],
      },
    ],
  },
  {
    alert: 'BookCatalogConsumerLagHigh',
    severity: 'warning',
    scenarios: [
      {
        name: "the consumer's gauge: 2000 behind from minute 5 (for: 5m)",
        series: { [consumer('catalog_consumer_lag', 'pod="c", partition="0"')]: '0x4 2000x20', [consumer('catalog_consumer_lag', 'pod="c", partition="1"')]: '0x25' },
        firingAt: { minute: 11, alerts: [{}] },
        quietAt: [4, 8],
      },
      {
        name: "the consumer is gone: Strimzi's Kafka Exporter sees the group's lag grow",
        series: { 'kafka_consumergroup_lag{namespace="books", consumergroup="book-catalog", topic="books.events", partition="0"}': '0+300x20' },
        firingAt: { minute: 10, alerts: [{}] },
        quietAt: [3],
      },
      { name: 'keeping up', series: { [consumer('catalog_consumer_lag', 'pod="c", partition="0"')]: '5x20' }, quietAt: [20] },
    ],
  },
  {
    alert: 'BookCatalogConsumerDown',
    severity: 'warning',
    scenarios: [
      {
        name: 'its target down from minute 5 (for: 5m)',
        series: { [consumer('up', 'pod="c"')]: '1x4 0x20' },
        firingAt: { minute: 11, alerts: [{}] },
        quietAt: [4, 8],
      },
      { name: 'one of two pods down', series: { [consumer('up', 'pod="c"')]: '1x20', [consumer('up', 'pod="d"')]: '0x20' }, quietAt: [20] },
    ],
  },
  {
    alert: 'BookDeadLettersNotReplayed',
    severity: 'warning',
    scenarios: [
      {
        name: '3 dead letters from minute 5 (for: 30m)',
        series: { [consumer('catalog_dead_letters_unreplayed', 'pod="c"')]: '0x4 3x40' },
        firingAt: { minute: 36, alerts: [{}] },
        quietAt: [4, 30],
      },
      { name: 'replayed after 20 minutes', series: { [consumer('catalog_dead_letters_unreplayed', 'pod="c"')]: '0x4 3x20 0x20' }, quietAt: [30, 45] },
    ],
  },
  {
    alert: 'BookServiceErrorsHigh',
    severity: 'critical',
    scenarios: [
      {
        name: '1 of 11 writes answered 503 from minute 5',
        series: { [books('status="201"')]: '0+600x20', [books('status="503"')]: '_x4 0+60x16' },
        firingAt: { minute: 13, alerts: [{}] },
        quietAt: [4, 7],
      },
      {
        name: 'readiness answers 503 (not a /books route); writes succeed',
        series: { [books('status="201"')]: '0+600x20', [api('http_requests_total', 'method="GET", route="/readyz", status="503"')]: '0+600x20' },
        quietAt: [20],
      },
    ],
  },
  {
    alert: 'BookWriteLatencyHigh',
    severity: 'warning',
    scenarios: [
      {
        name: 'every write takes 0.25-0.5 s from minute 5 (for: 10m)',
        series: { [latency('0.05')]: '0+600x4 2400x25', [latency('0.25')]: '0+600x4 2400x25', [latency('0.5')]: '0+600x30', [latency('+Inf')]: '0+600x30' },
        firingAt: { minute: 22, alerts: [{}] },
        quietAt: [4, 12],
      },
      {
        name: 'every write under 50 ms',
        series: { [latency('0.05')]: '0+600x30', [latency('0.25')]: '0+600x30', [latency('0.5')]: '0+600x30', [latency('+Inf')]: '0+600x30' },
        quietAt: [30],
      },
    ],
  },
];
