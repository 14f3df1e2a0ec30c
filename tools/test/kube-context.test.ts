import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The kube context as @kubernetes/client-node's KubeConfig reads it, asked of the CLI that
// currentKubeContextSync() runs (jest here is CommonJS, the client is ESM-only).
const ROOT = join(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'kube-context-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function contextWith(kubeconfig: string | undefined) {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}`);
  if (kubeconfig !== undefined) writeFileSync(file, kubeconfig);
  const child = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'tools/ops/kube-context.ts')], {
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: file, KUBERNETES_SERVICE_HOST: '' },
  });
  return JSON.parse(child.stdout);
}

const config = (current: string) => `apiVersion: v1
kind: Config
current-context: ${current}
clusters:
  - name: kind-books
    cluster: { server: 'https://127.0.0.1:41234', insecure-skip-tls-verify: true }
contexts:
  - name: kind-books
    context: { cluster: kind-books, user: kind-books }
users:
  - name: kind-books
    user: { token: not-a-secret }
`;

const needsNode22 = Number(process.versions.node.split('.')[0]) < 22;

(needsNode22 ? describe.skip : describe)('the current kube context', () => {
  it('is the current-context and its cluster server', () => {
    expect(contextWith(config('kind-books'))).toEqual({ ok: true, context: 'kind-books', server: 'https://127.0.0.1:41234' });
  });

  it('is none, with the reason, without a kubeconfig file', () => {
    expect(contextWith(undefined)).toMatchObject({ ok: false, reason: expect.stringMatching(/^no kubeconfig \(looked at /) });
  });

  it('is none, with the reason, when the current-context is not defined', () => {
    expect(contextWith(config('elsewhere'))).toMatchObject({ ok: false, reason: expect.stringMatching(/elsewhere/) });
  });
});
if (needsNode22) {
  const reason = `@kubernetes/client-node 2.x needs Node 22, this is ${process.version}`;
  process.stderr.write(`\nkube context suite skipped: ${reason}\n`);
  it.skip(`the current kube context (${reason})`, () => undefined);
}
