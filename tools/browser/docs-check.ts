import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../stack/processes';

/**
 * `npm run docs:browser -- <service url> [screenshot.png]`: opens <url>/docs in headless Chromium
 * (Debian's `chromium`, or CHROMIUM) through the DevTools protocol, waits until Swagger UI has
 * rendered the operations of /openapi.json, and prints every request the browser made, by host,
 * and what the Content-Security-Policy blocked. Exit 1 when an operation is missing or any
 * request left the service's origin.
 */
type Message = { id?: number; method?: string; params?: any; result?: any; sessionId?: string };

async function main(): Promise<number> {
  const [url = 'http://127.0.0.1:8000', screenshot] = parseArgs({ allowPositionals: true }).positionals;
  const base = url.replace(/\/$/, '');
  const profile = mkdtempSync(join(tmpdir(), 'docs-browser-'));
  const chromium = spawn(process.env.CHROMIUM ?? 'chromium', [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank',
  ], { stdio: 'ignore' });
  try {
    const port = await waitFor('Chromium to open its DevTools port', 30_000, () => {
      try {
        return readFileSync(join(profile, 'DevToolsActivePort'), 'utf8').split('\n')[0] || undefined;
      } catch {
        return undefined;
      }
    });
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ type: string; webSocketDebuggerUrl: string }>;
    const socket = new WebSocket(targets.find((t) => t.type === 'page')!.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => ((socket.onopen = resolve), (socket.onerror = reject)));
    let next = 0;
    const pending = new Map<number, (m: Message) => void>();
    const requests = new Map<string, string>();
    /** Requests the browser refused to send (the page's Content-Security-Policy): they never leave it. */
    const refused = new Set<string>();
    const violations: string[] = [];
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as Message;
      if (message.id !== undefined) pending.get(message.id)?.(message);
      if (message.method === 'Network.requestWillBeSent') requests.set(message.params.requestId, message.params.request.url);
      if (message.method === 'Network.loadingFailed' && message.params.blockedReason) refused.add(message.params.requestId);
      if (message.method === 'Log.entryAdded' && /Content Security Policy/.test(message.params.entry.text)) violations.push(message.params.entry.text);
    };
    const send = (method: string, params: object = {}) =>
      new Promise<any>((resolve) => {
        const id = ++next;
        pending.set(id, (m) => resolve(m.result));
        socket.send(JSON.stringify({ id, method, params }));
      });
    await send('Network.enable');
    await send('Log.enable');
    await send('Page.enable');
    await send('Page.navigate', { url: `${base}/docs` });
    const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const expected = Object.values(openapi.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    const count = async () => (await send('Runtime.evaluate', { expression: "document.querySelectorAll('.opblock').length" })).result.value as number;
    const rendered = await waitFor(`Swagger UI to render ${expected} operations`, 60_000, async () => ((await count()) >= expected ? count() : undefined), 500);
    if (screenshot) {
      const { data } = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
      writeFileSync(screenshot, Buffer.from(data, 'base64'));
    }
    socket.close();

    const origin = new URL(base).origin;
    const byHost = new Map<string, number>();
    const sent = [...requests].filter(([id]) => !refused.has(id)).map(([, url]) => url);
    for (const url of sent) {
      const host = url.startsWith('data:') ? 'data:' : new URL(url).origin;
      byHost.set(host, (byHost.get(host) ?? 0) + 1);
    }
    const offSite = sent.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
    console.log(`operations rendered: ${rendered} of ${expected} in /openapi.json`);
    console.log(`requests sent, by origin: ${[...byHost].map(([host, n]) => `${host} ${n}`).join(', ')}`);
    console.log(`requests sent to any other host: ${offSite.length}${offSite.length ? ` (${offSite.join(', ')})` : ''}`);
    for (const id of refused) console.log(`refused by the page's Content-Security-Policy, never sent: ${requests.get(id)}`);
    for (const line of violations) console.log(`policy report: ${line.slice(0, 160)}`);
    if (screenshot) console.log(`screenshot: ${screenshot}`);
    return rendered >= expected && offSite.length === 0 ? 0 : 1;
  } finally {
    const exited = new Promise((resolve) => chromium.once('exit', resolve));
    chromium.kill();
    await exited;
    rmSync(profile, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`docs:browser: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
