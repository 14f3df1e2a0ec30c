import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { healConnector } from '../../../tools/stack/connector-healing';
import { localStackChecks } from '../../../tools/ops/local-status';
import { ConnectorStatus, failureReason } from '../../../tools/stack/outbox-connector';
import { Stack } from '../../../tools/stack/stack';
import { TopicReader } from '../../../tools/stack/topic-reader';
import { outboxRows } from './support/pipeline-stack';
import { postBook, usePipelineStack } from './support/pipeline-stack';
import { pollUntil, waitFor } from '../../../tools/stack/processes';

const fixture = usePipelineStack({ testTimeoutMs: 600_000 });
let stack: Stack;
let db: Client;
let reader: TopicReader | undefined;
beforeAll(() => ({ stack, db } = fixture));

/** Polls the Connect REST status until the connector or its task is FAILED; returns the status. */
async function untilFailed(timeoutMs = 180_000): Promise<ConnectorStatus> {
  let last: ConnectorStatus | undefined;
  return waitFor('the connector to FAIL', timeoutMs, async () => {
    last = await stack.connector.status().catch(() => last);
    return failureReason(last) ? last : undefined;
  }, { intervalMs: 500, detail: () => `last status ${JSON.stringify(last)}` });
}

/** Writes `n` books while the connector is down; they must all arrive once it is fixed. */
async function writeMeanwhile(label: string, n: number): Promise<void> {
  const statuses = await Promise.all(Array.from({ length: n }, (_, i) => postBook(stack.service!.url, { title: `${label} ${i}`, author: 'Misconfigured', price: 3.25 }).then((r) => r.status)));
  expect(statuses).toEqual(Array(n).fill(201));
}

/** Every committed event, including those written while the connector was FAILED, is on the topic. */
async function expectNothingLost(): Promise<void> {
  const ids = (await outboxRows(stack.database.adminUrl)).map((r) => r.id);
  reader ??= fixture.track(await new TopicReader(stack.kafka.bootstrap, stack.topic).start());
  await reader.waitUntil(`all ${ids.length} committed events`, (records) => {
    const seen = new Set(records.map((r) => r.headers.id));
    return ids.every((id) => seen.has(id));
  }, 240_000);
}

const statusLine = async () => (await localStackChecks({ connect: stack.connect.url, service: stack.service!.url }))
  .map((c) => `${c.ok ? 'ok' : 'FAIL'} ${c.name}: ${c.detail}`).join('\n');

describe('a misconfigured connector says what is wrong, and fixing it loses nothing', () => {
  it('missing publication: FAILED naming the publication; the right config streams what was written meanwhile', async () => {
    await writeMeanwhile('before', 5);
    const wrong = { ...stack.connector.definition.config, 'publication.name': 'book_outbox_publication_absent' };
    const response = await fetch(`${stack.connect.url}/connectors/${stack.connector.name}/config`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(wrong),
    });
    expect(response.status).toBe(200);
    const failed = await untilFailed();
    const reason = failureReason(failed)!;
    console.log(`missing publication: ${reason}`);
    expect(reason).toMatch(/[Pp]ublication/);
    const status = await statusLine();
    expect(status).toMatch(/^FAIL connector book-outbox-connector: .*FAILED.*[Pp]ublication/m);
    expect(status).toMatch(/^FAIL replication slot: INACTIVE/m);

    await writeMeanwhile('while the publication was missing', 20);
    await stack.connector.apply(); // strimzi/kafka-connector.yaml again
    // Until RUNNING and attached to the slot, restarting a task still FAILED from before (as Strimzi's autoRestart does).
    await healConnector(stack, () => undefined);
    await expectNothingLost();
  });

  it('wrong password (rotated in the database, not in the Secret): reported with the authentication error; fixing the Secret loses nothing', async () => {
    const ref = /^\$\{(\w+):([\w.-]+)\/([\w.-]+):([\w.-]+)\}$/.exec(stack.connector.definition.config['database.password'])!;

    // The database password is rotated but the Secret is not: Debezium 3.6 retries the
    // start every 10 s and the REST status stays RUNNING; the slot and the log tell.
    const rotated = randomBytes(12).toString('hex');
    await db.query(`ALTER ROLE book_cdc PASSWORD '${rotated}'`);
    await stack.connector.restart();
    const info = { connect: stack.connect.url, service: stack.service!.url, connectLog: stack.connect.logFile };
    let report = '';
    await pollUntil(180_000, async () => {
      await new Promise((r) => setTimeout(r, 1000));
      report = (await localStackChecks(info)).map((c) => `${c.ok ? 'ok' : 'FAIL'} ${c.name}: ${c.detail}`).join('\n');
      return /connector retrying: .*password authentication failed/.test(report);
    }, { intervalMs: 0 });
    console.log(`stale secret, npm run status says:\n${report}`);
    expect(report).toMatch(/^FAIL replication slot: INACTIVE/m);
    expect(report).toMatch(/^FAIL connector retrying: .*password authentication failed for user "book_cdc"/m);
    expect(report).not.toContain(rotated);

    await writeMeanwhile('while the password was wrong', 20);
    // The fix: the Secret gets the new password (the local stand-in for the Kubernetes Secret is a file), then a restart.
    await stack.connect.writeSecret({ namespace: ref[2], name: ref[3], data: { [ref[4]]: rotated } });
    await stack.connector.restart();
    await healConnector(stack, () => undefined);
    await expectNothingLost();
    expect((await localStackChecks(info)).filter((c) => !c.ok)).toEqual([]);
  });
});
