import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { config, EnvironmentConfig } from '../lib/config';
import { ServiceStage } from '../lib/service-stage';

export { config };
export const environments: readonly EnvironmentConfig[] = config.environments;

/** The committed cdk.context.json, so tests see the same AZs as `cdk synth`. */
const committedContext = JSON.parse(
  readFileSync(path.join(__dirname, '..', 'cdk.context.json'), 'utf8'),
) as Record<string, unknown>;

export interface Built {
  readonly app: App;
  readonly stage: ServiceStage;
  readonly service: Template;
  readonly data: Template;
  readonly network?: Template;
}

const built = new Map<string, Built>();

/**
 * One environment's stage in an app with cdk-nag, as bin/app.ts builds it, and its
 * synthesized templates. Built once per environment (the test files share one worker).
 */
export function build(environment: EnvironmentConfig): Built {
  let found = built.get(environment.name);
  if (found === undefined) {
    const app = new App({ context: committedContext });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stage = new ServiceStage(app, environment.name, { service: config, environment });
    found = {
      app,
      stage,
      service: Template.fromStack(stage.serviceStack),
      data: Template.fromStack(stage.databaseStack),
      network: stage.networkStack ? Template.fromStack(stage.networkStack) : undefined,
    };
    built.set(environment.name, found);
  }
  return found;
}

/** Synthesized templates of one environment. */
export const templatesOf = build;

/** Resources of one type in a template, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, { Properties: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, unknown> }>;
}
