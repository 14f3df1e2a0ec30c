import { resolve } from 'node:path';

/** Where `npm run stack` leaves its connection details (no passwords) for `npm run events` and other tools. */
export const STACK_INFO_FILE = resolve(__dirname, '../../.stack/stack.json');
