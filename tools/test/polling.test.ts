import { pollUntil, withTimeout } from '../stack/processes';

describe('withTimeout', () => {
  it('passes an answer through', async () => {
    await expect(withTimeout('quick', Promise.resolve(7), 1_000)).resolves.toBe(7);
  });

  it('rejects, naming what it waited for, and releases it, when no answer comes in time', async () => {
    let released = false;
    const silent = new Promise<never>(() => undefined);
    await expect(withTimeout('an exec stream', silent, 50, () => (released = true))).rejects.toThrow('an exec stream: no answer within 50 ms');
    expect(released).toBe(true);
  });
});

describe('pollUntil with attemptTimeoutMs', () => {
  it('goes on polling past a check that never settles, and returns the next answer', async () => {
    let calls = 0;
    const { value } = await pollUntil(5_000, () => (++calls === 1 ? new Promise<never>(() => undefined) : 'ready'), { intervalMs: 10, attemptTimeoutMs: 50 });
    expect(value).toBe('ready');
    expect(calls).toBe(2);
  });

  it('keeps the timed-out attempt as the last error when the deadline passes', async () => {
    const { value, lastError } = await pollUntil(120, () => new Promise<never>(() => undefined), { intervalMs: 10, attemptTimeoutMs: 40 });
    expect(value).toBeUndefined();
    expect((lastError as Error).message).toMatch(/no answer within 40 ms/);
  });
});
