import { summarise } from '../bench/cpu-profile';

const frame = (id: number, functionName: string, url: string, hitCount: number, children: number[] = []) =>
  ({ id, callFrame: { functionName, url, lineNumber: 0 }, hitCount, children });

// root → pg's query → a native write (6 samples); root → koa's respond → node:net → a native write (3);
// root → node's HTTP parser alone (1).
const profile = {
  startTime: 0,
  endTime: 1,
  nodes: [
    frame(1, '(root)', '', 0, [2, 4, 7]),
    frame(2, 'query', 'file:///app/node_modules/pg/lib/client.js', 2, [3]),
    frame(3, 'writev', '', 4),
    frame(4, 'respond', 'file:///app/node_modules/koa/lib/application.js', 0, [5]),
    frame(5, 'Socket._write', 'node:net', 1, [6]),
    frame(6, 'writeBuffer', '', 2),
    frame(7, 'parserOnHeadersComplete', 'node:_http_common', 1),
  ],
};

describe('cpu-profile summarise', () => {
  it('charges native and Node frames to the nearest calling package', () => {
    const { summary } = summarise(profile);
    const owners = Object.fromEntries(summary.byOwner.map((o) => [o.owner, o.share]));
    expect(owners).toEqual({ pg: 0.6, koa: 0.3, '(node runtime)': 0.1 });
  });

  it('keeps the self time per package as it is', () => {
    const { summary } = summarise(profile);
    expect(Object.fromEntries(summary.byPackage.map((p) => [p.pkg, p.share]))).toEqual({ '(native)': 0.6, pg: 0.2, 'node:net': 0.1, 'node:_http_common': 0.1 });
  });
});
