import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs the docker CLI and returns its trimmed stdout; a failure carries docker's own message. */
export async function docker(args: string[], timeoutMs = 120_000): Promise<string> {
  try {
    const { stdout } = await run('docker', args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`docker ${args[0]} failed: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' ')}`);
  }
}

/** The host port docker published for a container port (`-p 127.0.0.1::PORT`). */
export async function publishedPort(container: string, port: number): Promise<number> {
  const mapping = await docker(['port', container, `${port}/tcp`]);
  const match = /:(\d+)\s*$/m.exec(mapping.split('\n')[0]);
  if (!match) throw new Error(`no published port for ${container}:${port} (${mapping})`);
  return Number(match[1]);
}

/** Size of a local image in MB (decimal, as `docker images` prints it). */
export async function imageSizeMb(image: string): Promise<number> {
  return Math.round(Number(await docker(['image', 'inspect', image, '--format', '{{.Size}}'])) / 1e6);
}
