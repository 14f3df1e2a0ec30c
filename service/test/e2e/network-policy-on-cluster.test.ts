import { clusterSkipReason, contextName, runSteps, stepOf, type Step } from './support/steps';

// The chart's and PostgreSQL's NetworkPolicies as the cluster enforces them (probe pods in the
// release's namespace). Only where the release has networkPolicy.enabled and the cluster has a
// policy engine, so it runs when asked: BOOK_E2E_NETWORK_POLICY=1 (.ci/kind-job.sh sets it; its
// values-kind.yaml enables the policies). Too tight would fail the pipeline suite and helm test.
const skipReason = clusterSkipReason('cluster NetworkPolicy suite') ??
  (process.env.BOOK_E2E_NETWORK_POLICY === '1' ? undefined : 'needs the release\'s NetworkPolicies enabled and enforced; set BOOK_E2E_NETWORK_POLICY=1 to run it');
if (skipReason?.startsWith('needs')) process.stderr.write(`\ncluster NetworkPolicy suite skipped: ${skipReason}\n`);

(skipReason ? describe.skip : describe)(`NetworkPolicy on the cluster of context ${contextName()}`, () => {
  let steps = new Map<string, Step>();

  beforeAll(async () => {
    steps = await runSteps('run-network-policy-e2e.ts', 10 * 60_000);
  }, 11 * 60_000);

  it('has the policies of the service, the consumer and PostgreSQL', () => {
    const { names } = stepOf(steps, 'policies');
    expect(names).toEqual(expect.arrayContaining([expect.stringMatching(/\/book-service$/), expect.stringMatching(/\/book-service-consumer$/), expect.stringMatching(/\/postgres$/)]));
  });

  it('lets the clients each policy names through: PostgreSQL from a book-service pod, the service from the helm test pod, the consumer\'s port from the API server', () => {
    const db = stepOf(steps, 'database-client');
    expect(db.results).toEqual({ [db.target]: 'open' });
    const http = stepOf(steps, 'helm-test-client');
    expect(http.results).toEqual({ [http.target]: 'open' });
    expect(stepOf(steps, 'consumer-metrics').pods).toBeGreaterThan(0);
  });

  it('keeps a pod with no allowed label away from PostgreSQL, the service and the consumer\'s metrics', () => {
    const { targets, results } = stepOf(steps, 'outsider');
    expect(Object.keys(results).sort()).toEqual([...targets].sort());
    for (const target of targets) expect({ target, result: results[target] }).toEqual({ target, result: expect.not.stringMatching(/^open$/) });
  });
});

if (skipReason) {
  // keeps the skip visible in the summary even when jest collapses skipped suites
  it.skip(`cluster NetworkPolicy (${skipReason})`, () => undefined);
}
