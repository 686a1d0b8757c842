/**
 * Backstage scaffolder backend module: the `svcforge:new` action.
 *
 * @packageDocumentation
 */
export { scaffolderModuleSvcforge as default } from './module';
export {
  ACTION_ID,
  answersForSvcforge,
  createSvcforgeNewAction,
  svcforgeArgs,
  type SvcforgeNewActionOptions,
} from './actions/svcforgeNew';
