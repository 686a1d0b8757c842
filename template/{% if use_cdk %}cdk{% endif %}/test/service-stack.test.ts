import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { build, config, environments, resourcesOf, templatesOf } from './support';

/** Names that look like a secret value (an ARN pointing at a secret is fine). */
const SECRET_LOOKING = /PASSWORD|PASSWD|SECRET(?!_ARN$)|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL/i;

interface ContainerDefinition {
  Name: string;
  Environment?: { Name: string; Value: unknown }[];
  Secrets?: unknown[];
  HealthCheck?: { Command: string[] };
  User?: string;
  ReadonlyRootFilesystem?: boolean;
  MountPoints?: { ContainerPath: string }[];
}

describe.each(environments.map((environment) => [environment.name, environment] as const))(
  'service stack (%s)',
  (_name, environment) => {
    const { names } = environment;
    const template = () => templatesOf(environment).service;
    const containers = (): ContainerDefinition[] =>
      Object.values(resourcesOf(template(), 'AWS::ECS::TaskDefinition')).flatMap(
        (task) => task.Properties.ContainerDefinitions as ContainerDefinition[],
      );

    const https = environment.httpsRequired || environment.certificateArn !== '';

    it.runIf(https)('serves HTTPS only, with a TLS 1.3 policy, and redirects HTTP', () => {
      template().hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 443,
        Protocol: 'HTTPS',
        SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        Certificates: [{ CertificateArn: Match.anyValue() }],
      });
      template().hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [
          { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
        ],
      });
      template().resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
      template().hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: names.alarms.certificateExpiry });
    });

    it.runIf(!https)('serves plain HTTP on port 80 while it has no certificate (not prod)', () => {
      expect(environment.isProd).toBe(false);
      template().hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [{ Type: 'forward', TargetGroupArn: Match.anyValue() }],
      });
      template().resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
      expect(Object.keys(template().findResources('AWS::CloudWatch::Alarm', {
        Properties: { AlarmName: names.alarms.certificateExpiry },
      }))).toHaveLength(0);
    });

    it('names and hardens the load balancer', () => {
      const attributes = {
        'routing.http.drop_invalid_header_fields.enabled': 'true',
        'routing.http.desync_mitigation_mode': 'defensive',
        'deletion_protection.enabled': String(environment.isProd),
        'access_logs.s3.enabled': 'true',
      };
      for (const [Key, Value] of Object.entries(attributes)) {
        template().hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
          Name: names.alb,
          Scheme: 'internet-facing',
          LoadBalancerAttributes: Match.arrayWith([{ Key, Value }]),
        });
      }
      template().resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    });

    it('health-checks the liveness path from the target group', () => {
      template().hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        Name: names.targetGroup,
        TargetType: 'ip',
        Port: config.containerPort,
        HealthCheckPath: config.healthLivePath,
        Matcher: { HttpCode: '200' },
      });
    });

    it('deploys safely: circuit breaker with rollback, 100/200, grace period', () => {
      template().hasResourceProperties('AWS::ECS::Service', {
        ServiceName: names.service,
        DeploymentConfiguration: {
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
          MinimumHealthyPercent: 100,
          MaximumPercent: 200,
        },
        HealthCheckGracePeriodSeconds: Match.anyValue(),
        NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
      });
      template().hasResourceProperties('AWS::ECS::Cluster', { ClusterName: names.cluster });
    });

    it('runs a hardened container with its own health check', () => {
      const [container] = containers();
      expect(container.Name).toBe(names.container);
      expect(container.HealthCheck?.Command).toEqual([...config.healthcheckCommand]);
      expect(container.ReadonlyRootFilesystem).toBe(true);
      expect(container.User).toMatch(/^[1-9][0-9]*$/);
      expect(container.MountPoints?.map((mount) => mount.ContainerPath)).toContain('/tmp');
      template().hasResourceProperties('AWS::ECS::TaskDefinition', { Family: names.taskFamily });
    });

    it('sets exactly the contract environment variables', () => {
      const variables = (containers()[0].Environment ?? []).map((variable) => variable.Name).sort();
      const expected = ['PORT', 'ENVIRONMENT', 'SERVICE_NAME', 'AWS_REGION', 'LOG_LEVEL'];
      if (config.usePostgres) {
        expected.push('DB_SECRET_ARN', 'DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_POOL_SIZE');
      }
      if (config.useRedis) {
        expected.push('REDIS_URL', 'REDIS_AUTH_SECRET_ARN');
      }
      expect(variables).toEqual(expected.sort());
    });

    it('puts no secret value in any container environment', () => {
      for (const container of containers()) {
        expect(container.Secrets ?? []).toEqual([]);
        for (const variable of container.Environment ?? []) {
          expect(variable.Name).not.toMatch(SECRET_LOOKING);
          expect(JSON.stringify(variable.Value)).not.toMatch(/resolve:secretsmanager|SecretString/);
        }
      }
    });

    it('lets the task role read the secrets it is given by ARN', () => {
      if (!config.usePostgres && !config.useRedis) {
        return;
      }
      template().hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^TaskRole') }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: Match.arrayWith(['secretsmanager:GetSecretValue']),
              Effect: 'Allow',
            }),
          ]),
        },
      });
    });

    it('scales on CPU, memory and request count', () => {
      template().hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
        MinCapacity: environment.minCapacity,
        MaxCapacity: environment.maxCapacity,
      });
      if (environment.isProd) {
        expect(environment.minCapacity).toBeGreaterThanOrEqual(2);
      }
      template().hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        TargetTrackingScalingPolicyConfiguration: {
          PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
          TargetValue: config.cpuTarget,
          ScaleInCooldown: 300,
          ScaleOutCooldown: 60,
        },
      });
      for (const metric of ['ECSServiceAverageMemoryUtilization', 'ALBRequestCountPerTarget']) {
        template().hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
          TargetTrackingScalingPolicyConfiguration: Match.objectLike({
            PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: metric }),
          }),
        });
      }
    });

    it('keeps logs a year, encrypted with the customer-managed key', () => {
      template().hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: names.logGroup,
        RetentionInDays: environment.logRetentionDays,
        KmsKeyId: Match.anyValue(),
      });
    });

    it('creates every alarm of names[env].alarms, the topic and the dashboard', () => {
      const alarmNames = Object.values(resourcesOf(template(), 'AWS::CloudWatch::Alarm'))
        .map((alarm) => alarm.Properties.AlarmName)
        .sort();
      // The certificate alarm exists only where the load balancer has a certificate.
      const expected = Object.values(names.alarms).filter(
        (name) => https || name !== names.alarms.certificateExpiry,
      );
      expect(alarmNames).toEqual(expected.sort());
      template().hasResourceProperties('AWS::SNS::Topic', { TopicName: names.snsTopic, KmsMasterKeyId: Match.anyValue() });
      template().hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: names.dashboard });
    });

    it('has no error annotations', () => {
      const { stage } = build(environment);
      Annotations.fromStack(stage.serviceStack).hasNoError('*', Match.anyValue());
    });

    it('matches the snapshot', () => {
      expect(template().toJSON()).toMatchSnapshot();
    });
  },
);
