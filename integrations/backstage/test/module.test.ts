import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
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
    } finally {
      await backend.stop();
    }
  });
});
