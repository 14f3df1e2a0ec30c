import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CHART_SECRETS, render, templateWithProbe } from './support/helm';
import { REPO_ROOT } from './support/repo';
import type { KubernetesObject } from './support/kubernetes-schemas';
import { VARIANTS } from './support/variants';

// What a release leaves behind. Helm never deletes hook resources on `helm uninstall`;
// only their delete policies do. Hook Jobs and the test pod must go once they succeeded;
// chart-made Secrets must survive upgrades without being deleted and recreated.
const policies = (o: KubernetesObject) => (o.metadata.annotations?.['helm.sh/hook-delete-policy'] ?? '').split(',').filter(Boolean);
const hooks = Object.entries(VARIANTS).flatMap(([variant, options]) =>
  render(options)
    .filter((o) => o.metadata.annotations?.['helm.sh/hook'])
    .map((o) => [`${variant}: ${o.kind}/${o.metadata.name}`, o] as const),
);

describe('hook resources', () => {
  const runs = hooks.filter(([, o]) => o.kind === 'Job' || o.kind === 'Pod');

  it('include the bootstrap and migration Jobs and the helm test pod', () => {
    const kinds = new Set(runs.map(([name]) => name.replace(/^[^:]+: /, '')));
    expect([...kinds].sort()).toEqual(['Job/book-service-bootstrap', 'Job/book-service-catalog-migrate', 'Job/book-service-migrate', 'Job/shop-book-service-migrate', 'Pod/book-service-test-api', 'Pod/shop-book-service-test-api']);
  });

  it.each(runs)('%s is deleted once it succeeded, and before it runs again', (_name, o) => {
    expect(policies(o).sort()).toEqual(['before-hook-creation', 'hook-succeeded']);
  });

  it.each(runs.filter(([, o]) => o.kind === 'Job'))('%s is removed by the TTL controller even when it failed', (_name, job) => {
    expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
    // long enough for Helm to see the Job finish and to read a failed pod's logs
    expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThanOrEqual(3600);
  });
});

describe('chart-made password Secrets', () => {
  const secrets = render(VARIANTS['chart-made secrets']).filter((o) => o.kind === 'Secret');

  it('exist before the hooks that read them and are never deleted by a delete policy after success', () => {
    expect(secrets).toHaveLength(2);
    for (const secret of secrets) {
      expect(secret.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade' });
      expect(Number(secret.metadata.annotations!['helm.sh/hook-weight'])).toBeLessThan(-10);
      expect(policies(secret)).not.toContain('hook-succeeded');
      expect(policies(secret)).not.toContain('hook-failed');
      expect(secret.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'db-credentials' });
    }
  });

  // On a live cluster the Secret template looks the Secret up first; the decision is a helper,
  // called here with what `lookup` would return.
  const secretWrite = (existing: string, data: string) => {
    const probe = [
      `{{- $existing := (${existing}) }}`,
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: probe',
      'data:',
      `  write: {{ include "book-service.secretNeedsWrite" (dict "existing" ($existing) "data" (${data})) | quote }}`,
    ].join('\n');
    const result = templateWithProbe(probe, { set: CHART_SECRETS });
    expect(result.stderr).toBe('');
    return result.objects().find((o) => o.metadata.name === 'probe')!.data.write;
  };
  const stored = (username: string, password: string) =>
    `dict "data" (dict "username" ("${username}" | b64enc) "password" ("${password}" | b64enc))`;

  it('are written at install, or when their content changes', () => {
    expect(secretWrite('dict', 'dict "username" "book_app" "password" "p1"')).toBe('true');
    expect(secretWrite(stored('book_app', 'p1'), 'dict "username" "book_app" "password" "p2"')).toBe('true');
  });

  it('are left alone by an upgrade that does not change them (no delete-and-recreate gap)', () => {
    expect(secretWrite(stored('book_app', 'p1'), 'dict "username" "book_app" "password" "p1"')).toBe('');
  });
});

describe('the KafkaTopic', () => {
  const topic = (set: string[] = []) => render({ set: ['cdc.enabled=true', ...set] }).find((o) => o.kind === 'KafkaTopic')!;

  it('survives helm uninstall by default (deleting it deletes the topic and its events)', () => {
    expect(topic().metadata.annotations).toMatchObject({ 'helm.sh/resource-policy': 'keep' });
    expect(topic(['cdc.topic.keepOnUninstall=false']).metadata.annotations?.['helm.sh/resource-policy']).toBeUndefined();
  });
});

describe('hooks and PostgreSQL start-up', () => {
  const objects = render(VARIANTS.kind);
  const jobs = objects.filter((o) => o.kind === 'Job');

  it.each(jobs.map((j) => [j.metadata.name, j] as const))('%s waits for PostgreSQL to accept connections before it starts', (_name, job) => {
    const spec = job.spec.template.spec;
    expect(spec.initContainers).toHaveLength(1);
    const wait = spec.initContainers[0];
    expect(wait.name).toBe('wait-for-postgres');
    expect(wait.image).toBe(spec.containers[0].image);
    expect(wait.command).toEqual(['node', 'dist/bin/wait-for-postgres.js']);
    expect(wait.args).toBeUndefined();
    const env = Object.fromEntries(wait.env.map((e: any) => [e.name, e.value]));
    // the catalog migrations wait for their own database, on the same server by default
    const database = job.metadata.name.endsWith('-catalog-migrate') ? 'catalog' : 'books';
    expect(env).toMatchObject({ PGHOST: 'postgres.books.svc', PGPORT: '5432', PGDATABASE: database });
    // the Job's deadline bounds the wait
    expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(0);
  });

  // The wait CLI itself, against a server that answers the startup message with an error
  // (a real server: the component layer's database-tls test and the image smoke test).
  const waitCli = join(REPO_ROOT, 'service', 'src', 'bin', 'wait-for-postgres.ts');
  const errorResponse = (code: string) => {
    const fields = Buffer.concat([Buffer.from(`SFATAL\0C${code}\0Mtest\0`), Buffer.from([0])]);
    const head = Buffer.alloc(5);
    head.write('E', 0);
    head.writeInt32BE(fields.length + 4, 1);
    return Buffer.concat([head, fields]);
  };

  async function runWait(answers: Buffer[], timeoutMs: number) {
    let connections = 0;
    const server = createServer((socket) => {
      const answer = answers[Math.min(connections++, answers.length - 1)];
      socket.once('data', () => socket.end(answer));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', waitCli], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, PGHOST: '127.0.0.1', PGPORT: String(port), PGDATABASE: 'books', WAIT_INTERVAL_MS: '50' },
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => { child.kill(); resolve(null); }, timeoutMs);
        child.on('exit', (c) => { clearTimeout(timer); resolve(c); });
      });
      return { code, connections, out };
    } finally {
      await new Promise((r) => server.close(r));
    }
  }

  it('keeps waiting while PostgreSQL says it is starting up, and exits 0 once it refuses the login', async () => {
    const result = await runWait([errorResponse('57P03'), errorResponse('57P03'), errorResponse('28P01')], 10000);
    expect(result).toMatchObject({ code: 0, connections: 3 });
    expect(result.out).toContain('accepts connections');
  });

  it('counts any other error (no pg_hba entry, unknown role) as a server that is up', async () => {
    expect((await runWait([errorResponse('28000')], 10000)).code).toBe(0);
  });

  it('does not give up while PostgreSQL is still starting (the Job deadline ends the wait)', async () => {
    const result = await runWait([errorResponse('57P03')], 1500);
    expect(result.code).toBeNull();
    expect(result.connections).toBeGreaterThan(2);
  });
});
