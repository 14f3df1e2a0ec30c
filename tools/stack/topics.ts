import { Kafka, logLevel } from 'kafkajs';
import { waitFor } from './processes';
import { KafkaTopicResource, kafkaTopicResource } from './strimzi-resources';

/**
 * Creates a topic exactly as its KafkaTopic resource declares it (what the Topic Operator does);
 * books.events by default. Waits for every partition's leader itself: kafkajs's own wait
 * gives up after a few seconds, which a busy two-core machine can exceed.
 */
export async function createTopicFromResource(bootstrap: string, resource: KafkaTopicResource = kafkaTopicResource()): Promise<string> {
  const { metadata, spec } = resource;
  const topic = spec.topicName ?? metadata.name;
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: false,
      topics: [{
        topic,
        numPartitions: spec.partitions,
        replicationFactor: spec.replicas,
        configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value: String(value) })),
      }],
    });
    await waitFor(`a leader for every partition of ${topic}`, 60_000, async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      return topics[0]?.partitions.length === spec.partitions && topics[0].partitions.every((p) => p.leader >= 0);
    }, 200);
  } finally {
    await admin.disconnect();
  }
  return topic;
}
