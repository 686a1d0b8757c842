export interface Config {
  /** Settings of the svcforge:new scaffolder action. */
  svcforge?: {
    /** The svcforge executable (default: `svcforge` on the backend's PATH). */
    command?: string;
    /** Template source passed as `svcforge new --template` (an organisation's fork). */
    template?: string;
    /** Template version passed as `svcforge new --vcs-ref`. */
    vcsRef?: string;
    /** GitHub host of the repositories to publish (default: github.com). */
    githubHost?: string;
  };
}
