import { StopWaiting, waitFor } from './processes';
import { asProperties, kafkaConnectorResource } from './strimzi-resources';

/** What the local stack changes in the KafkaConnector's config: where the database is, nothing else. */
export interface ConnectorOverrides {
  'database.hostname': string;
  'database.port': string;
  'database.dbname': string;
}

export interface ConnectorDefinition {
  name: string;
  config: Record<string, string>;
}

/** The Connect REST form of strimzi/kafka-connector.yaml, with only connection coordinates overridden. */
export function connectorFromResource(overrides: ConnectorOverrides): ConnectorDefinition {
  const resource = kafkaConnectorResource();
  return {
    name: resource.metadata.name,
    config: {
      ...asProperties(resource.spec.config),
      'connector.class': resource.spec.class,
      'tasks.max': String(resource.spec.tasksMax ?? 1),
      ...overrides,
    },
  };
}

export interface ConnectorStatus {
  connector: { state: string; trace?: string };
  tasks: Array<{ id: number; state: string; trace?: string }>;
}

/** The connector's lifecycle through the Connect REST API, as Strimzi drives it in the cluster. */
export class ConnectorClient {
  constructor(private readonly connectUrl: () => string, readonly definition: ConnectorDefinition) {}

  get name(): string {
    return this.definition.name;
  }

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${this.connectUrl()}/connectors/${encodeURIComponent(this.name)}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
    });
    if (response.status >= 400 && response.status !== 404) {
      throw new Error(`${method} ${path || '/'} on connector ${this.name}: ${response.status} ${await response.text()}`);
    }
    return response;
  }

  /** Creates or updates the connector (PUT is idempotent). */
  async apply(): Promise<void> {
    await this.call('PUT', '/config', this.definition.config);
  }

  async status(): Promise<ConnectorStatus | undefined> {
    const response = await this.call('GET', '/status');
    return response.status === 404 ? undefined : ((await response.json()) as ConnectorStatus);
  }

  /** Stops connector and tasks (offsets kept); `resume()` starts them again from the committed offset. */
  async stop(): Promise<void> {
    await this.call('PUT', '/stop');
  }

  async resume(): Promise<void> {
    await this.call('PUT', '/resume');
  }

  async restart(): Promise<void> {
    await this.call('POST', '/restart?includeTasks=true&onlyFailed=false');
  }

  /** Waits for the connector and every task to be in `state`; a FAILED one fails at once with its trace. */
  async waitFor(state: ConnectorState, timeoutMs = 120_000): Promise<void> {
    let last: ConnectorStatus | undefined;
    await waitFor(`connector ${this.name} ${state}`, timeoutMs, async () => {
      last = await this.status().catch(() => undefined); // the worker may be (re)starting
      const failed = [last?.connector, ...(last?.tasks ?? [])].find((x) => x?.state === 'FAILED');
      if (failed) throw new StopWaiting(`connector ${this.name}: ${failureReason(last) ?? 'FAILED (no trace)'}\n${failed.trace ?? '(no trace)'}`);
      return inState(last, state);
    }, { intervalMs: 250, detail: () => `last status ${JSON.stringify(last)}` });
  }
}

export type ConnectorState = 'RUNNING' | 'STOPPED' | 'PAUSED';

/**
 * Whether the connector is in `state` with every task (at least one) in it too; for STOPPED
 * only the connector counts (Connect removes the tasks). inState(status, 'RUNNING') is what
 * "the connector is running" means everywhere in the tooling.
 */
export function inState(status: ConnectorStatus | undefined, state: ConnectorState): boolean {
  if (status?.connector.state !== state) return false;
  return state === 'STOPPED' || (status.tasks.length > 0 && status.tasks.every((t) => t.state === state));
}

/**
 * One readable line for a FAILED connector or task: the trace's first line and, when the
 * cause is buried deeper (e.g. a PSQLException under a DebeziumException), its last
 * "Caused by:" line. Undefined when nothing has failed.
 */
export function failureReason(status: ConnectorStatus | undefined): string | undefined {
  const failed = [
    ...(status?.connector.state === 'FAILED' ? [{ what: 'connector', trace: status.connector.trace }] : []),
    ...(status?.tasks ?? []).filter((t) => t.state === 'FAILED').map((t) => ({ what: `task ${t.id}`, trace: t.trace })),
  ];
  if (!failed.length) return undefined;
  const { what, trace } = failed[0];
  const lines = (trace ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const first = lines[0] ?? '(no trace)';
  const cause = [...lines].reverse().find((l) => l.startsWith('Caused by:'))?.replace(/^Caused by:\s*/, '');
  return `${what} FAILED: ${first}${cause && !first.includes(cause) ? ` (cause: ${cause})` : ''}`;
}
