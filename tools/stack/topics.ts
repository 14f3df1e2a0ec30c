import { Kafka, logLevel } from 'kafkajs';
import { kafkaTopicResource } from './strimzi-resources';

/** Creates the event topic exactly as the KafkaTopic resource declares it (what the Topic Operator does). */
export async function createTopicFromResource(bootstrap: string): Promise<string> {
  const { metadata, spec } = kafkaTopicResource();
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
