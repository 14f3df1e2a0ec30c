import { setTimeout as sleep } from 'node:timers/promises';
import { healConnector } from '../stack/connector-healing';
import { waitFor } from '../stack/processes';
import { Restartable } from '../stack/managed-process';
import { Stack } from '../stack/stack';

/** What the chaos run breaks, in this order, round after round. */
export const FAULTS = ['service', 'connect', 'broker', 'postgres', 'consumer'] as const;
export type FaultName = (typeof FAULTS)[number];

/**
 * How a component is broken. A process is SIGKILLed; a container (Kafka and Connect in container
 * mode) is killed (SIGKILL), paused (frozen, then let go on) or restarted (SIGTERM, then started);
 * PostgreSQL, which holds the catalog database too, gets a fast shutdown.
 */
export type FaultAction = 'SIGKILL' | 'kill' | 'pause' | 'restart' | 'fast shutdown';

export interface FaultRecord {
  fault: FaultName;
  action: FaultAction;
  /** Seconds since the load started. */
  atSeconds: number;
  /** How long the component stayed down (chosen by the seeded schedule). */
  downMs: number;
  /** From the restart until the pipeline streamed again (informational, never asserted). */
  recoveryMs: number;
  /** Times the connector or its task had FAILED and was restarted, as Strimzi's autoRestart would. */
  connectorRestarts: number;
}

async function ready(what: string, url: string, timeoutMs = 120_000): Promise<void> {
  await waitFor(`${what} to be ready`, timeoutMs, async () => (await fetch(`${url}/readyz`)).ok, 250);
}

type Breakable = Pick<Restartable, 'start' | 'stop'> & Partial<Pick<Restartable, 'kill' | 'pause' | 'unpause'>>;

function component(stack: Stack, fault: FaultName): Breakable {
  const parts: Record<FaultName, Breakable | undefined> = {
    service: stack.service, connect: stack.connect, broker: stack.kafka, postgres: stack.postgres, consumer: stack.consumer,
  };
  const part = parts[fault];
  if (!part) throw new Error(`the chaos run needs the stack to run the ${fault}`);
  return part;
}

/** The ways `fault` can break this stack's component, in the order the rounds take them. */
export function faultActions(stack: Stack, fault: FaultName): FaultAction[] {
  if (fault === 'postgres') return ['fast shutdown'];
  return component(stack, fault).pause ? ['kill', 'pause', 'restart'] : ['SIGKILL'];
}

/**
 * Breaks one component the way `action` says, waits `downMs`, brings it back and waits for the
 * pipeline: the connector streaming, the service and the consumer ready.
 */
export async function injectFault(stack: Stack, fault: FaultName, action: FaultAction, downMs: number, log: (line: string) => void): Promise<Omit<FaultRecord, 'atSeconds'>> {
  if (!stack.service || !stack.consumer) throw new Error('the chaos run needs the stack to run the service and the consumer');
  if (!faultActions(stack, fault).includes(action)) throw new Error(`${fault} cannot be broken by ${action} here`);
  const part = component(stack, fault);
  if (action === 'pause') await part.pause!();
  else if (action === 'kill' || action === 'SIGKILL') await part.kill!();
  else await part.stop();
  await sleep(downMs);
  const restarted = Date.now();
  if (action === 'pause') await part.unpause!();
  else await part.start();
  const connectorRestarts = await healConnector(stack, log);
  await ready('the service', stack.service.url);
  await ready('the consumer', stack.consumer.url);
  return { fault, action, downMs, recoveryMs: Date.now() - restarted, connectorRestarts };
}
