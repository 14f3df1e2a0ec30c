import { ManagedProcess } from './managed-process';

export interface JavaProcessOptions {
  name: string;
  mainClass: string;
  args: string[];
  classpath: string;
  /** Heap and GC flags; kept small for 2-core, shared machines. */
  jvmOptions?: string[];
  log4jConfig: string;
  logFile: string;
  cwd?: string;
}

export const DEFAULT_JVM = ['-Xms64m', '-Xmx512m', '-XX:+UseSerialGC', '-Djava.awt.headless=true'];

/** One JVM that can be started, SIGKILLed and started again with the same arguments. */
export class JavaProcess extends ManagedProcess {
  constructor(o: JavaProcessOptions) {
    super({
      name: o.name,
      command: 'java',
      args: [...(o.jvmOptions ?? DEFAULT_JVM), `-Dlog4j2.configurationFile=${o.log4jConfig}`, '-cp', o.classpath, o.mainClass, ...o.args],
      logFile: o.logFile,
      cwd: o.cwd,
    });
  }
}

/** A log4j2 configuration that writes to stdout (piped into the process's log file). */
export function log4jProperties(loggers: Record<string, string> = {}): string {
  const lines = [
    'status = warn',
    'appender.stdout.type = Console',
    'appender.stdout.name = STDOUT',
    'appender.stdout.layout.type = PatternLayout',
    'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.stdout.ref = STDOUT',
  ];
  Object.entries(loggers).forEach(([name, level], i) => lines.push(`logger.l${i}.name = ${name}`, `logger.l${i}.level = ${level}`));
  return lines.join('\n') + '\n';
}

export function propertiesFile(props: Record<string, string>): string {
  // Backslashes are escapes in .properties files.
  return Object.entries(props).map(([k, v]) => `${k}=${v.replace(/\\/g, '\\\\')}`).join('\n') + '\n';
}
