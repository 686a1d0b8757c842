import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { POSTGRES_VERSION } from '../lib/database-stack';
import { config, environments, templatesOf } from './support';

describe.each(environments.map((environment) => [environment.name, environment] as const))(
  'data stack (%s)',
  (_name, environment) => {
    const { names } = environment;
    const template = () => templatesOf(environment).data;

    it('has a rotating customer-managed key under the computed alias', () => {
      template().hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      template().hasResourceProperties('AWS::KMS::Alias', { AliasName: names.kmsAlias });
    });

    describe.runIf(config.usePostgres)('PostgreSQL', () => {
      it('pins PostgreSQL 16 to a minor version', () => {
        expect(POSTGRES_VERSION.postgresMajorVersion).toBe('16');
        expect(POSTGRES_VERSION.postgresFullVersion).toMatch(/^16\.[0-9]+$/);
      });

      it('is encrypted, private and protected as env_config says', () => {
        template().hasResource('AWS::RDS::DBInstance', {
          DeletionPolicy: 'Snapshot',
          UpdateReplacePolicy: 'Snapshot',
          Properties: Match.objectLike({
            DBInstanceIdentifier: names.dbIdentifier,
            Engine: 'postgres',
            EngineVersion: POSTGRES_VERSION.postgresFullVersion,
            StorageEncrypted: true,
            KmsKeyId: Match.anyValue(),
            MultiAZ: environment.multiAz,
            DeletionProtection: environment.deletionProtection,
            PubliclyAccessible: false,
            EnableIAMDatabaseAuthentication: true,
            EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
            EnablePerformanceInsights: true,
            PerformanceInsightsKMSKeyId: Match.anyValue(),
            BackupRetentionPeriod: environment.backupRetentionDays,
            CopyTagsToSnapshot: true,
          }),
        });
      });

      it('forces TLS and logs connections', () => {
        template().hasResourceProperties('AWS::RDS::DBParameterGroup', {
          DBParameterGroupName: names.dbParameterGroup,
          Parameters: Match.objectLike({ 'rds.force_ssl': '1', log_connections: '1' }),
        });
      });

      it('lets RDS manage and rotate the master secret, encrypted with the environment key', () => {
        template().hasResourceProperties('AWS::RDS::DBInstance', {
          ManageMasterUserPassword: true,
          MasterUsername: 'app_admin',
          MasterUserSecret: { KmsKeyId: Match.anyValue() },
        });
        // No secret of its own and no rotation Lambda: RDS rotates every 7 days, as in Terraform.
        template().resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
        template().resourcePropertiesCountIs(
          'AWS::SecretsManager::Secret',
          { GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }) },
          0,
        );
      });
    });

    describe.runIf(config.useRedis)('Redis', () => {
      it('encrypts in transit and at rest, with an AUTH token from a generated secret', () => {
        template().hasResourceProperties('AWS::SecretsManager::Secret', {
          Name: names.redisAuthSecret,
          KmsKeyId: Match.anyValue(),
        });
        template().hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
          ReplicationGroupId: names.cacheReplicationGroup,
          TransitEncryptionEnabled: true,
          AtRestEncryptionEnabled: true,
          KmsKeyId: Match.anyValue(),
          AuthToken: Match.anyValue(),
          MultiAZEnabled: environment.multiAz,
        });
        const authToken = JSON.stringify(
          Object.values(template().findResources('AWS::ElastiCache::ReplicationGroup'))[0].Properties.AuthToken,
        );
        expect(authToken).toContain('resolve:secretsmanager:');
      });
    });

    it('matches the snapshot', () => {
      expect(template().toJSON()).toMatchSnapshot();
    });
  },
);
