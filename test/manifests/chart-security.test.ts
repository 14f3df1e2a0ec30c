import { render } from './support/helm';
import type { KubernetesObject } from './support/kubernetes-schemas';
import { VARIANTS } from './support/variants';

// What a platform team checks before admitting the chart: every pod (service, hook
// Jobs, helm test) runs restricted, probes point at the right endpoints, no secret is
// spelt out in a manifest, and the Service only ever selects the API pods.
function podSpecs(objects: KubernetesObject[]): Array<[string, any]> {
  return objects.flatMap((o): Array<[string, any]> => {
    if (o.kind === 'Pod') return [[`Pod/${o.metadata.name}`, o.spec]];
    if (['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind)) return [[`${o.kind}/${o.metadata.name}`, o.spec.template.spec]];
    return [];
  });
}

const all = Object.entries(VARIANTS).flatMap(([variant, options]) =>
  podSpecs(render(options)).map(([name, spec]) => [`${variant}: ${name}`, spec] as const),
);

describe.each(all)('%s', (_name, spec) => {
  it('runs as uid 10001, non-root, with the RuntimeDefault seccomp profile', () => {
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.hostNetwork ?? false).toBe(false);
  });

  it('has containers with a read-only root, no privilege escalation, all capabilities dropped', () => {
    for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.securityContext.privileged ?? false).toBe(false);
      expect(container.securityContext.capabilities.add ?? []).toEqual([]);
      expect(container.resources?.limits?.memory).toBeDefined();
    }
  });

  it('takes every password from a Secret, never from a literal value', () => {
    for (const container of spec.containers) {
      for (const env of container.env ?? []) {
        if (/PASSWORD|SECRET|TOKEN/.test(env.name)) {
          expect({ name: env.name, value: env.value }).toEqual({ name: env.name, value: undefined });
          expect(env.valueFrom?.secretKeyRef?.key).toBe('password');
        }
        if (typeof env.value === 'string' && /^postgres(ql)?:\/\//.test(env.value)) {
          // a URL may only carry the password through Kubernetes' $(VAR) expansion
          expect(env.value).toMatch(/^postgres:\/\/\$\([A-Z_]+\):\$\([A-Z_]+\)@/);
        }
      }
    }
  });
});

describe('the service Deployment', () => {
  const objects = render();
  const deployment = objects.find((o) => o.kind === 'Deployment')!;
  const container = deployment.spec.template.spec.containers[0];
  const service = objects.find((o) => o.kind === 'Service')!;

  it('answers liveness on /healthz and readiness on /readyz, on the port the Service targets', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }]);
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'PORT', value: '8000' }]));
  });

  it('connects as the runtime role from Secret book-db-app through the libpq variables', () => {
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]));
    expect(env.PGHOST.value).toBe('postgres.books.svc');
    expect(env.PGDATABASE.value).toBe('books');
    expect(env.PGUSER.valueFrom.secretKeyRef).toEqual({ name: 'book-db-app', key: 'username' });
    expect(env.PGPASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'book-db-app', key: 'password' });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('gets a writable /tmp only, as an emptyDir', () => {
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(deployment.spec.template.spec.volumes).toEqual([expect.objectContaining({ name: 'tmp', emptyDir: expect.any(Object) })]);
  });

  it('is the only workload the Service, and so traffic, can reach', () => {
    const selector = service.spec.selector;
    const matches = (labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    expect(matches(deployment.spec.template.metadata.labels)).toBe(true);
    expect(deployment.spec.selector.matchLabels).toEqual(selector);
    const others = render(VARIANTS.kind).filter((o) => ['Job', 'Pod'].includes(o.kind) || (o.kind === 'Deployment' && o.metadata.name !== deployment.metadata.name));
    expect(others.map((o) => o.metadata.name)).toContain('book-service-consumer');
    for (const o of others) {
      const labels = o.kind === 'Pod' ? o.metadata.labels : o.spec.template.metadata.labels;
      expect({ pod: o.metadata.name, selected: matches(labels) }).toEqual({ pod: o.metadata.name, selected: false });
    }
  });
});

describe('migrations and role bootstrap', () => {
  const objects = render(VARIANTS.kind);
  const job = (suffix: string) => objects.find((o) => o.kind === 'Job' && o.metadata.name === `book-service${suffix}`)!;

  it('migrate once per install/upgrade, as the owner, before the pods roll', () => {
    const migrate = job('-migrate');
    expect(migrate.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '0' });
    const container = migrate.spec.template.spec.containers[0];
    expect(container.command).toEqual(['node', 'dist/bin/migrate.js']);
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]));
    expect(env.PGUSER.valueFrom.secretKeyRef.name).toBe('book-db-owner');
    expect(env.OUTBOX_PUBLICATION.value).toBe('book_outbox_publication');
    expect(env.OUTBOX_SLOT.value).toBe('book_outbox_slot');
    expect(migrate.spec.template.spec.restartPolicy).toBe('Never');
    expect(migrate.spec.template.spec.serviceAccountName).toBeUndefined(); // the chart's does not exist yet
  });

  it('bootstrap the roles first (lower hook weight), as the admin, with all three role passwords', () => {
    const bootstrap = job('-bootstrap');
    expect(Number(bootstrap.metadata.annotations!['helm.sh/hook-weight'])).toBeLessThan(0);
    const container = bootstrap.spec.template.spec.containers[0];
    expect(container.command).toEqual(['node', 'dist/bin/bootstrap.js']);
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]));
    expect(env.ADMIN_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'postgres-admin', key: 'password' });
    expect(env.ADMIN_DATABASE_URL.value).toBe('postgres://$(ADMIN_USER):$(ADMIN_PASSWORD)@postgres.books.svc:5432/postgres?sslmode=disable');
    expect(env.BOOK_OWNER_PASSWORD.valueFrom.secretKeyRef.name).toBe('book-db-owner');
    expect(env.BOOK_APP_PASSWORD.valueFrom.secretKeyRef.name).toBe('book-db-app');
    expect(env.BOOK_CDC_PASSWORD.valueFrom.secretKeyRef.name).toBe('book-db-cdc');
  });

  it('chart-made Secrets exist before the hooks that read them', () => {
    const objects = render(VARIANTS['chart-made secrets']);
    const secrets = objects.filter((o) => o.kind === 'Secret');
    expect(secrets.map((s) => s.metadata.name).sort()).toEqual(['book-service-db-app', 'book-service-db-owner']);
    for (const secret of secrets) {
      expect(Number(secret.metadata.annotations!['helm.sh/hook-weight'])).toBeLessThan(0);
      expect(Object.keys(secret.stringData).sort()).toEqual(['password', 'username']);
    }
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    const env = deployment.spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'PGPASSWORD').valueFrom.secretKeyRef.name).toBe('book-service-db-app');
  });
});

describe('availability options', () => {
  it('adds a PodDisruptionBudget only when more than one pod runs', () => {
    const kinds = (set: string[]) => render({ set }).map((o) => o.kind);
    expect(kinds([])).not.toContain('PodDisruptionBudget');
    expect(kinds(['replicaCount=2'])).toContain('PodDisruptionBudget');
    expect(kinds(['autoscaling.enabled=true', 'autoscaling.minReplicas=1'])).not.toContain('PodDisruptionBudget');
  });

  it('leaves the replica count to the HorizontalPodAutoscaler when autoscaling', () => {
    const objects = render(VARIANTS.production);
    expect(objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'book-service')!.spec.replicas).toBeUndefined();
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa.spec).toMatchObject({ minReplicas: 3, scaleTargetRef: { kind: 'Deployment', name: 'book-service' } });
    expect(objects.find((o) => o.kind === 'PodDisruptionBudget')!.spec.minAvailable).toBe(2);
  });

  it('opens only port http to the allowed peers and the helm test pod, and egress only to DNS and the database', () => {
    const policy = render(VARIANTS.production).find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'book-service')!;
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toHaveLength(1);
    expect(policy.spec.ingress[0].ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
    expect(policy.spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { team: 'frontend' } } },
      { podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'book-service', 'app.kubernetes.io/component': 'helm-test' } } },
    ]);
    const egressPorts = policy.spec.egress.flatMap((rule: any) => rule.ports.map((p: any) => `${p.protocol}/${p.port}`));
    expect(egressPorts.sort()).toEqual(['TCP/53', 'TCP/5432', 'UDP/53']);
  });
});

describe('helm test', () => {
  const pod = render().find((o) => o.kind === 'Pod')!;

  it('is a test hook that runs the smoke script against the Service', () => {
    expect(pod.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'test' });
    const container = pod.spec.containers[0];
    expect(container.command).toEqual(['node', '--input-type=module', '--eval']);
    expect(container.env).toEqual([{ name: 'BASE_URL', value: 'http://book-service.books.svc:8000' }]);
    const script: string = container.args[0];
    for (const step of ['/readyz', '/openapi.json', "method: 'POST'", "method: 'DELETE'", 'process.exit(1)']) {
      expect(script).toContain(step);
    }
  });
});
