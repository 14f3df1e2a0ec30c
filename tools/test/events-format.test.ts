import { IHeaders } from 'kafkajs';
import { formatHeaders, formatRecord, PrintedMessage } from '../stack/events';

const message = (headers: IHeaders): PrintedMessage => ({
  key: Buffer.from('3'),
  value: Buffer.from('{"id":3,"title":"Miro","author":"Roqq","price":100.0}'),
  offset: '17',
  headers,
});

describe('npm run events output', () => {
  it('prints headers and value as kafka-console-consumer does with print.headers=true, then key, partition and offset', () => {
    const line = formatRecord(2, message({ id: Buffer.from('0b8c4f3e-2a57-4a0e-9d3c-1f0e8a7b6c5d'), type: Buffer.from('BookAdded') }));
    expect(line).toBe('id:0b8c4f3e-2a57-4a0e-9d3c-1f0e8a7b6c5d,type:BookAdded\t{"id":3,"title":"Miro","author":"Roqq","price":100.0}\tkey=3 partition=2 offset=17');
  });

  it('shows an absent header value as NULL, like the console consumer', () => {
    expect(formatHeaders({ id: Buffer.from('x'), traceparent: undefined })).toBe('id:x,traceparent:NULL');
  });
});
