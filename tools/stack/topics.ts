import { Kafka, logLevel } from 'kafkajs';
import { KafkaTopicResource, kafkaTopicResource } from './strimzi-resources';

/** Creates a topic exactly as its KafkaTopic resource declares it (what the Topic Operator does); books.events by default. */
export async function createTopicFromResource(bootstrap: string, resource: KafkaTopicResource = kafkaTopicResource()): Promise<string> {
  const { metadata, spec } = resource;
  const topic = spec.topicName ?? metadata.name;
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{
        topic,
        numPartitions: spec.partitions,
        replicationFactor: spec.replicas,
        configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value: String(value) })),
      }],
    });
  } finally {
    await admin.disconnect();
  }
  return topic;
}
