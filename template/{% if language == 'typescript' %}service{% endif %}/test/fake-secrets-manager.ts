import {
  type GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';

import type { SecretsManagerLike } from '../src/secrets.js';

type Step = { value: string; versionId?: string } | { error: string };

/** An in-process stand-in for SecretsManagerClient: scripted answers per secret id. */
export class FakeSecretsManager implements SecretsManagerLike {
  readonly calls: string[] = [];
  readonly #steps = new Map<string, Step[]>();
  readonly #values = new Map<string, string>();
  delayMs = 0;

  /** The value returned once the scripted steps for this id are used up. */
  put(secretId: string, value: string): this {
    this.#values.set(secretId, value);
    return this;
  }

  /** Answer the next calls for this id with these steps, in order. */
  script(secretId: string, ...steps: Step[]): this {
    this.#steps.set(secretId, [...(this.#steps.get(secretId) ?? []), ...steps]);
    return this;
  }

  async send(command: GetSecretValueCommand): Promise<GetSecretValueCommandOutput> {
    const secretId = command.input.SecretId ?? '';
    this.calls.push(secretId);
    if (this.delayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    }
    const step = this.#steps.get(secretId)?.shift();
    if (step !== undefined && 'error' in step) {
      throw new SecretsManagerServiceException({
        name: step.error,
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: `fake ${step.error}`,
      });
    }
    const value = step?.value ?? this.#values.get(secretId);
    if (value === undefined) {
      throw new SecretsManagerServiceException({
        name: 'ResourceNotFoundException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: "Secrets Manager can't find the specified secret.",
      });
    }
    return {
      $metadata: { httpStatusCode: 200 },
      ARN: `arn:aws:secretsmanager:eu-west-1:111111111111:secret:${secretId}`,
      Name: secretId,
      SecretString: value,
      VersionId: step !== undefined && 'versionId' in step ? step.versionId : 'v1',
    };
  }
}
