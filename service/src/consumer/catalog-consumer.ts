import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, logLevel, Partitioners, Producer } from 'kafkajs';
import { Sequelize } from 'sequelize';
import { isRetryable } from '../shared/db/errors';
import { Logger } from '../shared/logger';
import { decodeBookEvent } from './event-record';
import { ConsumerConfig } from './config';
import { DeadLetterQueue, DeadLetterReason } from './dead-letter';
import { ConsumerMetrics, createConsumerMetrics } from './metrics';
import { applyEvents, SourcedEvent } from './projection';

/** Events applied per read-model transaction (a batch from Kafka may hold thousands). */
const CHUNK = 500;
const FIRST_DELAY_MS = 100;
const RESTART_GIVE_UP_MS = 5 * 60_000;

interface Item {
  message: KafkaMessage;
  event: SourcedEvent;
}

/** The kafkajs clients of one run of the consumer; replaced as a whole when it is started again. */
interface KafkaClients {
  consumer: Consumer;
  producer: Producer;
  admin: Admin;
  dlq: DeadLetterQueue;
}

/**
 * The book-catalog consumer: reads books.events and keeps the read model (projection.ts).
 *
 * - A partition's records are handled in order, one batch at a time; partitions run concurrently.
 * - Offsets are committed only after the transaction holding the records' changes (and
 *   their inbox rows) committed, or after a record went to the dead-letter topic.
 * - A retryable failure (the database down, a deadlock) pauses and retries the same
 *   records with backoff, forever: nothing is skipped or reordered. Other failures of a
 *   record are retried `maxAttempts` times, then it is dead-lettered; records that break
 *   the event contract are dead-lettered at once (retrying cannot change them).
 * - Stopping (SIGTERM) finishes the transaction under way, commits, leaves the group.
 */
export class CatalogConsumer {
  readonly metrics: ConsumerMetrics;
  private clients: KafkaClients;
  private joined = false;
  private stopping = false;

  constructor(
    private readonly config: ConsumerConfig,
    private readonly sequelize: Sequelize,
    private readonly logger: Logger,
    private readonly onFatal: (error: Error) => void = () => undefined,
  ) {
    this.clients = this.createClients();
    this.metrics = createConsumerMetrics(() => this.clients.admin, config.topic, config.groupId, config.deadLetterTopic);
  }

  private createClients(): KafkaClients {
    const { config } = this;
    const kafkaLog = this.logger.child({ component: 'kafkajs' });
    const kafka = new Kafka({
      clientId: config.groupId,
      brokers: config.brokers,
      logLevel: logLevel.WARN,
      logCreator: () => ({ level, log }) => {
        const { message, ...extra } = log;
        if (level <= logLevel.ERROR) kafkaLog.error(extra, message);
        else kafkaLog.warn(extra, message);
      },
    });
    // A killed member is replaced after sessionTimeout; heartbeats go on during long retries (see eachBatch).
    const consumer = kafka.consumer({ groupId: config.groupId, sessionTimeout: 15_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 500, allowAutoTopicCreation: false });
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    const { GROUP_JOIN, CRASH, STOP, DISCONNECT } = consumer.events;
    const current = () => this.clients?.consumer === consumer;
    consumer.on(GROUP_JOIN, () => (this.joined = current()));
    for (const event of [STOP, DISCONNECT]) consumer.on(event, () => current() && (this.joined = false));
    consumer.on(CRASH, ({ payload }) => {
      if (!current()) return;
      this.joined = false;
      if (!payload.restart && !this.stopping) void this.restartAfterCrash(payload.error);
    });
    return { consumer, producer, admin: kafka.admin(), dlq: new DeadLetterQueue(producer, config.deadLetterTopic, config.groupId) };
  }

  /**
   * New clients for a new start: kafkajs can keep a broker in its pool that it believes
   * connected while the broker's pod is gone (no reset ever arrives from a vanished pod
   * address), and then fails every request with "Broker not connected" for good (seen on
   * the cluster after the broker pod was replaced).
   */
  private async replaceClients(): Promise<void> {
    const old = this.clients;
    this.clients = this.createClients();
    const disconnected = Promise.allSettled([old.consumer.disconnect(), old.producer.disconnect(), old.admin.disconnect()]);
    await Promise.race([disconnected, sleep(5_000)]);
  }

  /** Joined to the group and not stopping (readiness adds the database). */
  get consuming(): boolean {
    return this.joined && !this.stopping;
  }

  /**
   * Connects and joins the group. A Kafka that does not answer yet (a pod started before the
   * broker) is waited for like a crash: in the background, not ready meanwhile.
   */
  async start(): Promise<void> {
    try {
      await this.consume();
    } catch (error) {
      void this.restartAfterCrash(error as Error);
    }
  }

  private async consume(): Promise<void> {
    const { consumer, producer, admin } = this.clients;
    await Promise.all([producer.connect(), admin.connect()]);
    await consumer.connect();
    await consumer.subscribe({ topic: this.config.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /**
   * kafkajs restarts the consumer itself after most failures, but not after some (a broker
   * gone for longer than its retries, e.g. a pod being replaced), nor after a first connection
   * that fails: then it is started again here, with backoff, rather than the process exiting
   * into a crash loop. Nothing is lost either way (offsets are committed only after the read
   * model). Gives up, and the process exits, when it has not been running for RESTART_GIVE_UP_MS.
   */
  private async restartAfterCrash(error: Error): Promise<void> {
    const since = Date.now();
    const delays = backoff(1_000, this.config.retryMaxMs);
    for (;;) {
      const delay = delays();
      this.logger.warn({ err: error, retryInMs: delay }, 'the consumer is not running (Kafka failed it); starting it again');
      await sleep(delay);
      if (this.stopping) return;
      try {
        await this.replaceClients();
        await this.consume();
        return;
      } catch (restartError) {
        error = restartError as Error;
        if (Date.now() - since > RESTART_GIVE_UP_MS) return this.onFatal(error);
      }
    }
  }

  /** Finishes the transaction under way, commits its offsets, leaves the group. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    const { consumer, producer, admin } = this.clients;
    await consumer.disconnect();
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    const alive = () => isRunning() && !isStale() && !this.stopping;
    const arrived = performance.now();
    // Keeps the membership while a transaction or a retry takes longer than the session timeout would allow.
    const beat = setInterval(() => void heartbeat().catch(() => undefined), 1_000);
    const done = async (offset: string) => {
      resolveOffset(offset);
      try {
        await commitOffsetsIfNecessary(uncommittedOffsets());
      } catch (error) {
        // Redelivery after a lost commit is what the inbox is for; the next commit carries this offset too.
        this.logger.warn({ err: error, topic, partition, offset }, 'offset commit failed; will be retried with the next one');
      }
    };
    let pending: Item[] = [];
    const flush = async (): Promise<boolean> => {
      if (!pending.length) return true;
      const items = pending;
      pending = [];
      if (!(await this.apply(items, topic, partition, alive))) return false;
      this.metrics.applied((performance.now() - arrived) / 1000, items.map((i) => Number(i.message.timestamp)));
      await done(items[items.length - 1].message.offset);
      return true;
    };
    try {
      for (const message of batch.messages) {
        if (!alive()) return;
        const decoded = decodeBookEvent(message);
        if ('event' in decoded) {
          pending.push({ message, event: { ...decoded.event, partition, offset: message.offset } });
          if (pending.length >= CHUNK && !(await flush())) return;
          continue;
        }
        if (!(await flush())) return;
        if (!(await this.deadLetter(message, topic, partition, decoded.poison, decoded.error, 1, alive))) return;
        await done(message.offset);
      }
      if (alive()) await flush();
    } finally {
      clearInterval(beat);
    }
  }

  /** Applies `items` in one transaction with retries; false when stopped before they were applied (they will be redelivered). */
  private async apply(items: Item[], topic: string, partition: number, alive: () => boolean): Promise<boolean> {
    const delays = backoff(FIRST_DELAY_MS, this.config.retryMaxMs);
    let failures = 0;
    for (;;) {
      if (!alive()) return false;
      try {
        const { applied, duplicates } = await applyEvents(this.sequelize, items.map((i) => i.event));
        for (const [type, count] of Object.entries(applied)) this.metrics.processed(type as keyof typeof applied, count);
        this.metrics.duplicates(duplicates);
        if (duplicates) this.logger.info({ partition, duplicates }, 'skipped events already in the inbox');
        return true;
      } catch (error) {
        if (!isRetryable(error)) {
          // Which record failed? One transaction each, so that the others are applied.
          if (items.length > 1) {
            for (const item of items) if (!(await this.apply([item], topic, partition, alive))) return false;
            return true;
          }
          if (++failures >= this.config.maxAttempts) {
            const { message } = items[0];
            return this.deadLetter(message, topic, partition, 'apply-failed', errorText(error), failures, alive);
          }
        }
        const delay = delays();
        this.logger.warn({ err: error, partition, offset: items[0].message.offset, retryInMs: delay, attempt: failures || undefined },
          isRetryable(error) ? 'read model unavailable; retrying the same events' : 'applying an event failed; retrying it');
        await this.pause(delay, alive);
      }
    }
  }

  /** Sends a record to the dead-letter topic, retrying while Kafka is unavailable; false when stopped before it was sent. */
  private async deadLetter(message: KafkaMessage, topic: string, partition: number, reason: DeadLetterReason, error: string, attempts: number,
    alive: () => boolean): Promise<boolean> {
    const delays = backoff(FIRST_DELAY_MS, this.config.retryMaxMs);
    for (;;) {
      if (!alive()) return false;
      try {
        await this.clients.dlq.send({ message, topic, partition, reason, error, attempts });
        this.metrics.deadLettered(reason);
        this.logger.warn({ partition, offset: message.offset, reason, error, deadLetterTopic: this.clients.dlq.topic }, 'record dead-lettered');
        return true;
      } catch (sendError) {
        const delay = delays();
        this.logger.warn({ err: sendError, retryInMs: delay }, `sending to ${this.clients.dlq.topic} failed; retrying`);
        await this.pause(delay, alive);
      }
    }
  }

  private async pause(ms: number, alive: () => boolean): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until && alive()) await sleep(Math.min(100, until - Date.now()));
  }
}

/** Delays that double from `firstMs` up to `maxMs`: each call returns the next. */
function backoff(firstMs: number, maxMs: number): () => number {
  let next = firstMs;
  return () => {
    const delay = next;
    next = Math.min(next * 2, maxMs);
    return delay;
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
