import { parseConsoleRecords } from '../ops/kafka-cli';

describe('parseConsoleRecords', () => {
  it('reads partition, offset, headers, key and value of the console consumer lines, ignoring its log lines', () => {
    const out = [
      'The consumer rebalance protocol (KIP-848) is production-ready!',
      'Partition:1\tOffset:5\tid:9ccaff9d-ec01-4100-a6fb-e268f835a435,type:BookAdded\t3\t{"id":3,"title":"a\tb","author":"x","price":1}',
      'Partition:0\tOffset:0\tNO_HEADERS\t4\t{}',
      '[2026-11-28 08:59:51,154] ERROR Error processing message, terminating consumer process',
    ].join('\n');
    expect(parseConsoleRecords(out)).toEqual([
      { partition: 1, offset: 5, key: '3', headers: { id: '9ccaff9d-ec01-4100-a6fb-e268f835a435', type: 'BookAdded' }, value: '{"id":3,"title":"a\tb","author":"x","price":1}' },
      { partition: 0, offset: 0, key: '4', headers: {}, value: '{}' },
    ]);
  });
});
