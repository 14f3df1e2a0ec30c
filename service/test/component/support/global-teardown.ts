import { PostgresServer } from '../../../../tools/stack/postgres';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __postgres?: PostgresServer }).__postgres?.destroy();
}
