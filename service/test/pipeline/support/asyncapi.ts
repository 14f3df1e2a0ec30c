import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { TopicRecord } from '../../../../tools/stack/topic-reader';

const DOC = resolve(__dirname, '../../../../docs/asyncapi.yaml');

interface MessageValidators {
  key: ValidateFunction;
  headers: ValidateFunction;
  payload: ValidateFunction;
}

/** Validators for the messages of channel books.events in docs/asyncapi.yaml, by message name. */
export function loadAsyncApi(): { channelAddress: string; messages: Map<string, MessageValidators> } {
  const doc = parse(readFileSync(DOC, 'utf8'));
  // The document itself is the schema root, so its internal $refs resolve as they are.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(doc, 'asyncapi');
  const deref = (ref: string) => ref.replace(/^#\//, '').split('/').reduce((node: any, part) => node[part.replace(/~1/g, '/')], doc);
  const compile = (ref: string) => ajv.getSchema(`asyncapi${ref}`) ?? (() => { throw new Error(`no schema at ${ref}`); })();

  const channel = doc.channels.booksEvents;
  const messages = new Map<string, MessageValidators>();
  for (const [name, ref] of Object.entries<{ $ref: string }>(channel.messages)) {
    const message = deref(ref.$ref);
    messages.set(name, {
      key: compile(message.bindings.kafka.key.$ref),
      headers: compile(message.headers.$ref),
      payload: compile(message.payload.$ref),
    });
  }
  return { channelAddress: channel.address, messages };
}

/** The schema errors of one real record, empty when it conforms. */
export function asyncApiErrors(api: ReturnType<typeof loadAsyncApi>, record: TopicRecord): string[] {
  const message = api.messages.get(record.headers.type);
  if (!message) return [`header type "${record.headers.type}" is not a message of the channel`];
  const errors: string[] = [];
  for (const [part, validate, data] of [
    ['key', message.key, record.key],
    ['headers', message.headers, record.headers],
    ['payload', message.payload, record.value],
  ] as const) {
    if (!validate(data)) errors.push(...(validate.errors ?? []).map((e) => `${part}${e.instancePath} ${e.message}`));
  }
  return errors;
}
