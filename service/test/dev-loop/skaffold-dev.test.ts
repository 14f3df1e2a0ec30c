import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helm, REPO_ROOT, run, type Ran } from '../e2e/support/cluster-tools';
import { currentKubeContextSync } from '../../../tools/ops/kube-context';
import { waitFor } from '../../../tools/stack/processes';

// The inner loop of `skaffold dev` on the cluster that `skaffold run` deployed (the kind job,
// .ci/kind-job.sh): opt-in (npm run test:dev-loop), since it edits a source file of the working
// tree for a moment and replaces the service's release with the dev image.
const SOURCE = join(REPO_ROOT, 'service/src/shared/http/health.ts');
const ORIGINAL_LINE = "ctx.body = { status: 'ok' };";
const URL_BASE = 'http://127.0.0.1:8000';

function skipReason(): string | undefined {
  const context = currentKubeContextSync();
  const reason =
    process.env.BOOK_DEV_LOOP !== '1'
      ? 'opt-in: npm run test:dev-loop (it edits service/src/shared/http/health.ts while skaffold dev runs)'
      : spawnSync('skaffold', ['version']).status !== 0
        ? 'skaffold is not on PATH'
        : !context.ok
          ? `no Kubernetes context: ${context.reason}`
          : undefined;
  if (reason) process.stderr.write(`\nskaffold dev suite skipped: ${reason}\n`);
  return reason;
}

async function get(path: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const response = await fetch(URL_BASE + path, { signal: AbortSignal.timeout(2_000) });
    return { status: response.status, body: await response.text() };
  } catch {
    return undefined; // the forward is not up yet, or the process is restarting
  }
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** kubectl in namespace books, as the user who runs `skaffold dev` would look. */
function kubectl(...args: string[]): Ran {
  const ran = run('kubectl', ['-n', 'books', ...args]);
  if (ran.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${ran.output.trim()}`);
  return ran;
}
const reason = skipReason();

(reason ? describe.skip : describe)('skaffold dev -m book-service --port-forward', () => {
  const context = currentKubeContextSync();
  const kubeContext = context.ok ? context.context : '';
  const logFile = join(tmpdir(), `skaffold-dev-${process.pid}.log`);
  let skaffold: ChildProcess | undefined;
  let exited: Promise<number | null> | undefined;
  let output = '';

  const tail = () => output.split('\n').slice(-40).join('\n');
  const stop = async (): Promise<number | null> => {
    // Ctrl-C in a terminal: SIGINT to the whole foreground process group.
    if (skaffold?.pid && skaffold.exitCode === null) process.kill(-skaffold.pid, 'SIGINT');
    return (await exited) ?? null;
  };

  afterAll(async () => {
    writeFileSync(SOURCE, readFileSync(SOURCE, 'utf8').replace(/ctx\.body = \{ status: 'ok', edit: '[^']*' \};/, ORIGINAL_LINE));
    if (skaffold?.exitCode === null) {
      await stop();
      console.log(`skaffold dev log: ${logFile}`);
    }
  }, 300_000);

  it('serves the sources, shows a saved file on localhost:8000, and leaves the platform when stopped', async () => {
    expect(readFileSync(SOURCE, 'utf8')).toContain(ORIGINAL_LINE);
    expect(await get('/healthz')).toBeUndefined(); // nothing else may answer on the forwarded port

    const started = Date.now();
    const log = createWriteStream(logFile);
    skaffold = spawn('skaffold', ['dev', '-m', 'book-service', '--port-forward', '--kube-context', kubeContext], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      log.write(chunk);
    };
    skaffold.stdout!.on('data', collect);
    skaffold.stderr!.on('data', collect);
    exited = new Promise((resolve) => skaffold!.on('exit', (code) => resolve(code)));
    const alive = () => {
      if (skaffold!.exitCode !== null) throw new Error(`skaffold dev exited (${skaffold!.exitCode}):\n${tail()}`);
    };

    // Skaffold notes the files' state when it starts watching: an edit before that line goes unseen.
    await waitFor('/docs on localhost:8000 and Skaffold watching', 15 * 60_000, async () => {
      alive();
      return output.includes('Watching for changes') && (await get('/docs'))?.status === 200;
    }, { intervalMs: 1_000, detail: tail });
    const firstDeploy = Date.now() - started;
    const command = kubectl('get', 'deployment', 'book-service', '-o', 'jsonpath={.spec.template.spec.containers[0].command}').output;
    expect(command).toContain('watch'); // the dev values: tsx watch on the sources

    const loops: number[] = [];
    for (let i = 0; i < 3; i++) {
      const nonce = `dev-loop-${process.pid}-${i}`;
      const saved = Date.now();
      writeFileSync(SOURCE, readFileSync(SOURCE, 'utf8').replace(/ctx\.body = \{ status: 'ok'(, edit: '[^']*')? \};/, `ctx.body = { status: 'ok', edit: '${nonce}' };`));
      await waitFor(`/healthz with edit ${nonce}`, 180_000, async () => (alive(), (await get('/healthz'))?.body.includes(nonce)), {
        intervalMs: 200,
        detail: tail,
      });
      loops.push(Date.now() - saved);
    }
    writeFileSync(SOURCE, readFileSync(SOURCE, 'utf8').replace(/ctx\.body = \{ status: 'ok', edit: '[^']*' \};/, ORIGINAL_LINE));
    await waitFor('/healthz as in the repository again', 180_000, async () => (alive(), (await get('/healthz'))?.body === '{"status":"ok"}'), {
      intervalMs: 200,
    });
    expect(readFileSync(SOURCE, 'utf8')).toContain(ORIGINAL_LINE);

    // A book written during the session: PostgreSQL and its data must outlive the session.
    const created = await fetch(`${URL_BASE}/books`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Written during skaffold dev', author: 'Dev Loop', price: 12.5 }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };

    const stopping = Date.now();
    const code = await stop();
    const stopped = Date.now() - stopping;
    expect(output).toMatch(/Cleaning up/);
    expect(code).toBe(0);

    // Gone: the service's release. Left: the operator, PostgreSQL with its data, Kafka, Connect, the topic.
    expect(helm('status', 'book-service', '-n', 'books').code).not.toBe(0);
    expect(run('kubectl', ['-n', 'books', 'get', 'deployment', 'book-service']).output).toMatch(/NotFound/);
    expect(run('kubectl', ['-n', 'strimzi', 'rollout', 'status', 'deployment/strimzi-cluster-operator', '--timeout=60s']).code).toBe(0);
    expect(run('kubectl', ['-n', 'books', 'rollout', 'status', 'statefulset/postgres', '--timeout=60s']).code).toBe(0);
    for (const resource of ['kafka/book-kafka', 'kafkaconnect/book-connect', 'kafkatopic/books.events']) {
      expect(run('kubectl', ['-n', 'books', 'wait', resource, '--for=condition=Ready', '--timeout=120s']).code).toBe(0);
    }
    const rows = kubectl('exec', 'postgres-0', '--', 'sh', '-c', `PGPASSWORD="$POSTGRES_PASSWORD" psql -U postgres -d books -At -c "SELECT count(*) FROM books WHERE id = ${Number(id)}"`);
    expect(rows.output.trim()).toBe('1');

    console.log(
      [
        `skaffold dev -m book-service --port-forward: first deploy ${seconds(firstDeploy)} s`,
        `saved source file -> new answer on localhost:8000: ${loops.map(seconds).join(' s, ')} s`,
        `Ctrl-C -> skaffold exited after ${seconds(stopped)} s, platform left running`,
      ].join('\n'),
    );
  }, 30 * 60_000);
});
