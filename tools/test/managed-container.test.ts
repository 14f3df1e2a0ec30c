import type { ContainerRuntimeClient, StartedTestContainer } from 'testcontainers';
import { ManagedContainer } from '../stack/managed-container';

/** A container whose `pause` answers as the engine would: the errors given, in turn, then success. */
function containerPausing(errors: string[]) {
  const calls = { pause: 0 };
  let paused = false;
  const docker = {
    inspect: async () => ({ State: { Running: true, Paused: paused, Status: paused ? 'paused' : 'running', ExitCode: 0, Pid: 1 } }),
    pause: async () => {
      const error = errors[calls.pause++];
      if (error) throw new Error(error);
      paused = true;
    },
  };
  const client = { container: { dockerode: { getContainer: () => docker } } } as unknown as ContainerRuntimeClient;
  const started = { getId: () => 'c1' } as unknown as StartedTestContainer;
  const container = new ManagedContainer(client, started, 'connect', '/dev/null', async () => undefined);
  return { container, calls };
}

describe('ManagedContainer.pause', () => {
  it('tries again when runc could not freeze the cgroup, until it is paused', async () => {
    const freezeFailed = '(HTTP code 500) server error - Cannot pause container c1: OCI runtime pause failed: unable to freeze: unknown';
    const { container, calls } = containerPausing([freezeFailed, freezeFailed]);
    await container.pause();
    expect(calls.pause).toBe(3);
    expect((await container.state()).Paused).toBe(true);
  });

  it('fails at once on any other refusal', async () => {
    const { container, calls } = containerPausing(['(HTTP code 409) container c1 is not running']);
    await expect(container.pause()).rejects.toThrow('connect container cannot be paused: Error: (HTTP code 409) container c1 is not running');
    expect(calls.pause).toBe(1);
  });
});
