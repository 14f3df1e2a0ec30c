import { performance } from 'node:perf_hooks';
import { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, logLevel, Partitioners, Producer } from 'kafkajs';
import { Sequelize } from 'sequelize';
import { isRetryable } from '../db/errors';
import { Logger } from '../logger';
import { decodeBookEvent } from './book-event';
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly dlq: DeadLetterQueue;
  private joined = false;
  private stopping = false;

  constructor(
    private readonly config: ConsumerConfig,
    private readonly sequelize: Sequelize,
    private readonly logger: Logger,
    private readonly onFatal: (error: Error) => void = () => undefined,
  ) {
    const kafkaLog = logger.child({ component: 'kafkajs' });
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
    this.consumer = kafka.consumer({ groupId: config.groupId, sessionTimeout: 15_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 500, allowAutoTopicCreation: false });
    this.producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    this.admin = kafka.admin();
    this.dlq = new DeadLetterQueue(this.producer, config.deadLetterTopic, config.groupId);
    this.metrics = createConsumerMetrics(this.admin, config.topic, config.groupId);
    const { GROUP_JOIN, CRASH, STOP, DISCONNECT } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, () => (this.joined = true));
    for (const event of [STOP, DISCONNECT]) this.consumer.on(event, () => (this.joined = false));
    this.consumer.on(CRASH, ({ payload }) => {
      this.joined = false;
      if (!payload.restart && !this.stopping) void this.restartAfterCrash(payload.error);
    });
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
    await Promise.all([this.producer.connect(), this.admin.connect()]);
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.config.topic, fromBeginning: true });
    await this.consumer.run({
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
    let delay = 1_000;
    for (;;) {
      this.logger.warn({ err: error, retryInMs: delay }, 'the consumer is not running (Kafka failed it); starting it again');
      await sleep(delay);
      if (this.stopping) return;
      try {
        await this.consume();
        return;
      } catch (restartError) {
        error = restartError as Error;
        if (Date.now() - since > RESTART_GIVE_UP_MS) return this.onFatal(error);
        delay = Math.min(delay * 2, this.config.retryMaxMs);
      }
    }
  }

  /** Finishes the transaction under way, commits its offsets, leaves the group. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.disconnect();
    await Promise.all([this.producer.disconnect(), this.admin.disconnect()]);
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
      this.metrics.applied((performance.now() - arrived) / 1000, items.map((i) => (Date.now() - Number(i.message.timestamp)) / 1000));
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
    let delay = FIRST_DELAY_MS;
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
        this.logger.warn({ err: error, partition, offset: items[0].message.offset, retryInMs: delay, attempt: failures || undefined },
          isRetryable(error) ? 'read model unavailable; retrying the same events' : 'applying an event failed; retrying it');
        await this.pause(delay, alive);
        delay = Math.min(delay * 2, this.config.retryMaxMs);
      }
    }
  }

  /** Sends a record to the dead-letter topic, retrying while Kafka is unavailable; false when stopped before it was sent. */
  private async deadLetter(message: KafkaMessage, topic: string, partition: number, reason: DeadLetterReason, error: string, attempts: number,
    alive: () => boolean): Promise<boolean> {
    let delay = FIRST_DELAY_MS;
    for (;;) {
      if (!alive()) return false;
      try {
        await this.dlq.send({ message, topic, partition, reason, error, attempts });
        this.metrics.deadLettered(reason);
        this.logger.warn({ partition, offset: message.offset, reason, error, deadLetterTopic: this.dlq.topic }, 'record dead-lettered');
        return true;
      } catch (sendError) {
        this.logger.warn({ err: sendError, retryInMs: delay }, `sending to ${this.dlq.topic} failed; retrying`);
        await this.pause(delay, alive);
        delay = Math.min(delay * 2, this.config.retryMaxMs);
      }
    }
  }

  private async pause(ms: number, alive: () => boolean): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until && alive()) await sleep(Math.min(100, until - Date.now()));
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
