import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { parse } from 'yaml';
import { answerProblem, errorSummary, EXIT_USAGE } from './errors';
import { runSvcforge } from './run';

export const ACTION_ID = 'svcforge:new';

/** Where svcforge lives and which template it renders. */
export interface SvcforgeNewActionOptions {
  /** The svcforge executable (default: `svcforge` on PATH). */
  command?: string;
  /** `svcforge new --template`: a git URL or path of the template (default: svcforge's own). */
  template?: string;
  /** `svcforge new --vcs-ref`: the template version to render. */
  vcsRef?: string;
  /** GitHub host the repositories are published to (default: github.com). */
  githubHost?: string;
  /** Extra environment for svcforge (for example SVCFORGE_TEMPLATE_URL). */
  env?: NodeJS.ProcessEnv;
}

type Answers = Record<string, unknown>;

/**
 * Answers from the form as svcforge should get them. A field left empty is left out, so that
 * svcforge applies the question's default: copier.yml's static default, or the default it
 * computes from other answers (which Backstage cannot compute).
 */
export function answersForSvcforge(answers: Answers): Answers {
  return Object.fromEntries(
    Object.entries(answers).filter(([, value]) => value !== undefined && value !== null && value !== ''),
  );
}

/** The command line of `svcforge new`: never prompts, never overwrites, never `--trust`. */
export function svcforgeArgs(target: string, dataFile: string, options: SvcforgeNewActionOptions): string[] {
  const args = ['new', target, '--data-file', dataFile, '--defaults'];
  if (options.template) {
    args.push('--template', options.template);
  }
  if (options.vcsRef) {
    args.push('--vcs-ref', options.vcsRef);
  }
  return args;
}

interface Rendered {
  repository: string;
  entityName: string;
  description: string;
  templateVersion: string;
}

async function readCatalogInfo(file: string): Promise<Rendered> {
  const entity = parse(await readFile(file, 'utf8'));
  const annotations: Record<string, string> = entity?.metadata?.annotations ?? {};
  return {
    repository: annotations['github.com/project-slug'],
    entityName: entity.metadata.name,
    description: entity.metadata.description ?? '',
    templateVersion: annotations['backstage.io/template-version'] ?? '',
  };
}

/**
 * The `svcforge:new` action: renders a service repository with `svcforge new` into the task
 * workspace from the form's answers (svcforge validates every answer with copier.yml's rules),
 * and outputs what `publish:github` and `catalog:register` need.
 */
export function createSvcforgeNewAction(options: SvcforgeNewActionOptions = {}) {
  const command = options.command ?? 'svcforge';
  const githubHost = options.githubHost ?? 'github.com';
  return createTemplateAction({
    id: ACTION_ID,
    description:
      'Renders a production service repository with svcforge (non-interactive `svcforge new`) into the workspace.',
    supportsDryRun: false,
    schema: {
      input: {
        answers: z =>
          z
            .record(z.string(), z.any())
            .describe('Answers to the questions of copier.yml, by question name (the exported template maps the form).'),
        targetPath: z =>
          z.string().optional().describe('Directory inside the workspace to render into (default: the workspace).'),
      },
      output: {
        repoUrl: z => z.string().describe('`<host>?owner=<org>&repo=<name>` for publish:github.'),
        repository: z => z.string().describe('`<org>/<name>` of the generated repository.'),
        entityName: z => z.string().describe('metadata.name of the generated catalog-info.yaml.'),
        description: z => z.string().describe('The service description.'),
        catalogInfoPath: z => z.string().describe('Path of catalog-info.yaml in the published repository.'),
        templateVersion: z => z.string().describe('The svcforge template version rendered (may be empty).'),
      },
    },
    async handler(ctx) {
      const target = resolveSafeChildPath(ctx.workspacePath, ctx.input.targetPath ?? '.');
      // The answers file stays outside the workspace: it must not be published.
      const scratch = await mkdtemp(path.join(tmpdir(), 'svcforge-answers-'));
      const dataFile = path.join(scratch, 'answers.json');
      try {
        await writeFile(dataFile, JSON.stringify(answersForSvcforge(ctx.input.answers)), 'utf8');
        const args = svcforgeArgs(target, dataFile, options);
        ctx.logger.info(`Running ${command} ${args.join(' ')}`);
        const result = await runSvcforge(command, args, {
          logger: ctx.logger,
          signal: ctx.signal,
          env: options.env,
        });
        if (result.exitCode === EXIT_USAGE) {
          const problem = answerProblem(result.stderr, dataFile);
          if (problem) {
            throw new InputError(`svcforge rejected the answer for '${problem.question}': ${problem.message}`);
          }
          throw new InputError(`svcforge refused the input: ${errorSummary(result.stderr)}`);
        }
        if (result.exitCode !== 0) {
          throw new Error(`svcforge new failed (exit code ${result.exitCode}): ${errorSummary(result.stderr)}`);
        }
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
      const catalogInfo = path.join(target, 'catalog-info.yaml');
      const rendered = await readCatalogInfo(catalogInfo);
      if (!rendered.repository?.includes('/')) {
        throw new Error(`${catalogInfo} has no github.com/project-slug annotation: is the template svcforge's?`);
      }
      const [owner, repo] = rendered.repository.split('/');
      ctx.output('repoUrl', `${githubHost}?owner=${encodeURIComponent(owner)}&repo=${encodeURIComponent(repo)}`);
      ctx.output('repository', rendered.repository);
      ctx.output('entityName', rendered.entityName);
      ctx.output('description', rendered.description);
      ctx.output('catalogInfoPath', `/${path.relative(ctx.workspacePath, catalogInfo).split(path.sep).join('/')}`);
      ctx.output('templateVersion', rendered.templateVersion);
    },
  });
}
