import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createSvcforgeNewAction } from './actions/svcforgeNew';

/**
 * Adds the `svcforge:new` action to the scaffolder. Settings (all optional) come from the
 * `svcforge` section of app-config.yaml: command, template, vcsRef, githubHost.
 */
export const scaffolderModuleSvcforge = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'svcforge',
  register(env) {
    env.registerInit({
      deps: { scaffolder: scaffolderActionsExtensionPoint, config: coreServices.rootConfig },
      async init({ scaffolder, config }) {
        scaffolder.addActions(
          createSvcforgeNewAction({
            command: config.getOptionalString('svcforge.command'),
            template: config.getOptionalString('svcforge.template'),
            vcsRef: config.getOptionalString('svcforge.vcsRef'),
            githubHost: config.getOptionalString('svcforge.githubHost'),
          }),
        );
      },
    });
  },
});
