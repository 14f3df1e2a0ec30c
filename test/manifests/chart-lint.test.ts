import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helm, render } from './support/helm';
import { CHART_DIR } from './support/repo';
import { VARIANTS } from './support/variants';

describe('helm lint', () => {
  it.each(Object.entries(VARIANTS).filter(([, o]) => !o.release))('is clean for the %s values (--strict)', (_name, options) => {
    const args = ['lint', CHART_DIR, '--strict', '--kube-version', '1.34.0', ...(options.values ?? []).flatMap((v) => ['--values', v])];
    const result = helm([...args, ...(options.set ?? []).flatMap((s) => ['--set', s])]);
    expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(result.status).toBe(0);
  });
});

describe('NOTES.txt', () => {
  it('prints the port-forward line for /docs and the helm test command', () => {
    // helm prints NOTES only from install/upgrade, which need a cluster. Render the very same
    // template offline: a copy of the chart that carries NOTES.txt inside a ConfigMap.
    const copy = mkdtempSync(join(tmpdir(), 'book-chart-notes-'));
    try {
      cpSync(CHART_DIR, copy, { recursive: true, dereference: true });
      const notes = readFileSync(join(copy, 'templates', 'NOTES.txt'), 'utf8');
      const wrapped = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: notes', 'data:', '  notes: |', ...notes.split('\n').map((l) => `    ${l}`)];
      writeFileSync(join(copy, 'templates', 'notes-under-test.yaml'), wrapped.join('\n'));
      const [configMap] = render({ chart: copy, set: ['cdc.enabled=true', 'consumer.enabled=true'] }).filter((o) => o.metadata.name === 'notes');
      const text: string = configMap.data.notes;
      expect(text).toContain('kubectl --namespace books port-forward svc/book-service 8000:8000');
      expect(text).toContain('http://localhost:8000/docs');
      expect(text).toContain('helm test book-service --namespace books\n');
      expect(text).toContain('kubectl --namespace books logs book-service-test-api');
      expect(text).toContain('kubectl --namespace books get kafkaconnector book-outbox-connector');
      expect(text).toContain('kubectl --namespace books port-forward svc/book-service-consumer 8001:8001');
      expect(text).toContain('http://localhost:8001/metrics');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
