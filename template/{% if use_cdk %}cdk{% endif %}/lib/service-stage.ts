import { Stage, StageProps, Tags } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EnvironmentConfig, ServiceConfig } from './config';
import { DatabaseStack } from './database-stack';
import { NetworkSource, NetworkStack } from './network-stack';
import { ServiceStack } from './service-stack';

export interface ServiceStageProps extends StageProps {
  readonly service: ServiceConfig;
  readonly environment: EnvironmentConfig;
}

/** One environment: network (when created here), data (stateful) and service (stateless). */
export class ServiceStage extends Stage {
  public readonly networkStack?: NetworkStack;
  public readonly databaseStack: DatabaseStack;
  public readonly serviceStack: ServiceStack;

  constructor(scope: Construct, id: string, props: ServiceStageProps) {
    super(scope, id, {
      ...props,
      // An account id pins the stage to it; without one the stacks stay account-agnostic.
      env: { account: props.environment.account, region: props.environment.region },
    });
    const { service, environment } = props;

    let network: NetworkSource;
    if (service.vpcMode === 'create') {
      if (
        service.vpcCidr === undefined ||
        service.availabilityZones === undefined ||
        environment.stacks.network === undefined
      ) {
        throw new Error(
          'vpc_mode create needs vpcCidr, availabilityZones and a network stack name in lib/config.ts',
        );
      }
      const networkStack = new NetworkStack(this, 'Network', {
        stackName: environment.stacks.network,
        description: `${service.serviceName} ${environment.name}: VPC, subnets, NAT and flow logs`,
        environment,
        cidr: service.vpcCidr,
        availabilityZones: service.availabilityZones,
      });
      this.networkStack = networkStack;
      network = { created: networkStack.network };
    } else {
      const existing = service.existingVpc;
      if (existing === undefined) {
        throw new Error('vpc_mode existing needs existingVpc in lib/config.ts');
      }
      network = { existing };
    }

    const databaseStack = new DatabaseStack(this, 'Data', {
      stackName: environment.stacks.data,
      description: `${service.serviceName} ${environment.name}: KMS key, database, cache and their secrets (stateful)`,
      terminationProtection: environment.isProd,
      service,
      environment,
      network,
    });
    this.databaseStack = databaseStack;

    this.serviceStack = new ServiceStack(this, 'Service', {
      stackName: environment.stacks.service,
      description: `${service.serviceName} ${environment.name}: Fargate service, load balancer, autoscaling, alarms and dashboard`,
      service,
      environment,
      network,
      key: databaseStack.key,
      database: databaseStack.database,
      cache: databaseStack.cache,
    });

    Tags.of(this).add('Service', service.serviceName);
    Tags.of(this).add('Environment', environment.name);
    Tags.of(this).add('Owner', service.ownerTeam);
    Tags.of(this).add('ManagedBy', 'cdk');
    Tags.of(this).add('Repo', service.repository);
  }
}
