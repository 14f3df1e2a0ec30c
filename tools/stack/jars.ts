import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StackVersions } from './strimzi-resources';

const run = promisify(execFile);
const POM = join(__dirname, 'pom.xml');

export interface StackJars {
  /** Broker and Connect worker classpath (a java wildcard entry). */
  classpath: string;
  /** Connect plugin.path: the unpacked Debezium plugin archive, as in the Connect image. */
  pluginPath: string;
}

export function jarCacheDir(versions: StackVersions): string {
  const root = process.env.BOOK_STACK_JAR_CACHE ?? join(homedir(), '.cache', 'book-service', 'jars');
  return join(root, `kafka-${versions.kafka}_debezium-${versions.debezium}`);
}

async function mvn(args: string[], buildDir: string): Promise<void> {
  try {
    await run('mvn', ['-q', '-B', '-f', POM, `-Dstack.build.dir=${buildDir}`, ...args], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`mvn ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/**
 * Resolves the Kafka and Debezium jars through tools/stack/pom.xml (Maven Central,
 * cached in ~/.m2) into a cache directory outside the repository, once per version pair.
 */
export async function resolveJars(versions: StackVersions, log: (line: string) => void = () => undefined): Promise<StackJars> {
  const dir = jarCacheDir(versions);
  const jars = { classpath: join(dir, 'kafka', '*'), pluginPath: join(dir, 'plugins') };
  if (existsSync(join(dir, '.complete'))) return jars;

  log(`resolving Kafka ${versions.kafka} and Debezium ${versions.debezium} jars with Maven into ${dir} (first run only)`);
  const staging = `${dir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const build = join(staging, 'mvn-build');
    await mvn(['-Pkafka', `-Dkafka.version=${versions.kafka}`, '-DincludeScope=runtime', 'dependency:copy-dependencies', `-DoutputDirectory=${join(staging, 'kafka')}`], build);
    const archives = join(staging, 'archives');
    await mvn(['-Pdebezium', `-Ddebezium.version=${versions.debezium}`, '-DincludeTypes=tar.gz', '-DexcludeTransitive=true', 'dependency:copy-dependencies', `-DoutputDirectory=${archives}`], build);
    mkdirSync(join(staging, 'plugins'));
    for (const archive of readdirSync(archives)) {
      await run('tar', ['-xzf', join(archives, archive), '-C', join(staging, 'plugins')]);
    }
    rmSync(archives, { recursive: true });
    rmSync(build, { recursive: true, force: true });
    writeFileSync(join(staging, '.complete'), new Date().toISOString());
    try {
      renameSync(staging, dir);
    } catch (error) {
      // Another stack resolved the same versions meanwhile.
      if (!existsSync(join(dir, '.complete'))) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return jars;
}
