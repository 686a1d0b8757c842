import { ArnFormat, Duration, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { EnvironmentConfig, ServiceConfig } from './config';
import { NetworkRefs, NetworkSource, resolveNetwork } from './network-stack';

/** PostgreSQL 16, pinned to a minor version (a bare major is deprecated for new instances). */
export const POSTGRES_VERSION = rds.PostgresEngineVersion.VER_16_13;

/** Namespace of the metric the postgresql-log filter publishes (the metric name is the alarm name). */
export const DB_AUTH_FAILURES_NAMESPACE = 'PostgreSQLLogs';

function requireAlarmName(name: string | undefined, what: string): string {
  if (name === undefined) {
    throw new Error(`lib/config.ts has no name for ${what}`);
  }
  return name;
}

export interface DatabaseStackProps extends StackProps {
  readonly service: ServiceConfig;
  readonly environment: EnvironmentConfig;
  readonly network: NetworkSource;
}

/** What the service stack needs from the database. */
export interface DatabaseRefs {
  readonly instance: rds.IDatabaseInstance;
  readonly secret: secretsmanager.ISecret;
  readonly securityGroup: ec2.ISecurityGroup;
}

/** What the service stack needs from the cache. */
export interface CacheRefs {
  /** Primary endpoint address of the replication group. */
  readonly primaryEndpoint: string;
  /** Ids of the member nodes (CloudWatch publishes ElastiCache metrics per node). */
  readonly memberClusterIds: readonly string[];
  readonly authSecret: secretsmanager.ISecret;
  readonly securityGroup: ec2.ISecurityGroup;
}

/**
 * Stateful resources of one environment: the customer-managed KMS key, RDS PostgreSQL and
 * ElastiCache Redis with their secrets. Kept apart from the stateless service stack so a
 * service change never replaces data.
 */
export class DatabaseStack extends Stack {
  public readonly key: kms.IKey;
  public readonly database?: DatabaseRefs;
  public readonly cache?: CacheRefs;

  constructor(scope: Construct, id: string, props: DatabaseStackProps) {
    super(scope, id, props);
    const { service, environment } = props;
    const { names } = environment;
    const network = resolveNetwork(this, props.network);

    const key = new kms.Key(this, 'Key', {
      alias: names.kmsAlias,
      description: `Encrypts ${service.serviceName} ${environment.name} data, secrets, logs and alarms`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs encrypts this environment's log groups (service, WAF, database, cache) with this key.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogs',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': this.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    // CloudWatch alarms publish to the KMS-encrypted alarm topic.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.key = key;

    if (service.usePostgres) {
      this.database = this.createDatabase(props, network, key);
    }
    if (service.useRedis) {
      this.cache = this.createCache(props, network, key);
    }
  }

  private createDatabase(props: DatabaseStackProps, network: NetworkRefs, key: kms.IKey): DatabaseRefs {
    const { service, environment } = props;
    const { names } = environment;

    const securityGroup = new ec2.SecurityGroup(this, 'DbSecurityGroup', {
      vpc: network.vpc,
      securityGroupName: names.dbSecurityGroup,
      description: `${names.dbIdentifier} PostgreSQL: ingress only from the service`,
      allowAllOutbound: false,
    });

    const engine = rds.DatabaseInstanceEngine.postgres({ version: POSTGRES_VERSION });
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      name: names.dbParameterGroup,
      description: `${names.dbIdentifier}: TLS only, connection and slow-query logging`,
      parameters: {
        'rds.force_ssl': '1',
        log_connections: '1',
        log_disconnections: '1',
        log_min_duration_statement: '1000',
        max_connections: String(environment.dbMaxConnections),
      },
    });
    const subnetGroup = new rds.SubnetGroup(this, 'SubnetGroup', {
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      subnetGroupName: names.dbSubnetGroup,
      description: `${names.dbIdentifier} private subnets`,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Pre-created (RDS would create it bare) so the authentication-failure filter has a log group to read.
    const postgresqlLog = new logs.LogGroup(this, 'PostgresqlLog', {
      logGroupName: `/aws/rds/instance/${names.dbIdentifier}/postgresql`,
      retention: environment.logRetentionDays as logs.RetentionDays,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const monitoringRole = new iam.Role(this, 'MonitoringRole', {
      roleName: names.rdsMonitoringRole,
      description: `Enhanced monitoring of ${names.dbIdentifier}`,
      assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonRDSEnhancedMonitoringRole')],
    });
    Validations.of(monitoringRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
      reason:
        'The enhanced-monitoring role assumed by monitoring.rds.amazonaws.com uses the AWS policy made for it: it only writes the RDSOSMetrics log group.',
    });

    const instance = new rds.DatabaseInstance(this, 'Postgres', {
      instanceIdentifier: names.dbIdentifier,
      engine,
      instanceType: new ec2.InstanceType(environment.dbInstanceClass.replace(/^db\./, '')),
      databaseName: service.dbName,
      port: service.dbPort,
      // RDS generates the master password and rotates it (every 7 days) in a secret it manages,
      // encrypted with this environment's key: the same as the Terraform's
      // manage_master_user_password. No rotation Lambda, and the password is never in a template.
      credentials: rds.Credentials.fromUsername('app_admin', { encryptionKey: key }),
      manageMasterUserPassword: true,
      vpc: network.vpc,
      subnetGroup,
      securityGroups: [securityGroup],
      publiclyAccessible: false,
      parameterGroup,
      storageType: rds.StorageType.GP3,
      allocatedStorage: 50,
      maxAllocatedStorage: 500,
      storageEncrypted: true,
      storageEncryptionKey: key,
      multiAz: environment.multiAz,
      deletionProtection: environment.deletionProtection,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      backupRetention: Duration.days(environment.backupRetentionDays),
      preferredBackupWindow: '03:00-04:00',
      preferredMaintenanceWindow: 'sun:04:30-sun:05:30',
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      iamAuthentication: true,
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: key,
      performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
      monitoringInterval: Duration.seconds(60),
      monitoringRole,
      engineLifecycleSupport: rds.EngineLifecycleSupport.OPEN_SOURCE_RDS_EXTENDED_SUPPORT_DISABLED,
    });

    instance.node.addDependency(postgresqlLog);

    // A rotation the tasks or clients have not picked up shows as rejected passwords; the
    // service stack alarms on this metric (names[env].alarms.db_auth_failures).
    const authFailuresName = requireAlarmName(names.alarms.dbAuthFailures, 'db_auth_failures');
    new logs.MetricFilter(this, 'DbAuthFailures', {
      logGroup: postgresqlLog,
      filterName: authFailuresName,
      filterPattern: logs.FilterPattern.literal('"password authentication failed"'),
      metricNamespace: DB_AUTH_FAILURES_NAMESPACE,
      metricName: authFailuresName,
      metricValue: '1',
      defaultValue: 0,
    });

    Validations.of(instance).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'PostgreSQL keeps its standard port 5432 (the DB_PORT contract of the service and the Terraform use it); only the service security group can reach it.',
    });
    if (!environment.multiAz) {
      Validations.of(instance).acknowledge({
        id: 'AwsSolutions-RDS3',
        reason: `${environment.name} is a non-production environment: single-AZ by design (env_config multi_az is false); prod is Multi-AZ.`,
      });
    }
    if (!environment.deletionProtection) {
      Validations.of(instance).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: `${environment.name} is a non-production environment that is torn down and recreated; it keeps a final snapshot on removal, and prod has deletion protection.`,
      });
    }

    const secret = instance.secret;
    if (secret === undefined) {
      throw new Error('the RDS-managed master user secret is missing');
    }
    return { instance, secret, securityGroup };
  }

  private createCache(props: DatabaseStackProps, network: NetworkRefs, key: kms.IKey): CacheRefs {
    const { service, environment } = props;
    const { names } = environment;

    const securityGroup = new ec2.SecurityGroup(this, 'CacheSecurityGroup', {
      vpc: network.vpc,
      securityGroupName: names.cacheSecurityGroup,
      description: `${names.cacheReplicationGroup} Redis: ingress only from the service`,
      allowAllOutbound: false,
    });

    const authSecret = new secretsmanager.Secret(this, 'RedisAuth', {
      secretName: names.redisAuthSecret,
      description: `AUTH token of the ${names.cacheReplicationGroup} Redis replication group (the value is the token string)`,
      encryptionKey: key,
      generateSecretString: {
        passwordLength: 64,
        excludePunctuation: true,
      },
    });
    Validations.of(authSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'ElastiCache has no hosted rotation for AUTH tokens; the runbook rotates it with ModifyReplicationGroup (AuthTokenUpdateStrategy ROTATE), which keeps the old token valid during the switch.',
    });

    const subnetIds = network.vpc.selectSubnets(network.privateSubnets).subnetIds;
    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'CacheSubnetGroup', {
      cacheSubnetGroupName: names.cacheSubnetGroup,
      description: `${names.cacheReplicationGroup} private subnets`,
      subnetIds,
    });

    const slowLog = new logs.LogGroup(this, 'CacheSlowLog', {
      logGroupName: names.cacheSlowLogGroup,
      retention: environment.logRetentionDays as logs.RetentionDays,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const nodes = environment.multiAz ? 2 : 1;
    const replicationGroup = new elasticache.CfnReplicationGroup(this, 'Redis', {
      replicationGroupId: names.cacheReplicationGroup,
      replicationGroupDescription: `${service.serviceName} ${environment.name} cache`,
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: environment.cacheNodeType,
      numCacheClusters: nodes,
      automaticFailoverEnabled: nodes > 1,
      multiAzEnabled: nodes > 1,
      port: service.redisPort,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [securityGroup.securityGroupId],
      atRestEncryptionEnabled: true,
      kmsKeyId: key.keyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      // A CloudFormation dynamic reference: the token never appears in the template.
      authToken: authSecret.secretValue.unsafeUnwrap(),
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: environment.isProd ? 7 : 1,
      snapshotWindow: '03:00-04:00',
      preferredMaintenanceWindow: 'sun:04:30-sun:05:30',
      logDeliveryConfigurations: [
        {
          destinationType: 'cloudwatch-logs',
          destinationDetails: { cloudWatchLogsDetails: { logGroup: slowLog.logGroupName } },
          logFormat: 'json',
          logType: 'slow-log',
        },
      ],
    });
    replicationGroup.applyRemovalPolicy(RemovalPolicy.SNAPSHOT);

    Validations.of(replicationGroup).acknowledge({
      id: 'AwsSolutions-AEC5',
      reason:
        'Redis keeps its standard port 6379 (the REDIS_URL contract of the service and the Terraform use it); only the service security group can reach it.',
    });
    if (nodes < 2) {
      Validations.of(replicationGroup).acknowledge({
        id: 'AwsSolutions-AEC4',
        reason: `${environment.name} is a non-production environment: one cache node by design; prod runs a Multi-AZ replica with automatic failover.`,
      });
    }

    // Member node ids are assigned by ElastiCache: <replication group id>-001, -002, ...
    const memberClusterIds = Array.from(
      { length: nodes },
      (_, index) => `${names.cacheReplicationGroup}-${String(index + 1).padStart(3, '0')}`,
    );
    return {
      primaryEndpoint: replicationGroup.attrPrimaryEndPointAddress,
      memberClusterIds,
      authSecret,
      securityGroup,
    };
  }
}
