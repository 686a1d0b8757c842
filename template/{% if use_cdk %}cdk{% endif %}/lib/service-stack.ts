import { ArnFormat, CfnParameter, Duration, Fn, RemovalPolicy, Size, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { EnvironmentConfig, ServiceConfig } from './config';
import { CacheRefs, DB_AUTH_FAILURES_NAMESPACE, DatabaseRefs } from './database-stack';
import { NetworkSource, resolveNetwork } from './network-stack';

export interface ServiceStackProps extends StackProps {
  readonly service: ServiceConfig;
  readonly environment: EnvironmentConfig;
  readonly network: NetworkSource;
  /** Customer-managed key of the environment (from the data stack). */
  readonly key: kms.IKey;
  readonly database?: DatabaseRefs;
  readonly cache?: CacheRefs;
}

const HTTPS_PORT = 443;
const HTTP_PORT = 80;
/** Requests per client IP in any 5-minute window before the web ACL blocks it (as the Terraform). */
const WAF_RATE_LIMIT = 2000;

function requireName(value: string | undefined, what: string): string {
  if (value === undefined) {
    throw new Error(`lib/config.ts has no name for ${what}`);
  }
  return value;
}

/**
 * Stateless resources of one environment: the Fargate service behind an HTTPS load
 * balancer, autoscaling, the alarm topic, the alarms and the dashboard.
 */
export class ServiceStack extends Stack {
  public readonly fargateService: ecs.FargateService;
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  public readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { service, environment, key, database, cache } = props;
    const { names } = environment;
    const network = resolveNetwork(this, props.network);

    // HTTPS where a certificate is set or required; otherwise plain HTTP on port 80 (a
    // non-production environment without a domain yet), as the Terraform's alb module.
    const certificateArn = this.certificateArn(environment);
    const https = certificateArn !== undefined;

    // ---------------------------------------------------------------- security groups
    const albSecurityGroup = new ec2.SecurityGroup(this, 'AlbSecurityGroup', {
      vpc: network.vpc,
      securityGroupName: names.albSecurityGroup,
      description: https
        ? `${names.alb} load balancer: HTTPS from the internet, HTTP only to redirect`
        : `${names.alb} load balancer: HTTP from the internet (no certificate yet)`,
      allowAllOutbound: false,
    });
    if (https) {
      albSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(HTTPS_PORT), 'HTTPS from the internet');
    }
    albSecurityGroup.addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(HTTP_PORT),
      https ? 'HTTP from the internet, redirected to HTTPS' : 'HTTP from the internet (no certificate yet)',
    );
    Validations.of(albSecurityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: https
        ? 'Internet-facing API load balancer: 443 must be open to all clients, and 80 only answers with a redirect to HTTPS. WAF managed rules filter the traffic.'
        : 'Internet-facing API load balancer of a non-production environment without a certificate yet: port 80 must be open to all clients. WAF managed rules filter the traffic.',
    });

    const serviceSecurityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc: network.vpc,
      securityGroupName: names.serviceSecurityGroup,
      description: `${names.service} tasks: ingress only from the load balancer`,
      allowAllOutbound: false,
    });
    serviceSecurityGroup.addIngressRule(
      albSecurityGroup,
      ec2.Port.tcp(service.containerPort),
      'Container port from the load balancer',
    );
    albSecurityGroup.addEgressRule(
      serviceSecurityGroup,
      ec2.Port.tcp(service.containerPort),
      'Forward to the service tasks',
    );
    serviceSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(HTTPS_PORT),
      'AWS APIs over HTTPS through NAT: ECR, Secrets Manager, CloudWatch Logs',
    );
    if (database) {
      this.allowServiceTo(serviceSecurityGroup, database.securityGroup, service.dbPort, 'PostgreSQL');
    }
    if (cache) {
      this.allowServiceTo(serviceSecurityGroup, cache.securityGroup, service.redisPort, 'Redis');
    }

    // ---------------------------------------------------------------- load balancer
    const accessLogs = new s3.Bucket(this, 'AlbAccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(environment.logRetentionDays), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket only receives the load balancer access logs; logging its own access would need another bucket for no added audit value (CloudTrail records its API calls).',
    });

    const loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      loadBalancerName: names.alb,
      vpc: network.vpc,
      vpcSubnets: network.publicSubnets,
      internetFacing: true,
      securityGroup: albSecurityGroup,
      dropInvalidHeaderFields: true,
      desyncMitigationMode: elbv2.DesyncMitigationMode.DEFENSIVE,
      deletionProtection: environment.isProd,
      idleTimeout: Duration.seconds(60),
    });
    loadBalancer.logAccessLogs(accessLogs, names.albLogsBucketPrefix);
    this.loadBalancer = loadBalancer;

    const targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      targetGroupName: names.targetGroup,
      vpc: network.vpc,
      port: service.containerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        path: service.healthLivePath,
        healthyHttpCodes: '200',
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
    this.targetGroup = targetGroup;

    if (certificateArn !== undefined) {
      loadBalancer.addListener('Https', {
        port: HTTPS_PORT,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        certificates: [acm.Certificate.fromCertificateArn(this, 'Certificate', certificateArn)],
        defaultTargetGroups: [targetGroup],
        open: false,
      });
      loadBalancer.addListener('HttpRedirect', {
        port: HTTP_PORT,
        protocol: elbv2.ApplicationProtocol.HTTP,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: String(HTTPS_PORT), permanent: true }),
        open: false,
      });
    } else {
      // Only outside prod and the domain's environment (config httpsRequired is false there):
      // setting certificateArn in lib/config.ts replaces it with HTTPS and the redirect.
      loadBalancer.addListener('Http', {
        port: HTTP_PORT,
        protocol: elbv2.ApplicationProtocol.HTTP,
        defaultTargetGroups: [targetGroup],
        open: false,
      });
    }

    const webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: names.wafWebAcl,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      description: `${names.alb}: AWS managed rules`,
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: names.alb, sampledRequestsEnabled: true },
      // The same rules as the Terraform's alb module: a per-IP rate limit, then AWS managed rule
      // groups (callers on cloud hosting are counted, not blocked, by the anonymous-IP list).
      rules: [
        {
          name: 'rate-limit-per-ip',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: WAF_RATE_LIMIT, aggregateKeyType: 'IP' } },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'rate-limit-per-ip', sampledRequestsEnabled: true },
        },
        ...[
          'AWSManagedRulesAmazonIpReputationList',
          'AWSManagedRulesAnonymousIpList',
          'AWSManagedRulesCommonRuleSet',
          'AWSManagedRulesKnownBadInputsRuleSet',
        ].map((ruleSet, index) => ({
          name: ruleSet,
          priority: 10 * (index + 1),
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: ruleSet,
              ...(ruleSet === 'AWSManagedRulesAnonymousIpList'
                ? { ruleActionOverrides: [{ name: 'HostingProviderIPList', actionToUse: { count: {} } }] }
                : {}),
            },
          },
          visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: ruleSet, sampledRequestsEnabled: true },
        })),
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: loadBalancer.loadBalancerArn,
      webAclArn: webAcl.attrArn,
    });
    // WAF only delivers to log groups whose name starts with aws-waf-logs-.
    const wafLogGroup = new logs.LogGroup(this, 'WafLogs', {
      logGroupName: names.wafLogGroup,
      retention: environment.logRetentionDays as logs.RetentionDays,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const wafLogging = new wafv2.CfnLoggingConfiguration(this, 'WebAclLogging', {
      resourceArn: webAcl.attrArn,
      // The log group ARN without the trailing ":*" that LogGroup.logGroupArn carries.
      logDestinationConfigs: [
        this.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: wafLogGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'cookie' } }],
    });
    wafLogging.node.addDependency(wafLogGroup);

    // ---------------------------------------------------------------- task definition
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: names.logGroup,
      retention: environment.logRetentionDays as logs.RetentionDays,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const executionRole = new iam.Role(this, 'ExecutionRole', {
      roleName: names.executionRole,
      description: `${names.service} ${environment.name}: ECS pulls the image and writes logs`,
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    });
    Validations.of(executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken has no resource-level permissions (it must be granted on *); image pulls and log writes are scoped to the repository and the log group.',
    });
    const taskRole = new iam.Role(this, 'TaskRole', {
      roleName: names.taskRole,
      description: `${names.service} ${environment.name}: the application's own permissions`,
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: names.taskFamily,
      cpu: service.cpu,
      memoryLimitMiB: service.memoryMiB,
      executionRole,
      taskRole,
      runtimePlatform: {
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
      },
      volumes: [{ name: 'tmp' }],
    });

    const environmentVariables: Record<string, string> = {
      PORT: String(service.containerPort),
      ENVIRONMENT: environment.name,
      SERVICE_NAME: service.serviceName,
      AWS_REGION: this.region,
      LOG_LEVEL: service.logLevel,
    };
    if (database) {
      // The ARN only: the service reads the secret at runtime (and again after rotation).
      environmentVariables.DB_SECRET_ARN = database.secret.secretArn;
      environmentVariables.DB_HOST = database.instance.dbInstanceEndpointAddress;
      environmentVariables.DB_PORT = String(service.dbPort);
      environmentVariables.DB_NAME = service.dbName;
      environmentVariables.DB_POOL_SIZE = String(environment.dbPoolSize);
      this.grantSecretRead(taskRole, database.secret, key, 'DbSecret');
    }
    if (cache) {
      environmentVariables.REDIS_URL = Fn.join('', ['rediss://', cache.primaryEndpoint, `:${service.redisPort}/0`]);
      environmentVariables.REDIS_AUTH_SECRET_ARN = cache.authSecret.secretArn;
      this.grantSecretRead(taskRole, cache.authSecret, key, 'RedisAuthSecret');
    }

    const container = taskDefinition.addContainer('App', {
      containerName: names.container,
      image: ecs.ContainerImage.fromEcrRepository(
        ecr.Repository.fromRepositoryName(this, 'Repository', service.ecrRepository),
        this.imageTag(),
      ),
      essential: true,
      user: service.runtimeUser,
      readonlyRootFilesystem: true,
      privileged: false,
      portMappings: [{ containerPort: service.containerPort, protocol: ecs.Protocol.TCP }],
      environment: environmentVariables,
      healthCheck: {
        command: [...service.healthcheckCommand],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      stopTimeout: Duration.seconds(30),
      logging: ecs.LogDrivers.awsLogs({
        logGroup,
        streamPrefix: names.service,
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
    });
    container.addMountPoints({ containerPath: '/tmp', sourceVolume: 'tmp', readOnly: false });
    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds only non-secret settings (port, names, endpoints and secret ARNs); secret values are read at runtime through the task role, never injected.',
    });

    // ---------------------------------------------------------------- cluster and service
    const cluster = new ecs.Cluster(this, 'Cluster', {
      clusterName: names.cluster,
      vpc: network.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENHANCED,
    });

    const fargateService = new ecs.FargateService(this, 'Service', {
      serviceName: names.service,
      cluster,
      taskDefinition,
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      vpcSubnets: network.privateSubnets,
      securityGroups: [serviceSecurityGroup],
      assignPublicIp: false,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
      availabilityZoneRebalancing: ecs.AvailabilityZoneRebalancing.ENABLED,
      enableExecuteCommand: false,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    fargateService.attachToApplicationTargetGroup(targetGroup);
    this.fargateService = fargateService;

    // ---------------------------------------------------------------- autoscaling
    const scaling = fargateService.autoScaleTaskCount({
      minCapacity: environment.minCapacity,
      maxCapacity: environment.maxCapacity,
    });
    const cooldowns = {
      scaleInCooldown: Duration.seconds(service.scaleInCooldownSeconds),
      scaleOutCooldown: Duration.seconds(service.scaleOutCooldownSeconds),
    };
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: service.cpuTarget, ...cooldowns });
    scaling.scaleOnMemoryUtilization('Memory', { targetUtilizationPercent: service.memoryTarget, ...cooldowns });
    scaling.scaleOnRequestCount('Requests', {
      requestsPerTarget: service.requestsPerTarget,
      targetGroup,
      ...cooldowns,
    });

    // ---------------------------------------------------------------- alarms and dashboard
    const topic = new sns.Topic(this, 'AlarmTopic', {
      topicName: names.snsTopic,
      displayName: `${names.service} ${environment.name} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    topic.addSubscription(new subscriptions.EmailSubscription(service.ownerEmail));
    this.alarmTopic = topic;

    const alarms = this.createAlarms(props, fargateService, targetGroup, topic, certificateArn);
    this.createDashboard(props, fargateService, loadBalancer, targetGroup, alarms);
  }

  /**
   * The certificate: config; where HTTPS is required, then `-c certificateArn=...`, else a
   * required deploy parameter. Undefined: this environment serves plain HTTP.
   */
  private certificateArn(environment: EnvironmentConfig): string | undefined {
    if (environment.certificateArn) {
      return environment.certificateArn;
    }
    if (!environment.httpsRequired) {
      return undefined;
    }
    const fromContext = this.node.tryGetContext('certificateArn') as string | undefined;
    if (fromContext) {
      return fromContext;
    }
    return new CfnParameter(this, 'CertificateArn', {
      type: 'String',
      description: 'ACM certificate ARN of the HTTPS listener (required: the service is HTTPS-only)',
      allowedPattern: '^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]{36}$',
      constraintDescription: 'must be an ACM certificate ARN in this region',
    }).valueAsString;
  }

  /** The image tag to deploy: `-c imageTag=<git sha>`, else a required deploy parameter. */
  private imageTag(): string {
    const fromContext = this.node.tryGetContext('imageTag') as string | undefined;
    if (fromContext) {
      return fromContext;
    }
    return new CfnParameter(this, 'ImageTag', {
      type: 'String',
      description: 'Immutable image tag (git SHA) in the ECR repository',
      allowedPattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$',
    }).valueAsString;
  }

  /**
   * Read access to a secret of the data stack: `grantRead` on a reference (so the grant lands
   * in this stack's role policy, not in the data stack's key policy, which would make the two
   * stacks depend on each other) plus decrypt on the key through Secrets Manager only.
   */
  private grantSecretRead(role: iam.IRole, secret: secretsmanager.ISecret, key: kms.IKey, id: string): void {
    secretsmanager.Secret.fromSecretCompleteArn(this, id, secret.secretArn).grantRead(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com` } },
      }),
    );
  }

  /** Service egress to a data store and the matching ingress rule on the store's group. */
  private allowServiceTo(serviceGroup: ec2.SecurityGroup, target: ec2.ISecurityGroup, port: number, what: string): void {
    serviceGroup.addEgressRule(
      ec2.Peer.securityGroupId(target.securityGroupId),
      ec2.Port.tcp(port),
      `${what} from the service tasks`,
    );
    new ec2.CfnSecurityGroupIngress(this, `${what}FromService`, {
      groupId: target.securityGroupId,
      sourceSecurityGroupId: serviceGroup.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      description: `${what} from the service tasks`,
    });
  }

  private createAlarms(
    props: ServiceStackProps,
    fargateService: ecs.FargateService,
    targetGroup: elbv2.ApplicationTargetGroup,
    topic: sns.ITopic,
    certificateArn: string | undefined,
  ): cloudwatch.Alarm[] {
    const { environment, database, cache } = props;
    const { names } = environment;
    const action = new cwActions.SnsAction(topic);
    const minute = Duration.minutes(1);
    const alarms: cloudwatch.Alarm[] = [];
    const add = (
      id: string,
      alarmName: string,
      description: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      comparisonOperator: cloudwatch.ComparisonOperator,
      evaluationPeriods = 5,
    ): void => {
      const alarm = new cloudwatch.Alarm(this, id, {
        alarmName,
        alarmDescription: `${description} Runbook: ${environment.runbookUrls[alarmName] ?? 'docs/runbook.md'}`,
        metric,
        threshold,
        comparisonOperator,
        evaluationPeriods,
        datapointsToAlarm: evaluationPeriods,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      alarms.push(alarm);
    };
    const above = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
    const atLeast = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;

    add('CpuHigh', names.alarms.cpuHigh, 'Service CPU above 85% for 5 minutes.',
      fargateService.metricCpuUtilization({ period: minute }), 85, above);
    add('MemoryHigh', names.alarms.memoryHigh, 'Service memory above 85% for 5 minutes.',
      fargateService.metricMemoryUtilization({ period: minute }), 85, above);
    add('AtMaxCapacity', names.alarms.atMaxCapacity, `Service has run at its maximum of ${environment.maxCapacity} tasks for 15 minutes.`,
      new cloudwatch.Metric({
        namespace: 'ECS/ContainerInsights',
        metricName: 'RunningTaskCount',
        dimensionsMap: { ClusterName: names.cluster, ServiceName: names.service },
        statistic: 'Maximum',
        period: minute,
      }), environment.maxCapacity, atLeast, 15);
    // Same rule as the Terraform: a share of requests, ignored below 20 requests a minute.
    add('Target5xx', names.alarms.target5xx, 'More than 5% of requests answered with 5xx by the tasks for 3 minutes.',
      new cloudwatch.MathExpression({
        expression: 'IF(requests >= 20, 100 * FILL(errors, 0) / requests, 0)',
        label: 'Target 5xx (% of requests)',
        usingMetrics: {
          errors: targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: minute, statistic: 'Sum' }),
          requests: targetGroup.metrics.requestCount({ period: minute, statistic: 'Sum' }),
        },
        period: minute,
      }), 5, above, 3);
    add('UnhealthyHosts', names.alarms.unhealthyHosts, 'At least one target failed the load balancer health check for 3 minutes.',
      targetGroup.metrics.unhealthyHostCount({ period: minute, statistic: 'Maximum' }), 1, atLeast, 3);

    // ECS reports a circuit-breaker rollback as an event; the rule's match count is the metric.
    const rollbackRule = new events.Rule(this, 'DeploymentFailedRule', {
      ruleName: names.deploymentEventsRule,
      description: `${names.service} ${environment.name}: a deployment failed and was rolled back`,
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Deployment State Change'],
        resources: [fargateService.serviceArn],
        detail: { eventName: ['SERVICE_DEPLOYMENT_FAILED'] },
      },
    });
    add('DeploymentRollback', names.alarms.deploymentRollback, 'A deployment failed its health checks and the circuit breaker rolled it back.',
      new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'TriggeredRules',
        dimensionsMap: { RuleName: rollbackRule.ruleName },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }), 1, atLeast, 1);

    // Fargate gives each task 20 GiB of ephemeral storage; /tmp is the only writable path.
    const containerInsights = (metricName: string): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: 'ECS/ContainerInsights',
        metricName,
        dimensionsMap: { ClusterName: names.cluster, ServiceName: names.service },
        statistic: 'Maximum',
        period: minute,
      });
    add('EphemeralStorageHigh', names.alarms.ephemeralStorageHigh, 'Task ephemeral storage above 80% used for 5 minutes; writes to /tmp will fail.',
      new cloudwatch.MathExpression({
        expression: '100 * used / reserved',
        label: 'Ephemeral storage used (%)',
        period: minute,
        usingMetrics: { used: containerInsights('EphemeralStorageUtilized'), reserved: containerInsights('EphemeralStorageReserved') },
      }), 80, above);
    // ACM publishes DaysToExpiry once a day per certificate; no certificate (plain HTTP), no alarm.
    if (certificateArn !== undefined) {
      add('CertificateExpiry', names.alarms.certificateExpiry, 'The listener certificate expires in less than 30 days and has not been renewed.',
        new cloudwatch.Metric({
          namespace: 'AWS/CertificateManager',
          metricName: 'DaysToExpiry',
          dimensionsMap: { CertificateArn: certificateArn },
          statistic: 'Minimum',
          period: Duration.days(1),
        }), 30, cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD, 1);
    }

    if (database) {
      const db = database.instance;
      add('DbConnectionsHigh', requireName(names.alarms.dbConnectionsHigh, 'db_connections_high'),
        `Database connections above 80% of max_connections (${environment.dbMaxConnections}).`,
        db.metricDatabaseConnections({ period: minute, statistic: 'Maximum' }), Math.floor(environment.dbMaxConnections * 0.8), above);
      add('DbStorageLow', requireName(names.alarms.dbStorageLow, 'db_storage_low'), 'Database free storage below 2 GiB for 10 minutes.',
        db.metricFreeStorageSpace({ period: Duration.minutes(5), statistic: 'Minimum' }), 2 * 1024 ** 3,
        cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD, 2);
      add('DbCpuHigh', requireName(names.alarms.dbCpuHigh, 'db_cpu_high'), 'Database CPU above 80% for 10 minutes.',
        db.metricCPUUtilization({ period: minute }), 80, above, 10);
      // The data stack's filter on the postgresql log publishes this metric (named like the alarm).
      const authFailures = requireName(names.alarms.dbAuthFailures, 'db_auth_failures');
      add('DbAuthFailures', authFailures, 'The database rejected a password in the last 5 minutes, typically after a secret rotation.',
        new cloudwatch.Metric({
          namespace: DB_AUTH_FAILURES_NAMESPACE,
          metricName: authFailures,
          statistic: 'Sum',
          period: Duration.minutes(5),
        }), 0, above, 1);
    }
    if (cache) {
      const perNode = (metricName: string): cloudwatch.IMetric =>
        new cloudwatch.MathExpression({
          expression: `MAX([${cache.memberClusterIds.map((_, i) => `m${i}`).join(', ')}])`,
          label: metricName,
          period: minute,
          usingMetrics: Object.fromEntries(
            cache.memberClusterIds.map((id, i) => [
              `m${i}`,
              new cloudwatch.Metric({
                namespace: 'AWS/ElastiCache',
                metricName,
                dimensionsMap: { CacheClusterId: id },
                statistic: 'Maximum',
                period: minute,
              }),
            ]),
          ),
        });
      add('CacheMemoryHigh', requireName(names.alarms.cacheMemoryHigh, 'cache_memory_high'), 'Redis memory usage above 80%.',
        perNode('DatabaseMemoryUsagePercentage'), 80, above);
      add('CacheCpuHigh', requireName(names.alarms.cacheCpuHigh, 'cache_cpu_high'), 'Redis engine CPU above 80% for 10 minutes.',
        perNode('EngineCPUUtilization'), 80, above, 10);
    }
    return alarms;
  }

  private createDashboard(
    props: ServiceStackProps,
    fargateService: ecs.FargateService,
    loadBalancer: elbv2.ApplicationLoadBalancer,
    targetGroup: elbv2.ApplicationTargetGroup,
    alarms: cloudwatch.Alarm[],
  ): void {
    const { environment, database } = props;
    const minute = Duration.minutes(1);
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: environment.names.dashboard,
    });
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Requests and errors',
        left: [loadBalancer.metrics.requestCount({ period: minute })],
        right: [
          targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: minute }),
          loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: minute }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Latency p99 / healthy targets',
        left: [targetGroup.metrics.targetResponseTime({ period: minute, statistic: 'p99' })],
        right: [targetGroup.metrics.healthyHostCount({ period: minute })],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Service CPU and memory (%)',
        left: [fargateService.metricCpuUtilization({ period: minute }), fargateService.metricMemoryUtilization({ period: minute })],
        width: 12,
      }),
      ...(database
        ? [
            new cloudwatch.GraphWidget({
              title: 'Database connections / CPU',
              left: [database.instance.metricDatabaseConnections({ period: minute })],
              right: [database.instance.metricCPUUtilization({ period: minute })],
              width: 12,
            }),
          ]
        : []),
    );
  }
}
