import { Annotations, Fn, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EnvironmentConfig, ExistingVpc } from './config';

/** The VPC and the subnets each tier runs in; passed to the other stacks as a typed prop. */
export interface NetworkRefs {
  readonly vpc: ec2.IVpc;
  /** Private subnets (with egress) for tasks, database and cache. */
  readonly privateSubnets: ec2.SubnetSelection;
  /** Public subnets for the internet-facing load balancer. */
  readonly publicSubnets: ec2.SubnetSelection;
}

/**
 * Where a stack finds its network: the refs of the network stack (vpc_mode create), or the
 * ids of an existing VPC that each stack imports itself (vpc_mode existing).
 */
export type NetworkSource = { readonly created: NetworkRefs } | { readonly existing: ExistingVpc };

/** The network refs of `source`, imported into `scope` when the VPC already exists. */
export function resolveNetwork(scope: Construct, source: NetworkSource): NetworkRefs {
  return 'created' in source ? source.created : importExistingVpc(scope, source.existing);
}

export interface NetworkStackProps extends StackProps {
  readonly environment: EnvironmentConfig;
  readonly cidr: string;
  /** The AZs to span, by name (three, like the Terraform). */
  readonly availabilityZones: readonly string[];
}

/**
 * vpc_mode create: a VPC over the given AZs (three) with public and private subnets, NAT and
 * flow logs: one NAT gateway per AZ in prod, so an AZ outage does not cut egress; one elsewhere.
 */
export class NetworkStack extends Stack {
  public readonly network: NetworkRefs;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { names, isProd, logRetentionDays } = props.environment;

    const vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: names.vpc,
      ipAddresses: ec2.IpAddresses.cidr(props.cidr),
      // Named AZs work in account-agnostic stacks too (maxAzs would stop at two there).
      availabilityZones: [...props.availabilityZones],
      natGateways: isProd ? props.availabilityZones.length : 1,
      // Nothing uses the default security group (every tier has its own); restricting it
      // would add a custom-resource Lambda to every environment.
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
    });

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      logGroupName: names.flowLogGroup,
      retention: logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const flowLogRole = new iam.Role(this, 'FlowLogRole', {
      roleName: names.flowLogRole,
      description: `Lets VPC flow logs write to ${names.flowLogGroup}`,
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com'),
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup, flowLogRole),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    this.network = {
      vpc,
      privateSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      publicSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    };
  }
}

/**
 * vpc_mode existing: import the VPC and subnets by id, without lookups, so synth needs no
 * AWS credentials. The answers do not say which AZ each subnet is in; CDK only keeps the AZ
 * as metadata here (placement follows the subnet ids), so it refers to the region's AZs.
 */
export function importExistingVpc(scope: Construct, existing: ExistingVpc): NetworkRefs {
  const azs = existing.privateSubnetIds.map((_, index) => Fn.select(index, Fn.getAzs()));
  const vpc = ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
    vpcId: existing.vpcId,
    availabilityZones: azs,
  });
  const subnets = (ids: readonly string[], kind: string): ec2.ISubnet[] =>
    ids.map((subnetId, index) => {
      const subnet = ec2.Subnet.fromSubnetAttributes(scope, `${kind}Subnet${index}`, {
        subnetId,
        availabilityZone: Fn.select(index, Fn.getAzs()),
      });
      Annotations.of(subnet).acknowledgeWarning(
        '@aws-cdk/aws-ec2:noSubnetRouteTableId',
        'The existing VPC owns its route tables; nothing here adds routes to them.',
      );
      return subnet;
    });
  return {
    vpc,
    privateSubnets: { subnets: subnets(existing.privateSubnetIds, 'Private') },
    publicSubnets: { subnets: subnets(existing.publicSubnetIds, 'Public') },
  };
}
