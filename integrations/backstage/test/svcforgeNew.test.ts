/**
 * The svcforge:new action running the real svcforge through Backstage's mock action context.
 *
 * Needs SVCFORGE_BIN (the svcforge executable) and SVCFORGE_TEMPLATE_FILE (a template exported
 * by `svcforge export backstage`); svcforge's test suite sets both.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { InputError } from '@backstage/errors';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { JsonObject } from '@backstage/types';
import { parse } from 'yaml';
import { answersForSvcforge, createSvcforgeNewAction, svcforgeArgs } from '../src';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: svcforge's test suite (tests/backstage) runs these tests`);
  }
  return value;
}

const svcforge = required('SVCFORGE_BIN');
const template = parse(readFileSync(required('SVCFORGE_TEMPLATE_FILE'), 'utf8'));
const exampleAnswers: Record<string, unknown> = parse(readFileSync(path.join(ROOT, 'example-answers.yml'), 'utf8'));

type Json = Record<string, unknown>;

/** What the portal's form holds after the user typed `typed`: RJSF fills every static default. */
function formData(typed: Json): Json {
  const data: Json = { ...typed };
  const fill = (properties: Record<string, Json>) => {
    for (const [name, schema] of Object.entries(properties)) {
      if (!(name in data) && 'default' in schema) {
        data[name] = schema.default;
      }
    }
  };
  for (const page of template.spec.parameters) {
    fill(page.properties);
    for (const [controller, dependency] of Object.entries<Json>(page.dependencies ?? {})) {
      for (const branch of dependency.oneOf as Json[]) {
        const properties = branch.properties as Record<string, Json>;
        if ((properties[controller].enum as unknown[]).includes(data[controller])) {
          fill(properties);
        }
      }
    }
  }
  return data;
}

/** The action's input as Backstage renders the exported step: `${{ parameters.x }}` is x. */
function actionInput(form: Json): Json {
  const step = template.spec.steps.find((s: Json) => s.action === 'svcforge:new');
  const answers: Json = {};
  for (const [name, expression] of Object.entries<string>(step.input.answers)) {
    const match = /^\$\{\{ parameters\.(\w+) \}\}$/.exec(expression);
    if (!match) {
      throw new Error(`unexpected expression for ${name}: ${expression}`);
    }
    answers[name] = form[match[1]];
  }
  return { answers };
}

function scratch(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

function tree(root: string, dir = root): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) {
      for (const [rel, content] of tree(root, full)) {
        files.set(rel, content);
      }
    } else {
      files.set(path.relative(root, full), readFileSync(full));
    }
  }
  return files;
}

/** `svcforge new` run directly, as a user would from a shell. */
function svcforgeNew(answers: Json, dest: string) {
  const dataFile = path.join(scratch('svcforge-cli-'), 'answers.json');
  writeFileSync(dataFile, JSON.stringify(answers));
  const result = spawnSync(svcforge, ['new', dest, '--data-file', dataFile, '--defaults'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { ...result, dataFile };
}

async function runAction(input: Json, workspacePath: string) {
  const logger = mockServices.logger.mock();
  const ctx = createMockActionContext({ input: input as JsonObject, workspacePath, logger });
  await createSvcforgeNewAction({ command: svcforge }).handler(ctx as never);
  return { ctx, logger };
}

describe('svcforge:new', () => {
  it('renders the same files as `svcforge new` with the same answers, and outputs what publishing needs', async () => {
    const workspace = scratch('svcforge-workspace-');
    const { ctx, logger } = await runAction(actionInput(formData(exampleAnswers)), workspace);

    const direct = path.join(scratch('svcforge-direct-'), 'repo');
    const cli = svcforgeNew(exampleAnswers, direct);
    expect(cli.status).toBe(0);

    const fromAction = tree(workspace);
    const fromCli = tree(direct);
    expect([...fromAction.keys()].sort()).toEqual([...fromCli.keys()].sort());
    for (const [rel, content] of fromCli) {
      expect({ rel, same: content.equals(fromAction.get(rel)!) }).toEqual({ rel, same: true });
    }
    // GitHub Actions expressions reach the repository untouched (Backstage never templates files).
    expect(fromAction.get('.github/workflows/ci.yml')!.toString()).toContain('${{ github.');

    const info = (logger.info as jest.Mock).mock.calls.map(call => String(call[0]));
    expect(info.some(line => line.startsWith(`Wrote ${fromCli.size} files into ${workspace}`))).toBe(true);
    expect(info.some(line => line.includes('--trust'))).toBe(false);

    const outputs = Object.fromEntries((ctx.output as jest.Mock).mock.calls);
    const recorded = parse(fromCli.get('.copier-answers.yml')!.toString())._commit;
    expect(recorded).toMatch(/^v\d+\.\d+\.\d+/);
    expect(outputs).toEqual({
      repoUrl: 'github.com?owner=acme&repo=payments-api',
      repository: 'acme/payments-api',
      entityName: 'payments-api',
      description: exampleAnswers.description,
      catalogInfoPath: '/catalog-info.yaml',
      templateVersion: recorded,
    });
  });

  it.each([
    ['owner_team', 'Payments Team'],
    // A rule the form cannot express: the name is too long for Azure's Key Vault.
    ['service_name', 'a'.repeat(18)],
  ])('fails the step naming %s with svcforge\'s message, and writes nothing', async (question, value) => {
    const answers = { ...exampleAnswers, cloud: 'azure', iac: 'terraform', [question]: value };
    const cli = svcforgeNew(answers, path.join(scratch('svcforge-direct-'), 'repo'));
    expect(cli.status).toBe(2);
    const svcforgeMessage = cli.stderr
      .trim()
      .replace(/^error: /, '')
      .replace(`--data-file ${cli.dataFile}`, 'the template form');
    expect(svcforgeMessage).toContain(`invalid answer for '${question}'`);

    const workspace = scratch('svcforge-workspace-');
    const failure = runAction(actionInput(formData(answers)), workspace);
    await expect(failure).rejects.toThrow(InputError);
    await expect(failure).rejects.toThrow(`svcforge rejected the answer for '${question}': ${svcforgeMessage}`);
    expect(readdirSync(workspace)).toEqual([]);
  });

  it('refuses a workspace that already holds files, with svcforge\'s message', async () => {
    const workspace = scratch('svcforge-workspace-');
    writeFileSync(path.join(workspace, 'README.md'), 'mine\n');
    await expect(runAction(actionInput(formData(exampleAnswers)), workspace)).rejects.toThrow(
      /svcforge refused the input: destination .* is not empty/,
    );
    expect(readdirSync(workspace)).toEqual(['README.md']);
  });

  it('keeps the target inside the workspace', async () => {
    const workspace = scratch('svcforge-workspace-');
    const input = { ...actionInput(formData(exampleAnswers)), targetPath: '../outside' };
    await expect(runAction(input, workspace)).rejects.toThrow(/outside/);
  });
});

describe('svcforge command line', () => {
  it('never prompts, never overwrites and never trusts the template', () => {
    const args = svcforgeArgs('/w', '/tmp/a.json', { template: 'https://git.example.org/t.git', vcsRef: 'v1.2.3' });
    expect(args).toEqual([
      'new',
      '/w',
      '--data-file',
      '/tmp/a.json',
      '--defaults',
      '--template',
      'https://git.example.org/t.git',
      '--vcs-ref',
      'v1.2.3',
    ]);
    expect(args).not.toContain('--trust');
    expect(args).not.toContain('--overwrite');
  });

  it('leaves empty fields to svcforge, which applies the default', () => {
    expect(answersForSvcforge({ a: '', b: null, c: undefined, d: 0, e: false, f: [], g: 'x' })).toEqual({
      d: 0,
      e: false,
      f: [],
      g: 'x',
    });
  });
});
