/** svcforge's exit codes (svcforge/errors.py). */
export const EXIT_USAGE = 2;

/** A rejected answer as svcforge reports it. */
export interface AnswerProblem {
  question: string;
  /** svcforge's whole message, such as `invalid answer for 'x' (got 'y'): must be ...`. */
  message: string;
}

// svcforge prints `error: invalid answer for '<question>'[ from <source>][ (got <value>)]: <rule>`.
const ANSWER_ERROR = /^error: (invalid answer for '([^']+)'.*)$/;

/**
 * The answer svcforge rejected, from its standard error; the data file's temporary path is
 * replaced by what the user knows it as.
 */
export function answerProblem(stderr: string[], dataFile: string): AnswerProblem | undefined {
  for (const line of stderr) {
    const match = ANSWER_ERROR.exec(line);
    if (match) {
      return {
        question: match[2],
        message: match[1].split(`--data-file ${dataFile}`).join('the template form'),
      };
    }
  }
  return undefined;
}

/** svcforge's own error line (without `error: `), or its last lines when it printed none. */
export function errorSummary(stderr: string[]): string {
  const line = stderr.find(l => l.startsWith('error: '));
  if (line) {
    return line.slice('error: '.length);
  }
  return stderr.slice(-10).join('\n') || 'no output';
}
