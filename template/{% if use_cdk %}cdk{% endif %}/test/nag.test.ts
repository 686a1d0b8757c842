import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, environments } from './support';

interface ValidationReport {
  pluginReports: { pluginName: string; violations: { ruleName: string }[] }[];
}

describe.each(environments.map((environment) => [environment.name, environment] as const))(
  'cdk-nag AwsSolutions (%s)',
  (_name, environment) => {
    it('leaves no unacknowledged finding', () => {
      const { app } = build(environment);
      // Synthesis throws on an unacknowledged finding; the written report must be clean too.
      const assembly = app.synth();
      const reportFile = path.join(assembly.directory, 'validation-report.json');
      const report: ValidationReport = existsSync(reportFile)
        ? (JSON.parse(readFileSync(reportFile, 'utf8')) as ValidationReport)
        : { pluginReports: [] };
      const violations = report.pluginReports.flatMap((plugin) =>
        plugin.violations.map((violation) => `${plugin.pluginName}: ${violation.ruleName}`),
      );
      expect(violations).toEqual([]);
    });
  },
);
