import { Stack, startStack } from '../../../stack/stack';

/** A whole local stack (PostgreSQL, Kafka, Connect + connector, service) for one test file. */
export async function startPipelineStack(): Promise<Stack> {
  const started = Date.now();
  const stack = await startStack({ log: (line) => process.env.PIPELINE_VERBOSE && console.log(line) });
  console.log(`pipeline stack up in ${Date.now() - started} ms: Kafka ${stack.kafka.bootstrap}, Connect ${stack.connect.url}, service ${stack.service!.url}`);
  return stack;
}

export interface Book {
  id: number;
  title: string;
  author: string;
  price: number;
}

export async function postBook(serviceUrl: string, book: Omit<Book, 'id'> | Record<string, unknown>): Promise<Response> {
  return fetch(`${serviceUrl}/books`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(book),
  });
}

export async function deleteBook(serviceUrl: string, id: number): Promise<Response> {
  return fetch(`${serviceUrl}/books/${id}`, { method: 'DELETE' });
}
