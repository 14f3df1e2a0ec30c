// `helm test` smoke test: a real round trip through the deployed service.
// Runs inside the service image (node 22, global fetch). Exits non-zero with
// a readable message on the first failed expectation.
const base = process.env.BASE_URL;
const fail = (msg) => {
  console.error(`FAIL ${msg}`);
  process.exit(1);
};
const expectStatus = (res, status, what) => {
  if (res.status !== status) fail(`${what}: expected HTTP ${status}, got ${res.status}`);
  console.log(`ok   ${what} -> ${res.status}`);
};

const ready = await fetch(`${base}/readyz`);
expectStatus(ready, 200, 'GET /readyz');

const spec = await fetch(`${base}/openapi.json`);
expectStatus(spec, 200, 'GET /openapi.json');
const doc = await spec.json();
if (!String(doc.openapi).startsWith('3.1')) fail(`openapi.json: expected OpenAPI 3.1, got ${doc.openapi}`);
if (!doc.paths || !doc.paths['/books']) fail('openapi.json: no /books path');

const book = { title: `helm-test ${new Date().toISOString()}`, author: 'helm test', price: 12.34 };
const created = await fetch(`${base}/books`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(book),
});
expectStatus(created, 201, 'POST /books');
const location = created.headers.get('location');
const body = await created.json();
if (!location || location !== `/books/${body.id}`) fail(`POST /books: Location ${location} does not name book ${body.id}`);

const read = await fetch(`${base}${location}`);
expectStatus(read, 200, `GET ${location}`);
const got = await read.json();
for (const key of ['title', 'author', 'price']) {
  if (got[key] !== book[key]) fail(`GET ${location}: ${key} is ${JSON.stringify(got[key])}, sent ${JSON.stringify(book[key])}`);
}

expectStatus(await fetch(`${base}${location}`, { method: 'DELETE' }), 204, `DELETE ${location}`);
expectStatus(await fetch(`${base}${location}`), 404, `GET ${location} after delete`);
console.log('book-service answers: readiness, OpenAPI, add, read, delete');
