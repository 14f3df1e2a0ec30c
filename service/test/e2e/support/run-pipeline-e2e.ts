import { connect, consumeTopic, portForwardToService, waitForPipeline, type Check } from '../../../ops/pipeline';

/**
 * The cluster end-to-end run, as a child process of the jest suite (run with tsx): jest
 * here is CommonJS, @kubernetes/client-node 2.x is ESM-only. Every step prints one line
 * `E2E <json>` that the suite asserts on; the first failure ends the run.
 */
const emit = (step: string, data: Record<string, unknown>) => console.log(`E2E ${JSON.stringify({ step, ...data })}`);
const log = (checks: Check[]) => console.error(checks.map((c) => `${c.ok ? 'ok  ' : 'wait'} ${c.name}: ${c.detail}`).join('\n') + '\n');

async function main(): Promise<void> {
  const cluster = await connect();

  const checks = await waitForPipeline(cluster, Number(process.env.E2E_READY_TIMEOUT_MS || 15 * 60_000), log);
  emit('pipeline', { checks });
  if (!checks.every((c) => c.ok)) return;

  const forward = await portForwardToService(cluster);
  try {
    const ready = await fetch(`${forward.url}/readyz`);
    emit('readyz', { status: ready.status });

    const book = { title: `e2e ${new Date().toISOString()}`, author: 'cluster e2e', price: 100.5 };
    const created = await fetch(`${forward.url}/books`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(book),
    });
    const body = (await created.json()) as Record<string, unknown>;
    emit('add', { status: created.status, location: created.headers.get('location'), book: body, sent: book });
    if (created.status !== 201) return;

    const deleted = await fetch(`${forward.url}/books/${body.id}`, { method: 'DELETE' });
    emit('delete', { status: deleted.status });

    const deadline = Date.now() + Number(process.env.E2E_EVENT_TIMEOUT_MS || 180_000);
    let records: Awaited<ReturnType<typeof consumeTopic>> = [];
    while (Date.now() < deadline) {
      records = (await consumeTopic(cluster, 20_000)).filter((r) => r.key === String(body.id));
      if (records.length >= 2) break;
    }
    emit('events', { records });
  } finally {
    await forward.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    emit('error', { message: error instanceof Error ? error.stack ?? error.message : String(error) });
    process.exit(1);
  },
);
