import type { ContainerRuntimeClient } from 'testcontainers';
import { withTimeout } from './processes';

/** Image names the tools run; each can point at a mirror or another tag. */
export const POSTGRES_IMAGE = process.env.BOOK_POSTGRES_IMAGE ?? 'postgres:15';
/** Mirrors testcontainers' own default (reaper/reaper.js); RYUK_CONTAINER_IMAGE overrides both. */
const RYUK_IMAGE = process.env.RYUK_CONTAINER_IMAGE ?? 'testcontainers/ryuk:0.14.0';
const ANSWER_TIMEOUT_MS = 10_000;

export type EngineCheck = { usable: true; client: ContainerRuntimeClient } | { usable: false; reason: string };

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].slice(0, 200);
}

/** Present locally, or the registry answers for it (a manifest lookup, nothing is pulled). */
async function imageReason(client: ContainerRuntimeClient, name: string): Promise<string | undefined> {
  const { ImageName } = await import('testcontainers');
  const image = ImageName.fromString(name);
  if (await client.image.exists(image)) return undefined;
  try {
    await withTimeout(`registry lookup of ${name}`, client.container.dockerode.getImage(image.string).distribution(), ANSWER_TIMEOUT_MS);
    return undefined;
  } catch (error) {
    return `image ${name} is not present and cannot be pulled (${firstLine(error)})`;
  }
}

/**
 * Whether testcontainers can run `images` here: an engine answers, and every image it
 * needs (the reaper too, unless TESTCONTAINERS_RYUK_DISABLED=true) is present or pullable.
 */
export async function checkEngine(images: string[]): Promise<EngineCheck> {
  let client: ContainerRuntimeClient;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    client = await withTimeout('container engine', getContainerRuntimeClient(), ANSWER_TIMEOUT_MS);
  } catch (error) {
    return { usable: false, reason: `no container engine answers (${firstLine(error)})` };
  }
  const needed = process.env.TESTCONTAINERS_RYUK_DISABLED === 'true' ? images : [...images, RYUK_IMAGE];
  for (const name of needed) {
    const reason = await imageReason(client, name);
    if (reason) {
      const hint = name === RYUK_IMAGE ? '; set TESTCONTAINERS_RYUK_DISABLED=true to run without the reaper' : '';
      return { usable: false, reason: reason + hint };
    }
  }
  return { usable: true, client };
}
