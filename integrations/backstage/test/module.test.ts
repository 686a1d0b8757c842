import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { scaffolderActionsExtensionPoint, TemplateAction } from '@backstage/plugin-scaffolder-node';
import scaffolderModuleSvcforge, { ACTION_ID } from '../src';

describe('scaffolderModuleSvcforge', () => {
  it('adds the svcforge:new action to the scaffolder of a backend', async () => {
    const added: TemplateAction<any, any, any>[] = [];
    const backend = await startTestBackend({
      extensionPoints: [[scaffolderActionsExtensionPoint, { addActions: (...a: TemplateAction<any, any, any>[]) => added.push(...a) }]],
      features: [
        scaffolderModuleSvcforge,
        mockServices.rootConfig.factory({ data: { svcforge: { command: '/opt/svcforge/bin/svcforge' } } }),
      ],
    });
    try {
      expect(added.map(a => a.id)).toEqual([ACTION_ID]);
      expect(added[0].schema?.input).toBeDefined();
      // The action runs the command app-config.yaml names.
      const workspacePath = mkdtempSync(path.join(tmpdir(), 'svcforge-module-'));
      const ctx = createMockActionContext({ input: { answers: {} }, workspacePath });
      await expect(added[0].handler(ctx)).rejects.toThrow(
        'cannot run /opt/svcforge/bin/svcforge: not found. Install svcforge where the scaffolder runs',
      );
    } finally {
      await backend.stop();
    }
  });
});
