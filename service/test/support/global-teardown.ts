import { PostgresServer } from '../../stack/postgres';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __postgres?: PostgresServer }).__postgres?.destroy();
}
