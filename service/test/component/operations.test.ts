import { createHash } from 'node:crypto';
import { json, startTestService, useServiceAndDatabase } from '../support/test-service';

const env = useServiceAndDatabase();

describe('health', () => {
  it('is alive and ready while the database answers', async () => {
    expect((await env.api.request('/healthz')).status).toBe(200);
    const ready = await env.api.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await json(ready)).toEqual({ status: 'ready' });
  });
});

describe('/metrics', () => {
  it('exposes RED metrics per route pattern and the outbox/slot gauges', async () => {
    const book = await json(await env.api.postJson('/books', { title: 'Measured', author: 'M', price: 1 }));
    await env.api.request(`/books/${book.id}`);
    await env.api.request('/books/abc');
    const res = await env.api.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/http_requests_total\{method="POST",route="\/books",status="201"\} 1/);
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/books\/:id",status="200"\} 1/);
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/books\/:id",status="400"\} 1/);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0.1",method="POST",route="\/books",status="201"\}/);
    expect(text).not.toMatch(/route="\/books\/\d+"/);
    const retained = /^cdc_slot_retained_wal_bytes (\d+(\.\d+)?)$/m.exec(text);
    expect(retained).not.toBeNull();
    expect(Number(retained![1])).toBeGreaterThan(0);
    expect(text).toMatch(/^cdc_slot_active 0$/m);
    expect(text).toMatch(/^outbox_oldest_event_age_seconds \d/m);
    // the POST above is the newest row: its occurred_at (UTC), as Unix seconds
    const newest = /^outbox_newest_event_timestamp_seconds (\S+)$/m.exec(text);
    expect(Math.abs(Number(newest?.[1]) - Date.now() / 1000)).toBeLessThan(60);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  });
});

describe('API description', () => {
  it('serves an OpenAPI 3.1 document built from the validation schemas', async () => {
    const res = await env.api.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = await json(res);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/books', '/books/{id}', '/healthz', '/readyz', '/metrics']));
    expect(doc.components.schemas.NewBook).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['title', 'author', 'price'],
      properties: { price: { exclusiveMinimum: 0, exclusiveMaximum: 100000000, multipleOf: 0.01 }, title: { maxLength: 255 } },
    });
    expect(JSON.stringify(doc)).not.toContain('Symbol');
  });

  it('serves Swagger UI at /docs pointing at /openapi.json, every asset from the service itself', async () => {
    const res = await env.api.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('swagger-ui');
    const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      const res = await env.api.request(asset);
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    // The page's options point the UI at the service's own document.
    expect(html).toMatch(/"url":"\/openapi\.json"/);
  });

  it('asks nothing of any other host: its Content-Security-Policy blocks whatever the page links elsewhere', async () => {
    const res = await env.api.request('/docs');
    const html = await res.text();
    const policy = Object.fromEntries(
      (res.headers.get('content-security-policy') ?? '').split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...sources]) => [name, sources]),
    );
    expect(policy['default-src']).toEqual(["'self'"]);
    // No directive names a host, a scheme or a wildcard: only 'self', 'none', data: images and hashes.
    for (const [name, sources] of Object.entries(policy)) {
      for (const source of sources as string[]) expect(`${name} ${source}`).toMatch(/ ('self'|'none'|'unsafe-hashes'|'sha256-[A-Za-z0-9+/=]+'|data:)$/);
    }
    expect(policy['img-src']).toEqual(["'self'", 'data:']);
    // Each inline script, style element and style attribute applies because its hash is allowed, not because inline code is.
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    const inline = (tag: string) => [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => hash(m[1]));
    const attributes = [...new Set([...html.matchAll(/\sstyle="([^"]*)"/g)].map((m) => hash(m[1])))];
    expect(inline('script').length).toBeGreaterThan(0);
    expect(policy['script-src']).toEqual(["'self'", ...inline('script')]);
    expect(policy['style-src']).toEqual(["'self'", ...inline('style'), ...(attributes.length ? ["'unsafe-hashes'", ...attributes] : [])]);
    // What the template links off-site (a web font's stylesheet) is left to that policy to block.
    const offSite = [...html.matchAll(/<(link|script)[^>]*(?:src|href)="(https?:[^"]+)"/g)].map((m) => m[1]);
    expect(offSite.every((tag) => tag === 'link')).toBe(true);
  });
});

describe('the HTTP edge', () => {
  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const given = await env.api.request('/healthz', { headers: { 'X-Request-Id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await env.api.request('/healthz', { headers: { 'X-Request-Id': 'bad id\twith spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown paths with a 404 problem and unsupported methods with a 405 problem and Allow', async () => {
    const missing = await env.api.request('/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    const patch = await env.api.request('/books', { method: 'PATCH' });
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toContain('POST');
    expect(await json(patch)).toMatchObject({ status: 405 });
  });

  it('stores a valid W3C traceparent with the event', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const book = await json(await env.api.postJson('/books', { title: 'Traced', author: 'T', price: 1 }, { traceparent }));
    const { rows } = await env.db.admin.query('SELECT traceparent FROM outbox WHERE aggregateid = $1', [String(book.id)]);
    expect(rows).toEqual([{ traceparent }]);
  });
});

describe('graceful shutdown', () => {
  it('fails readiness while draining, still serves but closes each connection after its answer, finishes in-flight requests, then closes', async () => {
    const own = await startTestService(env.db, { env: { SHUTDOWN_DRAIN_SECONDS: '1' } });
    // A slow in-flight request: the DELETE waits on a row lock held by the test.
    const book = await json(await own.postJson('/books', { title: 'Locked', author: 'L', price: 1 }));
    await env.db.admin.query('BEGIN');
    await env.db.admin.query('SELECT 1 FROM books WHERE id = $1 FOR UPDATE', [book.id]);
    const inFlight = own.request(`/books/${book.id}`, { method: 'DELETE' });
    await new Promise((r) => setTimeout(r, 200));

    const stopped = own.stop();
    const ready = await own.request('/readyz');
    expect(ready.status).toBe(503);
    expect(await json(ready)).toEqual({ status: 'draining' });
    // Served while draining, and told to close the connection, so the client reconnects elsewhere.
    const served = await own.request('/healthz');
    expect(served.status).toBe(200);
    expect(served.headers.get('connection')).toBe('close');
    await env.db.admin.query('COMMIT');
    expect((await inFlight).status).toBe(204);
    await stopped;
    await expect(fetch(`${own.url}/healthz`)).rejects.toThrow();
  });

  it('advertises an idle time shorter than the drain wait, so fetch has retired its idle connection before the drain ends and closes it', async () => {
    const own = await startTestService(env.db, { env: { SHUTDOWN_DRAIN_SECONDS: '5' } });
    const openConnections = () => new Promise<number>((resolve, reject) => own.service.server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
    try {
      const answer = await own.request('/healthz');
      await answer.text();
      expect(await openConnections()).toBe(1);
      const stopped = own.stop();
      // The drain closes idle connections after 5 s; the client must have let go of its own by then.
      await new Promise((r) => setTimeout(r, 4_500));
      expect(await openConnections()).toBe(0);
      expect(answer.headers.get('keep-alive')).toBe('timeout=4');
      await stopped;
    } finally {
      await own.stop();
    }
  });
});
