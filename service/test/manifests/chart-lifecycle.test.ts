import { CHART_SECRETS, render, templateWithProbe } from './support/helm';
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
    expect([...kinds].sort()).toEqual(['Job/book-service-bootstrap', 'Job/book-service-migrate', 'Job/shop-book-service-migrate', 'Pod/book-service-test-api', 'Pod/shop-book-service-test-api']);
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
