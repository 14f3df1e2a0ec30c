import { helm, render } from './support/helm';
import type { KubernetesObject } from './support/kubernetes-schemas';
import { CHART_DIR } from './support/repo';
import { VARIANTS } from './support/variants';

// TLS to PostgreSQL: the service applies libpq's sslmode itself (service/src/shared/db/ssl.ts);
// the chart hands it PGSSLMODE and, from a Secret or a ConfigMap, a CA bundle mounted
// read-only as PGSSLROOTCERT in every workload that connects: the Deployment and the
// bootstrap and migration hook Jobs.

const CA_PATH = '/etc/book-service/postgres-ca/ca.crt';

function workloads(objects: KubernetesObject[]) {
  const byComponent = (component: string) =>
    objects.find((o) => ['Deployment', 'Job'].includes(o.kind) && o.metadata.labels?.['app.kubernetes.io/component'] === component);
  return { api: byComponent('api'), migrations: byComponent('migrations'), bootstrap: byComponent('db-bootstrap') };
}

function envOf(container: any): Record<string, string | undefined> {
  return Object.fromEntries((container.env ?? []).map((e: { name: string; value?: string }) => [e.name, e.value]));
}

describe.each([
  ['a Secret', ['database.sslRootCert.secretName=rds-ca', 'database.sslRootCert.key=global-bundle.pem'], { secret: { secretName: 'rds-ca', defaultMode: 0o444, items: [{ key: 'global-bundle.pem', path: 'ca.crt' }] } }],
  ['a ConfigMap', ['database.sslRootCert.configMapName=pg-ca'], { configMap: { name: 'pg-ca', defaultMode: 0o444, items: [{ key: 'ca.crt', path: 'ca.crt' }] } }],
])('a CA bundle from %s', (_from, caValues, source) => {
  const objects = render({ set: ['database.sslMode=verify-full', 'dbBootstrap.enabled=true', ...caValues] });
  const found = workloads(objects);

  it.each(['api', 'migrations', 'bootstrap'] as const)('is mounted read-only in the %s workload, with PGSSLROOTCERT pointing at it', (name) => {
    const pod = found[name]!.spec.template.spec;
    const container = pod.containers[0];
    expect(pod.volumes).toContainEqual({ name: 'postgres-ca', ...source });
    expect(container.volumeMounts).toContainEqual({ name: 'postgres-ca', mountPath: '/etc/book-service/postgres-ca', readOnly: true });
    expect(envOf(container).PGSSLROOTCERT).toBe(CA_PATH);
  });

  it('comes with the sslmode: PGSSLMODE for the service and the migrations, sslmode= in the bootstrap URL', () => {
    expect(envOf(found.api!.spec.template.spec.containers[0]).PGSSLMODE).toBe('verify-full');
    expect(envOf(found.migrations!.spec.template.spec.containers[0]).PGSSLMODE).toBe('verify-full');
    expect(envOf(found.bootstrap!.spec.template.spec.containers[0]).ADMIN_DATABASE_URL).toMatch(/\?sslmode=verify-full$/);
  });
});

describe('without a CA bundle', () => {
  it.each(Object.entries(VARIANTS).filter(([name]) => name !== 'database TLS'))('mounts nothing and sets no PGSSLROOTCERT (%s)', (_name, options) => {
    for (const workload of Object.values(workloads(render(options))).filter(Boolean)) {
      const pod = workload!.spec.template.spec;
      expect(pod.volumes.map((v: { name: string }) => v.name)).toEqual(['tmp']);
      expect(envOf(pod.containers[0])).not.toHaveProperty('PGSSLROOTCERT');
    }
  });

  it('verify-full is allowed: the chain is checked against the built-in public CAs', () => {
    const { api } = workloads(render({ set: ['database.sslMode=verify-full'] }));
    expect(envOf(api!.spec.template.spec.containers[0]).PGSSLMODE).toBe('verify-full');
  });
});

describe('contradictory TLS values fail the render with a message naming them', () => {
  function template(...set: string[]) {
    return helm(['template', 'book-service', CHART_DIR, '--kube-version', '1.34.0', ...set.flatMap((s) => ['--set', s])]);
  }

  it.each([
    [['database.sslMode=verify-ca', 'database.sslRootCert.secretName=a', 'database.sslRootCert.configMapName=b'], 'database.sslRootCert: set secretName or configMapName, not both'],
    [['database.sslRootCert.secretName=a'], 'database.sslRootCert is set but database.sslMode is disable'],
    [['database.sslMode=prefer'], "at '/database/sslMode': value must be one of 'disable', 'require', 'verify-ca', 'verify-full'"],
    [['database.sslMode=allow'], "at '/database/sslMode'"],
    [['database.sslRootCert.secretName=Not_A_Name'], "at '/database/sslRootCert/secretName'"],
    [['database.sslRootCert.file=/ca.pem'], "additional properties 'file' not allowed"],
  ])('%j', (set, message) => {
    const result = template(...set);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(message);
  });
});
