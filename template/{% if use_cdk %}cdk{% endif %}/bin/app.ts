#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { config } from '../lib/config';
import { ServiceStage } from '../lib/service-stage';

// Fail synth on any unacknowledged finding even when the CLI selects no top-level stack
// (every stack lives in a per-environment stage).
const app = new App({ postCliContext: { '@aws-cdk/core:failSynthOnValidationErrors': true } });
// cdk-nag 3: AWS Solutions checks on every stack of every stage.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

for (const environment of config.environments) {
  new ServiceStage(app, environment.name, { service: config, environment });
}

app.synth();
