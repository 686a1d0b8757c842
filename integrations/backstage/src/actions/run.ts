import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { LoggerService } from '@backstage/backend-plugin-api';

/** How a svcforge run ended. */
export interface RunResult {
  exitCode: number;
  /** Everything svcforge wrote to standard error, line by line. */
  stderr: string[];
}

/**
 * Runs svcforge with no standard input (so it never prompts) and streams each line it prints
 * to the task log as it comes: standard output at info level, standard error at warn level.
 */
export function runSvcforge(
  command: string,
  args: string[],
  options: { logger: LoggerService; signal?: AbortSignal; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
      signal: options.signal,
    });
    const stderr: string[] = [];
    const streams = [
      new Promise<void>(done =>
        createInterface({ input: child.stdout })
          .on('line', line => options.logger.info(line))
          .on('close', done),
      ),
      new Promise<void>(done =>
        createInterface({ input: child.stderr })
          .on('line', line => {
            stderr.push(line);
            options.logger.warn(line);
          })
          .on('close', done),
      ),
    ];
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(
          new Error(
            `cannot run ${command}: not found. Install svcforge where the scaffolder runs, or set svcforge.command in app-config.yaml`,
          ),
        );
      } else {
        reject(error);
      }
    });
    child.on('close', (code, signal) => {
      void Promise.all(streams).then(() => {
        if (code === null) {
          reject(new Error(`svcforge was stopped by ${signal ?? 'a signal'}`));
        } else {
          resolve({ exitCode: code, stderr });
        }
      });
    });
  });
}
