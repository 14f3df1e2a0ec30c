import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { STACK_INFO_FILE } from './stack-info';

/**
 * `npm run dlq -- list|replay [--dry-run]`: the product's dead-letter tool (service/src/bin/catalog-dlq.ts)
 * against KAFKA_BOOTSTRAP_SERVERS, else the broker and topic `npm run stack` runs.
 */
if (!process.env.KAFKA_BOOTSTRAP_SERVERS && existsSync(STACK_INFO_FILE)) {
  const info = JSON.parse(readFileSync(STACK_INFO_FILE, 'utf8'));
  process.env.KAFKA_BOOTSTRAP_SERVERS = info.bootstrap;
  process.env.KAFKA_DLQ_TOPIC ??= info.consumer?.deadLetterTopic;
}
if (!process.env.KAFKA_BOOTSTRAP_SERVERS) {
  console.error('dlq: set KAFKA_BOOTSTRAP_SERVERS=host:port, or start the local stack first (npm run stack)');
  process.exit(1);
}
const cli = resolve(__dirname, '../../service/src/bin/catalog-dlq.ts');
process.exitCode = spawnSync(process.execPath, ['--import', 'tsx', cli, ...process.argv.slice(2)], { stdio: 'inherit' }).status ?? 1;
