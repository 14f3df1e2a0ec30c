import { clusterSkipReason, contextName, runSteps, stepOf, type Step } from './support/steps';

// Pods deleted under write load on the deployed cluster, reconciled like `npm run chaos`.
// It deletes the broker and PostgreSQL pods of the namespace, so it runs only when asked:
// BOOK_E2E_FAULTS=1 (`npm run test:cluster` sets it).
const skipReason = clusterSkipReason('cluster fault suite') ??
  (process.env.BOOK_E2E_FAULTS === '1' ? undefined : 'it deletes pods of the deployed system; set BOOK_E2E_FAULTS=1 to run it');
if (skipReason?.startsWith('it deletes')) process.stderr.write(`\ncluster fault suite skipped: ${skipReason}\n`);

(skipReason ? describe.skip : describe)(`faults on the cluster of context ${contextName()}`, () => {
  let steps = new Map<string, Step>();

  beforeAll(async () => {
    steps = await runSteps('run-faults-on-cluster.ts', 40 * 60_000);
  }, 41 * 60_000);

  it('deletes the Connect, broker, service and consumer pods (then Connect and a broker at once), upgrades the release and rolls the brokers under write load', () => {
    const { faults } = stepOf(steps, 'reconciliation');
    expect(faults.map((f: any) => f.fault)).toEqual(['connect', 'broker', 'service', 'consumer', 'connect+broker', 'upgrade', 'broker-roll', 'postgres']);
    expect(stepOf(steps, 'load').writes).toBeGreaterThan(100);
  });

  it('fails no request while Kafka nodes or Connect go, while the release is upgraded, and (with two or more pods) while a service pod goes', () => {
    const { faults, failedBetweenSteps } = stepOf(steps, 'reconciliation');
    const failed = Object.fromEntries(faults.map((f: any) => [f.fault, f.failedRequests]));
    // With one service pod, its deletion fails requests until the replacement is Ready, and a
    // connection the client kept to the old pod may fail later, between steps.
    const several = faults.find((f: any) => f.fault === 'service').of > 1;
    expect({ ...failed, ...(several ? { failedBetweenSteps } : {}) }).toMatchObject({
      connect: 0, broker: 0, consumer: 0, 'connect+broker': 0, upgrade: 0, 'broker-roll': 0, ...(several ? { service: 0, failedBetweenSteps: 0 } : {}),
    });
  });

  it('moves the connector task to a surviving Connect worker within 30 s; with one worker there is none to move to', () => {
    const connect = stepOf(steps, 'reconciliation').faults.find((f: any) => f.fault === 'connect');
    if (connect.of > 1) expect(connect.taskMovedAfterMs).toBeLessThan(30_000);
    else expect(connect.taskMovedAfterMs).toBeUndefined();
  });

  it('answers 503 while the PostgreSQL pod is replaced, then recovers', () => {
    const { outage } = stepOf(steps, 'reconciliation');
    expect(outage.statuses['503']).toBeGreaterThan(0);
    expect(outage.statuses['200']).toBeGreaterThan(0);
  });

  it('loses no event, invents none and keeps per-book order (client × database × topic)', () => {
    const { reconciliation, failures } = stepOf(steps, 'reconciliation');
    expect(failures).toEqual([]);
    expect(reconciliation.eventsExpected).toBeGreaterThan(100);
    expect(reconciliation).toMatchObject({ missing: 0, unexpected: 0, orderViolations: 0, contentMismatches: 0, acknowledgedNotCommitted: 0 });
  });

  it("the consumer's read model ends equal to the books table: every event of the run in its inbox, the same books", () => {
    const readModel = stepOf(steps, 'read-model');
    expect(readModel.events).toBeGreaterThan(100);
    expect(readModel.inInbox).toBe(readModel.events);
    expect(readModel).toMatchObject({ differing: [], booksInReadModel: readModel.booksInDatabase });
  });
});

if (skipReason) {
  it.skip(`cluster faults (${skipReason})`, () => undefined);
}
