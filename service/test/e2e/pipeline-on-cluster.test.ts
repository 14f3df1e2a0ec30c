import { clusterSkipReason, contextName, runSteps, stepOf, type Step } from './support/steps';

// The deployed system on a real cluster (CI's kind job after `skaffold run`, or a `helm install` on any
// cluster): skipped, with the reason printed, when there is no Kubernetes context.
const skipReason = clusterSkipReason('cluster e2e suite');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

(skipReason ? describe.skip : describe)(`the pipeline in context ${contextName()}`, () => {
  let steps = new Map<string, Step>();
  const step = (name: string) => stepOf(steps, name);

  beforeAll(async () => {
    steps = await runSteps('run-pipeline-e2e.ts', 20 * 60_000);
  }, 21 * 60_000);

  it('has Kafka, the topic, Connect and the connector Ready, the connector and its task RUNNING', () => {
    const { checks } = step('pipeline');
    expect(checks.filter((c: any) => !c.ok)).toEqual([]);
    expect(checks.map((c: any) => c.name)).toEqual(
      expect.arrayContaining(['Kafka book-kafka', 'KafkaTopic books.events', 'KafkaConnect book-connect', 'KafkaConnector book-outbox-connector', 'connector tasks']),
    );
  });

  it('has the consumer Deployment ready and its dead-letter KafkaTopic Ready', () => {
    const { checks } = step('pipeline');
    expect(checks.filter((c: any) => c.warn)).toEqual([]);
    expect(checks.map((c: any) => c.name)).toEqual(expect.arrayContaining(['Deployment book-service-consumer', 'KafkaTopic books.events.dlq']));
    expect(step('consumer-readyz').status).toBe(200);
  });

  it('ran the role bootstrap and the migrations as hooks that succeeded', () => {
    const { status, hooks } = step('release');
    expect(status).toBe('deployed');
    const jobs = hooks.filter((h: any) => h.kind === 'Job');
    expect(jobs.map((h: any) => h.name).sort()).toEqual(expect.arrayContaining([expect.stringMatching(/migrate/), expect.stringMatching(/bootstrap/)]));
    for (const job of jobs) expect(job).toMatchObject({ phase: 'Succeeded' });
  });

  it('serves /readyz, /docs with every asset it references, and /openapi.json through a port-forward', () => {
    expect(step('readyz').status).toBe(200);
    const docs = step('docs');
    expect(docs.status).toBe(200);
    expect(docs.assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of docs.assets) expect(asset).toMatchObject({ status: 200 });
    expect(docs.openapiStatus).toBe(200);
    expect(docs.openapi).toMatch(/^3\.1/);
  });

  it('adds and deletes a book', () => {
    const add = step('add');
    expect(add.status).toBe(201);
    expect(add.location).toBe(`/books/${add.book.id}`);
    expect(add.book).toEqual({ id: expect.any(Number), ...add.sent });
    expect(step('delete').status).toBe(204);
  });

  it('publishes BookAdded then BookDeleted on books.events: key = book id, headers id and type, value = the book', () => {
    const { book } = step('add');
    const { records } = step('events');
    expect(records.map((r: any) => r.headers.type)).toEqual(['BookAdded', 'BookDeleted']);
    for (const record of records) {
      expect(record.key).toBe(String(book.id));
      expect(Object.keys(record.headers).sort()).toEqual(['id', 'type']);
      expect(record.headers.id).toMatch(UUID);
      expect(JSON.parse(record.value)).toEqual(book);
    }
    expect(records[0].headers.id).not.toBe(records[1].headers.id);
    expect(records[0].partition).toBe(records[1].partition);
    expect(records[1].offset).toBeGreaterThan(records[0].offset);
  });

  it('the consumer applied both events: its inbox holds their ids in order, the book is gone from the read model, its counters grew', () => {
    const { records } = step('events');
    const { inbox, catalogRows, processedBefore, processedAfter } = step('consumer');
    expect(inbox).toEqual(records.map((r: any) => ({ eventId: r.headers.id, type: r.headers.type })));
    expect(catalogRows).toBe(0);
    for (const type of ['BookAdded', 'BookDeleted']) {
      expect(processedAfter[type] - (processedBefore[type] ?? 0)).toBeGreaterThanOrEqual(1);
    }
  });

  it('reads the topic from inside the broker pod without restarting the broker', () => {
    const { restartsBefore, restartsAfter } = step('broker');
    expect(restartsAfter).toBe(restartsBefore);
  });

  it('renders a ServiceMonitor that selects the Service as deployed', () => {
    const { selector, serviceLabels } = step('servicemonitor');
    expect(selector).not.toBeNull();
    expect(Object.keys(selector).length).toBeGreaterThan(0);
    expect(serviceLabels).toMatchObject(selector);
  });

  it('passes helm test', () => {
    const { code, output } = step('helm-test');
    expect({ code, output }).toMatchObject({ code: 0 });
    expect(output).toMatch(/Phase:\s+Succeeded/);
  });

  it('npm run status: 0 when ready; non-zero with the reason when the connector is paused, then 0 again', () => {
    expect(step('status-ready')).toMatchObject({ code: 0 });
    expect(step('status-ready').output).toContain('pipeline ready');
    // the consumer's lines: readiness, lag per partition, dead letters (a WARN at most)
    expect(step('status-ready').output).toMatch(/ok\s+Deployment book-service-consumer\s+([1-9]\d*)\/\1 pods ready/);
    expect(step('status-ready').output).toMatch(/ok\s+consumer group book-catalog\s+lag \d+ on books\.events \(p0 (\d+|-), p1 (\d+|-), p2 (\d+|-)\)/);
    expect(step('status-ready').output).toMatch(/(ok|WARN)\s+dead letters books\.events\.dlq\s+(empty|\d+ (of \d+ )?record)/);
    const paused = step('status-paused');
    expect(paused.code).toBe(1);
    expect(paused.output).toMatch(/FAIL\s+connector book-outbox-connector\s+PAUSED/);
    expect(step('status-resumed').code).toBe(0);
  });

  it('npm run status: non-zero with the reason while PostgreSQL is scaled to 0, then 0 again', () => {
    const down = step('status-postgres-down');
    expect(down.code).toBe(1);
    expect(down.output).toMatch(/FAIL\s+Deployment book-service\s+0\/\d+ pods ready.*database unavailable/);
    expect(down.output).toMatch(/FAIL\s+Deployment book-service-consumer\s+0\/\d+ pods ready.*database unavailable/);
    expect(step('status-postgres-back').code).toBe(0);
  });
});

if (skipReason) {
  // keeps the skip visible in the summary even when jest collapses skipped suites
  it.skip(`cluster e2e (${skipReason})`, () => undefined);
}
