import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { currentKubeContext, nodeSupportsKubernetesClient } from '../../ops/kube-context';

// Layer 5 of DESIGN §7: the deployed system in a real cluster (CI's kind job). Without a
// Kubernetes context the suite is skipped, and the run says why.
const REPO_ROOT = join(__dirname, '../../..');
const context = currentKubeContext();
const skipReason = !context.ok
  ? `no Kubernetes context: ${context.reason}`
  : !nodeSupportsKubernetesClient()
    ? `@kubernetes/client-node 2.x needs Node 22 (this is ${process.version})`
    : undefined;
// Written straight to stderr: jest does not print the buffered console of a skipped suite.
if (skipReason) process.stderr.write(`\ncluster e2e suite skipped: ${skipReason}\n`);

type Step = { step: string; [key: string]: any };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

(skipReason ? describe.skip : describe)(`the pipeline in context ${context.ok ? context.context : '(none)'}`, () => {
  const steps = new Map<string, Step>();

  beforeAll(async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), join(__dirname, 'support/run-pipeline-e2e.ts')], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    await new Promise((resolve) => child.on('close', resolve));
    for (const line of out.split('\n').filter((l) => l.startsWith('E2E '))) {
      const step = JSON.parse(line.slice(4)) as Step;
      steps.set(step.step, step);
    }
    if (steps.has('error')) console.error(steps.get('error')!.message);
  }, 25 * 60_000);

  const step = (name: string): Step => {
    expect(steps.get('error')?.message).toBeUndefined();
    const found = steps.get(name);
    expect(found).toBeDefined();
    return found!;
  };

  it('has Kafka, the topic, Connect and the connector Ready, the connector and its task RUNNING', () => {
    const { checks } = step('pipeline');
    expect(checks.filter((c: any) => !c.ok)).toEqual([]);
    expect(checks.map((c: any) => c.name)).toEqual(
      expect.arrayContaining(['Kafka book-kafka', 'KafkaConnect book-connect', 'KafkaConnector book-outbox-connector', 'connector tasks']),
    );
  });

  it('answers through a port-forward to the service', () => {
    expect(step('readyz').status).toBe(200);
  });

  it('adds and deletes a book', () => {
    const add = step('add');
    expect(add.status).toBe(201);
    expect(add.location).toBe(`/books/${add.book.id}`);
    expect(add.book).toMatchObject(add.sent);
    expect(step('delete').status).toBe(204);
  });

  it('publishes BookAdded then BookDeleted on books.events, keyed by the book id', () => {
    const { book } = step('add');
    const { records } = step('events');
    expect(records.map((r: any) => r.headers.type)).toEqual(['BookAdded', 'BookDeleted']);
    for (const record of records) {
      expect(record.key).toBe(String(book.id));
      expect(record.headers.id).toMatch(UUID);
      expect(JSON.parse(record.value)).toMatchObject({ id: book.id, title: book.title, author: book.author, price: book.price });
    }
    expect(records[0].headers.id).not.toBe(records[1].headers.id);
  });
});

if (skipReason) {
  // keeps the skip visible in the summary even when jest collapses skipped suites
  it.skip(`cluster e2e (${skipReason})`, () => undefined);
}
