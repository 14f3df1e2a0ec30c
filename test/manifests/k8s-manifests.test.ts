import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KUBERNETES_VERSIONS, KubernetesValidator, type KubernetesObject } from './support/kubernetes-schemas';
import { readYamlDocuments, REPO_ROOT } from './support/repo';
import { render } from './support/helm';
import { VARIANTS } from './support/variants';

// k8s/: the namespace and PostgreSQL of the kind cluster, plus the script that makes the
// database Secrets. Checked offline like the chart.
const K8S = join(REPO_ROOT, 'k8s');
const manifests = readdirSync(K8S)
  .filter((f) => f.endsWith('.yaml') && f !== 'strimzi-operator-values.yaml')
  .flatMap((file) => readYamlDocuments(join(K8S, file)).map((doc) => [file, doc as KubernetesObject] as const));
const find = (kind: string) => manifests.find(([, o]) => o.kind === kind)![1];
const validators = KUBERNETES_VERSIONS.map((v) => new KubernetesValidator(v));

describe('k8s/ manifests', () => {
  it('hold the namespace and PostgreSQL, all in namespace books', () => {
    expect(manifests.map(([, o]) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/postgres-config',
      'Namespace/books',
      'NetworkPolicy/postgres',
      'Service/postgres',
      'StatefulSet/postgres',
    ]);
    for (const [, o] of manifests) if (o.kind !== 'Namespace') expect(o.metadata.namespace).toBe('books');
  });

  it.each(manifests.map(([file, o]) => [`${file} ${o.kind}/${o.metadata.name}`, o] as const))('%s matches the Kubernetes schemas', (_n, object) => {
    for (const validator of validators) expect(validator.validate(object)).toEqual([]);
  });

  it('runs PostgreSQL 15 with logical decoding, replication slots and a cap on the WAL a slot keeps', () => {
    const statefulSet = find('StatefulSet');
    const container = statefulSet.spec.template.spec.containers[0];
    expect(container.image).toMatch(/^postgres:15(\.|$|-)/);
    const settings = Object.fromEntries(
      container.args.filter((a: string) => a.includes('=')).map((a: string) => a.split('=') as [string, string]),
    );
    expect(container.args.filter((a: string) => a === '-c')).toHaveLength(Object.keys(settings).length);
    expect(settings.wal_level).toBe('logical');
    expect(Number(settings.max_replication_slots)).toBeGreaterThanOrEqual(1);
    expect(Number(settings.max_wal_senders)).toBeGreaterThanOrEqual(1);
    expect(settings.max_slot_wal_keep_size).toMatch(/^\d+(MB|GB)$/);
    // the cap must be well below the volume, or a stuck slot still fills the disk
    const capGiB = parseInt(settings.max_slot_wal_keep_size, 10) / (settings.max_slot_wal_keep_size.endsWith('MB') ? 1024 : 1);
    const volumeGiB = parseInt(statefulSet.spec.volumeClaimTemplates[0].spec.resources.requests.storage, 10);
    expect(capGiB).toBeLessThanOrEqual(volumeGiB / 2);
    expect(settings.hba_file).toBe('/etc/postgresql/pg_hba.conf');
  });

  it('says what its replication line restricts: physical replication only (logical streams match the database line)', () => {
    const text = readFileSync(join(K8S, 'postgres-config.yaml'), 'utf8');
    const comment = text.split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#\s*/, '')).join(' ');
    expect(comment).toMatch(/only PHYSICAL replication/i);
    expect(comment).toMatch(/logical replication[^.]*matches the\s+`all all` line/i);
    expect(comment).not.toMatch(/replication connections only for the Debezium role/);
  });

  it('lets only book_cdc open physical replication connections, with passwords everywhere', () => {
    const hba: string = find('ConfigMap').data['pg_hba.conf'];
    const rules = hba.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => l.split(/\s+/));
    expect(rules.filter((r) => r[1] === 'replication')).toEqual([['host', 'replication', 'book_cdc', 'all', 'scram-sha-256']]);
    for (const rule of rules) expect(rule[rule.length - 1]).toBe('scram-sha-256');
  });

  it('takes the superuser password from a Secret and runs restricted', () => {
    const spec = find('StatefulSet').spec.template.spec;
    const env = Object.fromEntries(spec.containers[0].env.map((e: any) => [e.name, e]));
    expect(env.POSTGRES_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'postgres-admin', key: 'password' });
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.containers[0].securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('serves postgres.books.svc:5432 from the StatefulSet pods', () => {
    const service = find('Service');
    expect(service.spec.ports).toEqual([expect.objectContaining({ port: 5432, targetPort: 'postgres' })]);
    expect(find('StatefulSet').spec.template.metadata.labels).toMatchObject(service.spec.selector);
  });
});

describe('k8s/create-secrets.sh', () => {
  const script = readFileSync(join(K8S, 'create-secrets.sh'), 'utf8');

  it('is valid bash', () => {
    expect(() => execFileSync('bash', ['-n', join(K8S, 'create-secrets.sh')])).not.toThrow();
  });

  it('makes the five Secrets of the contract from random bytes, never from a literal password', () => {
    for (const [secret, user] of [['postgres-admin', 'postgres'], ['book-db-owner', 'book_owner'], ['book-db-app', 'book_app'], ['book-db-cdc', 'book_cdc'], ['book-db-catalog', 'book_catalog']]) {
      expect(script).toMatch(new RegExp(`^ensure_secret ${secret} ${user}$`, 'm'));
    }
    expect(script).toContain('/dev/urandom');
    expect(script).toContain('--from-file=password=/dev/stdin');
    expect(script).not.toMatch(/--from-literal=password/);
    // existing Secrets are kept, so a re-run never changes a password under a running database
    expect(script).toMatch(/get secret "\$\{name\}"/);
  });

  it('makes every Secret the chart reads on kind (values-kind.yaml), and the chart makes none itself', () => {
    const objects = render(VARIANTS.kind);
    const refs = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node && typeof node === 'object') {
        const ref = (node as any).secretKeyRef;
        if (ref?.name) refs.add(ref.name);
        Object.values(node).forEach(collect);
      }
    };
    collect(objects.filter((o) => o.kind !== 'Secret'));
    expect(refs.size).toBeGreaterThanOrEqual(5);
    const made = [...script.matchAll(/^ensure_secret (\S+) /gm)].map((m) => m[1]);
    expect([...refs].filter((name) => !made.includes(name))).toEqual([]);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });
});
